"""Running a pipeline from Python: load and check the config, lock the root, execute, record, summarise."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.compare import config_as_run
from pipeline.config import ConfigError, PipelineConfig, load_config, resolve_paths, with_tuner_role
from pipeline.dag import build_dag
from pipeline.defaults import DEFAULT_CHIEF_ADDRESS
from pipeline.lock import root_lock
from pipeline.maintenance import collect
from pipeline.notify import failure_summary, notify, run_events
from pipeline.interrupts import Interrupted
from pipeline.rerun import check_names, plan_rerun
from pipeline.runner import ending_status, execute, recover_interrupted
from pipeline.spans import has_spans, select_spans
from pipeline.store import RunStore
from pipeline.summary import RunSummary, summarize
from pipeline.tracking import log_run
from pipeline.versions import check_force_push_reason

LOG = logging.getLogger("rnnpipe")
ACCEPT_SCHEMA = "validation.accept_new_schema=true"


def load_run_config(config: str | Path | PipelineConfig, root: str | Path, *, data_dir: str | Path | None = None,
                    sets: Sequence[str] = (), accept_schema: bool = False) -> PipelineConfig:
    """The config of a run, validated, with its paths resolved.

    Args:
        config: A YAML file, or a config already loaded with :func:`~pipeline.config.load_config`.
        root: The pipeline root (the serving and schema folders resolve under it).
        data_dir: What relative data paths resolve against (default: the current directory).
        sets: ``key.path=value`` overrides, as ``--set`` takes them; only with a YAML file.
        accept_schema: Store this data's schema even where the data breaks the current one.

    Raises:
        ConfigError: On any invalid file, key or value.
        TypeError: If ``sets`` are given with a loaded config.
    """
    if isinstance(config, PipelineConfig):
        if sets:
            raise TypeError("sets apply to a config file; pass the loaded config with its values instead")
        cfg = config
        if accept_schema:
            cfg = dataclasses.replace(cfg, validation=dataclasses.replace(cfg.validation, accept_new_schema=True))
    else:
        cfg = load_config(config, [*sets, *([ACCEPT_SCHEMA] if accept_schema else [])])
    return resolve_paths(cfg, data_dir, Path(root))


def plan_dag(cfg: PipelineConfig, beam_args: Sequence[str], force_push_reason: str = "") -> tuple[list, list[str]]:
    """The run's DAG, reading the selected spans when ``data.path`` names spans (for
    ``force_push_reason``, see :func:`~pipeline.dag.build_dag`).

    Returns:
        ``(nodes, span ids)``; no span ids when the path has no span placeholders.

    Raises:
        DataError: If no span is present or none is in the configured range.
    """
    spans = select_spans(cfg.data.path, cfg.spans) if has_spans(cfg.data.path) else []
    return (build_dag(cfg, list(beam_args), [(span.id, span.path) for span in spans], force_push_reason),
            [span.id for span in spans])


def up_to(nodes: list, last: str | None) -> list:
    """The nodes up to and including ``last`` (all of them when it is None).

    Raises:
        ConfigError: If the pipeline has no such component.
    """
    names = [node.name for node in nodes]
    if last is None:
        return nodes
    if last not in names:
        raise ConfigError(f"--until {last!r}: this pipeline's components are {', '.join(names)}")
    return nodes[:names.index(last) + 1]


def new_run_id() -> str:
    """A run id: the local start time and a random suffix, e.g. ``20261201T160838-e3846d``."""
    return time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def run_pipeline(config: str | Path | PipelineConfig, root: str | Path, *, beam_args: Sequence[str] = (),
                 until: str | None = None, data_dir: str | Path | None = None, sets: Sequence[str] = (),
                 accept_schema: bool = False, tuner_role: str = "local",
                 chief_address: str = DEFAULT_CHIEF_ADDRESS,
                 prepare: Callable[[PipelineConfig], None] | None = None,
                 progress: Callable[..., None] = LOG.info,
                 before_execution: Callable[[str], None] | None = None,
                 force: Sequence[str] = (), start_from: str | None = None,
                 force_push_reason: str | None = None) -> RunSummary:
    """Runs a pipeline: what ``rnnpipe run`` does, from Python.

    Validates the config before writing anything, holds the root lock for the whole run, marks
    runs that a kill interrupted and removes their partial outputs, records the run and each
    execution in the run store, reuses cached executions, and collects old artifacts afterwards
    when ``run.gc_keep_runs`` is set.

    Args:
        config: A YAML file, or a loaded :class:`~pipeline.config.PipelineConfig`.
        root: The pipeline root: artifacts, the run store, schemas, the serving folder.
        beam_args: Beam pipeline options, appended to the config's ``beam.args``.
        until: Stop after this component (e.g. ``"statistics"``); None runs the whole DAG.
        data_dir: What relative data paths resolve against (default: the current directory).
        sets: ``key.path=value`` overrides (only with a YAML file).
        accept_schema: Store this data's schema even where the data breaks the current one.
        tuner_role: ``local``, or ``chief`` to serve the tuner's oracle to ``tune-worker`` processes.
        chief_address: Where a chief's oracle listens, ``HOST:PORT``.
        prepare: Called with the resolved config before the DAG is planned (the demo writes its data).
        progress: Called with printf-style progress messages.
        before_execution: Called with a component's name just before it executes (not when cached).
        force: Components to execute whatever the cache holds, each with everything downstream of
            it (``--force``); ``"all"`` for every component.
        start_from: Take the outputs of every component before this one from the newest complete
            run of this pipeline (same name), whatever their cache keys, and execute it and what
            is downstream of it (``--from``). See :mod:`pipeline.rerun`.
        force_push_reason: Publish the model even if the evaluator does not bless it, for this
            reason (``--force-push --reason TEXT``); recorded in ``model.json``, the served
            model's history and the summary. None: only a blessed model is published.

    Returns:
        The run's summary. Whether the model was blessed is in it: a model that is not blessed
        is an outcome, not an error.

    Raises:
        ConfigError: On an invalid config (nothing is written).
        UsageError: If ``force`` or ``start_from`` names no component of the pipeline, or there is
            no complete run (or none with intact outputs) to start from (nothing is written).
        UsageError: If ``force_push_reason`` is given but blank.
        DataError: On missing or bad input data, or data that fails validation.
        LockedError: If another run holds the root past ``run.lock_timeout_seconds``.
        Interrupted: On SIGTERM or SIGINT while the command line's handlers are installed (see
            :mod:`pipeline.interrupts`), after the step's staging is removed and the run is recorded
            as interrupted; a plain KeyboardInterrupt records it so too.
        Exception: A component's failure, after the run is recorded as failed.
    """
    root = Path(root)
    cfg = load_run_config(config, root, data_dir=data_dir, sets=sets, accept_schema=accept_schema)
    if prepare is not None:
        prepare(cfg)
    if tuner_role == "chief":
        cfg = with_tuner_role(cfg, "chief", chief_address)
    nodes, spans = plan_dag(cfg, beam_args, check_force_push_reason(force_push_reason))
    check_names(nodes, force, start_from, until)
    nodes = up_to(nodes, until)
    with root_lock(root, cfg.run.lock_timeout_seconds):
        store = RunStore(root)
        interrupted = recover_interrupted(root, store)
        if interrupted:
            LOG.warning("run(s) %s were interrupted; their partial outputs were removed", ", ".join(interrupted))
        rerun = plan_rerun(nodes, store, cfg.name, force, start_from)
        run_id = new_run_id()
        store.start_run(run_id, cfg.name, {"source": cfg.source, "overrides": list(sets),
                                           "beam_args": list(beam_args), "spans": spans,
                                           "force_push_reason": force_push_reason,
                                           "force": list(force), **rerun.record(), "config": config_as_run(cfg)})
        LOG.info("run %s of %s (%s) in %s%s", run_id, cfg.name, cfg.source, root,
                 f", span(s) {', '.join(spans)}" if spans else "")
        started = time.perf_counter()
        try:
            outcome = execute(nodes, root, store, run_id, progress=progress, before_execution=before_execution,
                              forced=rerun.forced, taken=rerun.taken)
        except Interrupted as interrupted:
            interrupted.run_id = run_id
            store.end_run(run_id, ending_status(interrupted), {"error": interrupted.describe(),
                                                                "signal": interrupted.signal_name,
                                                                "component": interrupted.component})
            log_run(cfg, root, run_id, store, error=interrupted.describe())
            notify(cfg.notify, failure_summary(run_id, cfg.name, interrupted, ending_status(interrupted)), ("failure",))
            raise
        except BaseException as error:
            described = f"{type(error).__name__}: {error}"
            store.end_run(run_id, ending_status(error), {"error": described})
            log_run(cfg, root, run_id, store, error=described)
            notify(cfg.notify, failure_summary(run_id, cfg.name, error, ending_status(error)), ("failure",))
            raise
        summary = dataclasses.replace(summarize(run_id, outcome, cfg, time.perf_counter() - started, tuple(spans),
                                                until), **rerun.summary_fields())
        summary = dataclasses.replace(summary, tracking=log_run(cfg, root, run_id, store, summary=summary))
        store.end_run(run_id, "complete", summary.to_dict())
        notify(cfg.notify, summary.to_dict(), run_events(summary))
        if cfg.run.gc_keep_runs is not None:
            plan = collect(root, cfg.run.gc_keep_runs, cfg.run.gc_keep_versions)
            LOG.info("gc: deleted %d artifact folder(s) and %d serving version(s), %.1f MB",
                     len(plan.artifact_dirs), len(plan.versions), plan.bytes / 1e6)
    return summary
