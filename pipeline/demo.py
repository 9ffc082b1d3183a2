"""The demo: the whole pipeline on a generated sine wave, no data needed (``rnnpipe demo``)."""

from __future__ import annotations

import os
from pathlib import Path

from data import get_kind
from pipeline.config import PipelineConfig, bundled_config
from pipeline.running import run_pipeline
from pipeline.summary import RunSummary

DEMO_DATA = "demo_data"  # under the root, unless a data_dir is given


def write_demo_data(cfg: PipelineConfig) -> None:
    """Writes the config's kind's demo data where the resolved config reads it, unless it is there.

    Written under a temporary name and renamed, so that a killed write leaves no partial file.
    """
    path = Path(cfg.data.path)
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
