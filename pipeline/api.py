"""The Python API: every ``rnnpipe`` command as a function. The command line only parses and prints.

Example::

    from pipeline.api import run_pipeline

    summary = run_pipeline("pipeline/configs/timeseries.yaml", "rnnpipe_root",
                           data_dir="../shared/datasets", sets=["trainer.epochs=2"])
    print(summary.blessed, summary.pushed_version, summary.metrics["rmse"])

Errors are the exceptions each function documents; :func:`pipeline.exit_codes.exit_code_for`
gives the command line's exit code of any of them.
"""

from pipeline.compare import compare_runs
from pipeline.demo import run_demo
from pipeline.init_config import init_config
from pipeline.maintenance import collect_garbage, get_run, list_runs
from pipeline.running import run_pipeline
from pipeline.scoring_jobs import default_batch_size, generate_text, score
from pipeline.store_recovery import recover_store
from pipeline.summary import RunSummary
from pipeline.tune_worker import join_search
from pipeline.versions import list_versions, rollback

__all__ = ["RunSummary", "collect_garbage", "compare_runs", "default_batch_size", "generate_text", "get_run",
           "init_config", "join_search", "list_runs", "list_versions", "recover_store", "rollback",
           "run_demo", "run_pipeline", "score"]
