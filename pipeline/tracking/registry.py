"""The MLflow model registry: each pushed serving version becomes a version of the registered
model named after the served model, and the alias ``production`` points at the one served."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.config import TrackingSettings
from pipeline.tracking.client import connect, request_limits, tracking_uri
from pipeline.tracking.failures import describe

LOG = logging.getLogger("rnnpipe.tracking")
PRODUCTION = "production"
SERVING_VERSION_TAG = "rnnpipe.serving_version"  # on an MLflow model version: the serving folder's version


def ensure_registered_model(client, name: str) -> None:
    """Creates the registered model ``name`` unless it exists."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        client.create_registered_model(name, description="Served by rnnpipe: one version per pushed serving version.")


def version_of(client, name: str, serving_version: int):
    """The newest MLflow model version of ``name`` that stands for ``serving_version``, or None."""
    quoted = name.replace("'", "\\'")
    found = client.search_model_versions(f"name='{quoted}' and tag.`{SERVING_VERSION_TAG}`='{serving_version}'")
    return max(found, key=lambda version: int(version.version), default=None)


def register_push(client, name: str, serving_version: int, source: str, run_id: str, served_path: str,
                  wait_seconds: float):
    """Registers a pushed serving version as a new MLflow model version; returns it.

    Args:
        client: The MLflow client.
        name: The served model's name (the registered model's).
        serving_version: The version number in the serving folder.
        source: Where the MLflow run holds what describes it (its ``model.json``).
        run_id: The MLflow run that pushed it.
        served_path: Its folder on disk, kept as a tag.
        wait_seconds: How long to wait for the registry to say the version is ready.
    """
    ensure_registered_model(client, name)
    return client.create_model_version(name, source, run_id=run_id,
                                       tags={SERVING_VERSION_TAG: str(serving_version), "rnnpipe.path": served_path,
                                             "rnnpipe.action": "push"},
                                       description=f"serving version {serving_version} at {served_path}",
                                       await_creation_for=max(1, int(wait_seconds)))


def point_production(client, name: str, serving_version: int | None) -> str | None:
    """Points ``production`` at the MLflow version of the served ``serving_version``; returns that
    MLflow version, or None (and leaves the alias) when none stands for it."""
    found = None if serving_version is None else version_of(client, name, serving_version)
    if found is None:
        return None
    client.set_registered_model_alias(name, PRODUCTION, found.version)
    return str(found.version)


def source_version(source: str) -> int | None:
    """The serving version a rollback's ``source`` names: ``"3"``, or a version folder ``.../sine/3``."""
    last = Path(source).name
    return int(last) if last.isdigit() else None


def move_production(client, name: str, version: int, source: str, reason: str, wait_seconds: float) -> str:
    """Points ``production`` at serving ``version``, registering it first when it has no MLflow
    version (a rollback's new version: registered with the MLflow source of ``source``'s version).

    Returns:
        The MLflow version ``production`` now points at.

    Raises:
        LookupError: If neither ``version`` nor ``source``'s version is registered.
    """
    found = version_of(client, name, version)
    if found is None:
        origin = source_version(source)
        base = None if origin is None else version_of(client, name, origin)
        if base is None:
            raise LookupError(f"registered model {name!r} has no version for serving version {version} "
                              f"nor for its source {source!r}")
        found = client.create_model_version(name, base.source, run_id=base.run_id,
                                            tags={SERVING_VERSION_TAG: str(version), "rnnpipe.action": "rollback",
                                                  "rnnpipe.source": source, "rnnpipe.reason": reason},
                                            description=f"serving version {version}: {source} again ({reason})",
                                            await_creation_for=max(1, int(wait_seconds)))
    client.set_registered_model_alias(name, PRODUCTION, found.version)
    client.set_model_version_tag(name, found.version, "rnnpipe.production_reason", reason)
    return str(found.version)


def set_production_alias(tracking: TrackingSettings | None, model_name: str, version: int, source: str,
                         reason: str) -> str | None:
    """Moves the MLflow alias ``production`` of ``model_name`` to serving ``version`` (``rnnpipe
    rollback`` calls it after publishing). Never raises.

    Args:
        tracking: The tracking settings (None: only ``MLFLOW_TRACKING_URI``).
        model_name: The served model, and registered model, name.
        version: The serving version now served.
        source: The serving version whose content it holds: its number (``"3"``) or folder.
        reason: Why (kept as a tag on the MLflow version).

    Returns:
        None when it moved or no tracking is configured; else the error, which is also logged.
    """
    uri = tracking_uri(tracking)
    if not uri:
        return None
    settings = tracking or TrackingSettings()
    try:
        with request_limits(settings.timeout_seconds):
            moved = move_production(connect(uri), model_name, version, source, reason, settings.timeout_seconds)
        LOG.info("MLflow: %s@%s is now version %s (serving version %d)", model_name, PRODUCTION, moved, version)
        return None
    except Exception as error:  # tracking never fails the command: the error is reported instead
        text = describe(error)
        LOG.warning("MLflow at %s: could not move %s@%s to serving version %d: %s", uri, model_name, PRODUCTION,
                    version, text)
        return text
