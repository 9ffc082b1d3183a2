"""The demo: the whole pipeline on a generated sine wave, no data needed (``rnnpipe demo``)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.config import PipelineConfig, bundled_config
from pipeline.running import run_pipeline
from pipeline.summary import RunSummary

DEMO_DATA = "demo_data"  # under the root, unless a data_dir is given


def write_demo_data(path: str | Path) -> None:
    """Writes the demo's sine-wave CSV unless it is already there (atomically: a killed write leaves none)."""
    from data.timeseries import write_sine_csv

    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        write_sine_csv(tmp)
        os.replace(tmp, path)


def write_config_data(cfg: PipelineConfig) -> None:
    """Writes the demo's data where the resolved config reads it."""
    write_demo_data(cfg.data.path)


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
                        prepare=write_config_data, **options)
