"""The run summary: its JSON keys and order, and when a run counts as not blessed."""

import json

from pipeline.summary import RunSummary

FIELDS = dict(status="complete", run_id="r1", pipeline="sine", cached=("example_gen",), executed=("trainer",),
              metrics={"rmse": 0.1}, blessed=False, reasons=("rmse 0.4 > 0.3",), pushed_version=None,
              model_version=None, model_path=None, serving_dir="root/serving/sine", evaluation_dir="e",
              seconds=1.5, component_seconds={"trainer": 1.0})


def test_to_dict_keeps_the_recorded_keys_in_their_order_and_round_trips_through_json():
    summary = RunSummary(**FIELDS, spans=("1",), until="exporter")
    data = summary.to_dict()
    assert list(data) == [*FIELDS, "spans", "validation"]
    assert json.loads(json.dumps(data)) == data and data["cached"] == ["example_gen"]


def test_not_blessed_only_when_the_run_reached_the_exporter_without_a_blessed_or_pushed_model():
    assert RunSummary(**FIELDS).not_blessed
    assert RunSummary(**FIELDS, until="exporter").not_blessed
    assert not RunSummary(**FIELDS, until="statistics").not_blessed
    assert not RunSummary(**{**FIELDS, "blessed": True}).not_blessed
    assert not RunSummary(**{**FIELDS, "pushed_version": 2}).not_blessed
