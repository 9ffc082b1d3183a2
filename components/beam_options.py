"""Standard Beam pipeline options for every Beam step."""

from __future__ import annotations

from typing import Sequence

DEFAULT_BEAM_ARGS = ("--runner=DirectRunner", "--direct_num_workers=1")


def pipeline_options(beam_args: Sequence[str]):
    """Builds ``PipelineOptions`` from command-line style Beam arguments.

    An explicit ``--runner=DirectRunner`` is the default: offline, the Prism runner cannot
    fetch its binary. Any runner given in ``beam_args`` (Dataflow, Flink, Spark) wins.

    Args:
        beam_args: e.g. ``["--runner=DirectRunner", "--direct_running_mode=multi_processing"]``.

    Returns:
        An ``apache_beam.options.pipeline_options.PipelineOptions``.
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    args = list(beam_args)
    if not any(a.startswith("--runner") for a in args):
        args.insert(0, DEFAULT_BEAM_ARGS[0])
    if any(a.startswith("--direct_running_mode=multi") for a in args) and not any(
            a.startswith("--direct_num_workers") for a in args):
        args.append("--direct_num_workers=2")
    return PipelineOptions(args)
