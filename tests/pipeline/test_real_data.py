"""The real temperature series, end to end, with few epochs."""

import pytest

from tests.conftest import REPO, last_json, rnnpipe


@pytest.mark.real_data
def test_real_temperature_series_end_to_end(shared_datasets, tmp_path):
    result = rnnpipe("run", str(REPO / "pipeline/configs/timeseries.yaml"), "--root", str(tmp_path),
                     "--data-dir", str(shared_datasets), "--set", "trainer.epochs=2", "--json")
    assert result.returncode in (0, 4), result.stderr[-3000:]
    summary = last_json(result.stdout)
    assert summary["executed"] == ["example_gen", "statistics", "transform", "trainer", "evaluator", "exporter"]
    # "tomorrow = today" on the last 20% of the series scores 2.48 degrees C.
    assert summary["metrics"]["persistence_rmse"] == pytest.approx(2.48, abs=0.01)
    assert 0 < summary["metrics"]["rmse"] < 10
