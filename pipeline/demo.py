"""The demo: the whole pipeline on a generated sine wave, no data needed (``rnnpipe demo``)."""

from __future__ import annotations

import os
from pathlib import Path

from data import get_kind
from pipeline.config import PipelineConfig, bundled_config
from pipeline.glob_paths import literal_path, path_is_pattern
from pipeline.running import run_pipeline
from pipeline.summary import RunSummary

DEMO_DATA = "demo_data"  # under the root, unless a data_dir is given


def write_demo_data(cfg: PipelineConfig) -> None:
    """Writes the config's kind's demo data where the resolved config reads it, unless it is there.

    ``data.path`` may be a glob pattern (the data dir's glob characters escaped in it): the data is
    written at the one path it names; a pattern with wildcards is left to the reader.
    Written under a temporary name and renamed, so that a killed write leaves no partial file.
    """
    literal = literal_path(cfg.data.path) if path_is_pattern(type(cfg.data)) else cfg.data.path
    if literal is None:
        return
    path = Path(literal)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        get_kind(cfg.kind).write_demo(tmp)
        os.replace(tmp, path)


def run_demo(root: str | Path, *, data_dir: str | Path | None = None, **options) -> RunSummary:
    """Runs the bundled demo config on a generated sine wave: ``rnnpipe demo``.

    Args:
        root: The pipeline root.
        data_dir: Where the demo's CSV is read (and written when absent); default ``ROOT/demo_data``.
        **options: Any other keyword of :func:`~pipeline.running.run_pipeline`.

    Returns:
        The run's summary.
    """
    return run_pipeline(bundled_config("demo"), root, data_dir=data_dir or str(Path(root) / DEMO_DATA),
                        prepare=write_demo_data, **options)
