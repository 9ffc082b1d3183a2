"""What a pipeline run reports: a typed, frozen summary, kept in the run store and printed by the CLI."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOT_RECORDED = {"recorded": False}  # field metadata: not in the run store's summary, nor in --json
WHEN_SET = {"recorded": "when set"}  # field metadata: recorded only when not None


@dataclass(frozen=True)
class RunSummary:
    """The outcome of one completed run.

    Attributes:
        status: ``complete`` (a failed run raises instead of returning a summary).
        run_id: The run's id in the run store.
        pipeline: The config's pipeline name.
        cached: Components reused from cache, in DAG order.
        executed: Components that ran, in DAG order.
        metrics: The evaluator's metrics (empty when the run stopped before it).
        blessed: Whether the evaluator blessed the model.
        reasons: Why it did not bless it.
        pushed_version: The serving version this run pushed, or None.
        model_version: The served version that this model is (pushed now or earlier), or None.
        model_path: That version's folder, or None.
        serving_dir: ``<serving_dir>/<model_name>``.
        evaluation_dir: The evaluation artifact's folder (metrics, plots), or None.
        seconds: Wall time of the run.
        component_seconds: Wall time of each component, cached ones included.
        spans: The data spans read (empty when ``data.path`` names none).
        validation: The statistics component's check against the schema, or None.
        baselines: The evaluator's reference forecasts (each one's RMSE and MAE or why it is
            unavailable, the best one, the model's ratio to it, per series); recorded only for
            kinds that have them.
        missing: What the missing policy met (``missing_values``, ``missing_steps``,
            ``interpolated_steps``) and the windows it dropped by split (``dropped_windows``), from
            the examples artifact; recorded only for kinds that count them (time series).
        until: The last component asked for (``--until``), or None for the whole DAG. Not recorded.
        memory: The peak memory of each executed component, MiB: ``peak_rss_mb`` (this process),
            ``children_peak_rss_mb`` (its child processes, e.g. Beam's workers) and ``gpu_peak_mb``
            (None where TensorFlow reports none); see :mod:`pipeline.memory`. Recorded for every
            run (empty when all were cached); None only in a summary built without a runner's outcome.
        forced: The components executed whatever the cache held (``--force``, ``--from``: the
            named ones and everything downstream), in DAG order; recorded only when some were.
        started_from: The ``--from`` component; recorded only when given.
        reused_run: The run whose outputs the components before ``started_from`` took; recorded
            only when some did.
        force_push_reason: Why this run published a model the evaluator did not bless
            (``--force-push --reason``); recorded only when it did.
        tracking: Where the run was logged in MLflow (``uri``, ``experiment``, ``mlflow_run_id``,
            ``url``, ``registered``) and the tracking failure, if any (``error``); see
            :func:`pipeline.tracking.log_run`. Recorded only when tracking is configured.
    """

    status: str
    run_id: str
    pipeline: str
    cached: tuple[str, ...]
    executed: tuple[str, ...]
    metrics: Mapping[str, Any]
    blessed: bool
    reasons: tuple[str, ...]
    pushed_version: int | None
    model_version: int | None
    model_path: str | None
    serving_dir: str
    evaluation_dir: str | None
    seconds: float
    component_seconds: Mapping[str, float]
    spans: tuple[str, ...] = ()
    validation: Mapping[str, Any] | None = None
    baselines: Mapping[str, Any] | None = field(default=None, metadata=WHEN_SET)
    missing: Mapping[str, Any] | None = field(default=None, metadata=WHEN_SET)
    until: str | None = field(default=None, metadata=NOT_RECORDED)
    memory: Mapping[str, Mapping[str, float | None]] | None = field(default=None, metadata=WHEN_SET)
    forced: tuple[str, ...] | None = field(default=None, metadata=WHEN_SET)
    started_from: str | None = field(default=None, metadata=WHEN_SET)
    reused_run: str | None = field(default=None, metadata=WHEN_SET)
    force_push_reason: str | None = field(default=None, metadata=WHEN_SET)
    tracking: Mapping[str, Any] | None = field(default=None, metadata=WHEN_SET)

    @property
    def not_blessed(self) -> bool:
        """The run reached the exporter, and no model is blessed or served by it (exit code 4)."""
        if self.until not in (None, "exporter"):  # stopped before the blessing mattered
            return False
        return not (self.blessed or self.pushed_version is not None)

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-able data: what ``--json`` prints and the run store keeps."""
        return {f.name: as_plain(getattr(self, f.name)) for f in dataclasses.fields(self)
                if f.metadata.get("recorded", True) is True
                or (f.metadata.get("recorded") == WHEN_SET["recorded"] and getattr(self, f.name) is not None)}


def as_plain(value: Any) -> Any:
    """Tuples as lists and mappings as dicts, recursively, so that JSON round trips are equal."""
    if isinstance(value, Mapping):
        return {key: as_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_plain(item) for item in value]
    return value


MISSING_KEYS = ("missing_values", "missing_steps", "interpolated_steps", "dropped_windows")
"""The examples artifact's properties on missing values that the summary shows."""


def missing_counts(examples) -> dict[str, Any] | None:
    """The missing-value counts of an examples artifact, or None when it has none (or is absent)."""
    found = {key: examples.properties[key] for key in MISSING_KEYS if key in examples.properties} if examples else {}
    return found or None


def summarize(run_id: str, outcome, cfg, seconds: float, spans: tuple[str, ...] = (),
              until: str | None = None) -> RunSummary:
    """The summary of a run from the runner's outcome.

    Args:
        run_id: The run's id.
        outcome: The runner's :class:`~pipeline.runner.RunOutcome`.
        cfg: The run's resolved :class:`~pipeline.config.PipelineConfig`.
        seconds: The run's wall time.
        spans: The span ids read.
        until: The last component asked for, or None.
    """
    evaluation = outcome.outputs.get("evaluator", {}).get("evaluation")  # absent with --until
    pushed = outcome.outputs.get("exporter", {}).get("pushed_model")
    evaluated = evaluation.properties if evaluation else {}
    published = pushed.properties if pushed else {}
    newly_pushed = "exporter" in outcome.executed and published.get("pushed")
    return RunSummary(
        status="complete",
        run_id=run_id,
        pipeline=cfg.name,
        cached=tuple(outcome.cached),
        executed=tuple(outcome.executed),
        metrics=evaluated.get("metrics", {}),
        blessed=bool(evaluated.get("blessed")),
        reasons=tuple(evaluated.get("reasons", [])),
        pushed_version=published.get("version") if newly_pushed else None,
        model_version=published.get("version"),
        model_path=published.get("path"),
        serving_dir=str(Path(cfg.exporter.serving_dir) / cfg.model_name),
        evaluation_dir=str(evaluation.uri) if evaluation else None,
        seconds=round(seconds, 2),
        component_seconds=dict(outcome.seconds),
        spans=tuple(spans),
        validation=outcome.checks.get("statistics"),
        baselines=evaluated.get("baselines"),
        missing=missing_counts(outcome.outputs.get("example_gen", {}).get("examples")),
        until=until,
        memory=dict(outcome.memory),
        force_push_reason=published.get("force_push_reason") if newly_pushed else None,
    )
