"""A distributed tuning worker from Python: what ``rnnpipe tune-worker`` does."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from components import tuner
from pipeline.config import with_tuner_role
from pipeline.errors import ChiefTimeoutError, UsageError
from pipeline.runner import cached_inputs, scratch_dir
from pipeline.running import load_run_config, plan_dag
from pipeline.store import STORE_FILE, RunStore

LOG = logging.getLogger("rnnpipe")
POLL_SECONDS = 2.0


def join_search(config: str | Path, root: str | Path, *, chief: str, worker_id: int, sets: Sequence[str] = (),
                data_dir: str | Path | None = None, beam_args: Sequence[str] = (),
                wait_seconds: float = 3600.0) -> int:
    """Joins a chief's KerasTuner search as one worker and runs trials until its budget is spent.

    Waits until the chief's run (same config, overrides, root and data dir) has finished
    transform, then runs trials in the chief's search directory.

    Args:
        config: The chief's YAML config.
        root: The chief's pipeline root.
        chief: The chief's ``HOST:PORT``.
        worker_id: This worker's number, unique within the search (>= 0).
        sets: The chief's ``key.path=value`` overrides.
        data_dir: The chief's data dir.
        beam_args: The chief's Beam options (they are part of no cache key).
        wait_seconds: How long to wait for the chief's run to reach the tuner.

    Returns:
        How many trials this worker ran.

    Raises:
        ConfigError: On an invalid config, or one with tuning off.
        UsageError: If ``worker_id`` is negative.
        DataError: If the config names spans and none is there.
        ChiefTimeoutError: If the chief's run does not reach the tuner in time.
    """
    root = Path(root)
    cfg = with_tuner_role(load_run_config(config, root, data_dir=data_dir, sets=sets), "chief", chief)
    if worker_id < 0:
        raise UsageError("--worker-id must be >= 0")
    nodes, _ = plan_dag(cfg, beam_args)
    deadline = time.monotonic() + wait_seconds
    found = None
    while found is None:
        if Path(root, STORE_FILE).exists():
            found = cached_inputs(nodes, RunStore(root), tuner.NAME)
        if found is None:
            if time.monotonic() > deadline:
                raise ChiefTimeoutError(f"the chief's run in {root} did not reach the tuner within {wait_seconds:.0f}s")
            LOG.info("waiting for the chief's run in %s to finish transform", root)
            time.sleep(POLL_SECONDS)
    inputs, key = found
    directory = scratch_dir(root, tuner.NAME, key) / "tuning"
    params = next(node.params for node in nodes if node.name == tuner.NAME)
    LOG.info("worker %d joining the search at %s (directory %s)", worker_id, chief, directory)
    trials = tuner.work(inputs, params, directory, worker_id)
    LOG.info("worker %d done: %d trials", worker_id, trials)
    return trials
