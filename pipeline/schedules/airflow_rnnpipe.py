"""Airflow DAG: the nightly rnnpipe run, then retention. Copy it into your Airflow ``dags/`` folder.

Every step calls the ``rnnpipe`` CLI, so the workers need rnnpipe installed and nothing else.
Exit code 4 (a model that was not blessed) marks the run task skipped rather than failed; the
other codes are documented in docs/exit-codes.md.
"""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

SETTINGS = {
    "config": "/srv/rnnpipe/pipeline/configs/timeseries.yaml",
    "root": "/srv/rnnpipe/root",
    "data_dir": "/srv/rnnpipe/data",
}

with DAG(
    dag_id="rnnpipe_nightly",
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # rnnpipe also locks the root; this keeps Airflow from queueing overlaps
    default_args={"retries": 1, "retry_delay": pendulum.duration(minutes=10)},
    params=SETTINGS,
) as dag:
    run = BashOperator(
        task_id="run",
        bash_command="rnnpipe --log-format json run {{ params.config }} --root {{ params.root }} "
                     "--data-dir {{ params.data_dir }} --json",
        skip_on_exit_code=4,
    )
    gc = BashOperator(
        task_id="gc",
        bash_command="rnnpipe gc --root {{ params.root }} --keep-runs 14 --keep-versions 5 --lock-timeout 600",
        trigger_rule="all_done",
    )
    run >> gc
