"""Experiment tracking and the model registry in MLflow (the optional ``mlflow`` extra).

Each pipeline run is one MLflow run (:func:`log_run`); each pushed serving version a version of
the registered model named after the served model, whose alias ``production`` follows what is
served (:func:`set_production_alias`). ``mlflow`` is imported only inside this package, and only
when tracking is configured; a tracking failure never changes a run's result.
"""

from pipeline.tracking.logging_run import log_run
from pipeline.tracking.registry import PRODUCTION, set_production_alias

__all__ = ["PRODUCTION", "log_run", "set_production_alias"]
