"""The time-series dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: timeseries``."""

from __future__ import annotations

from typing import Any, Iterator

from data.contract import DatasetKind, ScoringInput, ScoringOptions
from data.timeseries.baselines import baseline_forecasts
from data.timeseries.config import FEATURES_KEY, LABEL_KEY, TASK, TimeseriesData
from data.timeseries.demo import write_sine_csv
from data.timeseries.model_head import (evaluation_targets, highway_inputs, model_io, model_shape,
                                        resolved_config, to_original_units)
from data.timeseries.preprocessing import UNSEEN_KEY, make_preprocessing_fn
from data.timeseries.read import check_input, input_files, read_examples
from data.timeseries.records import encode_example, profile, raw_feature_spec
from data.timeseries.scoring import scoring_tensors, scoring_windows
from data.timeseries.serving import serving_signatures


class TimeseriesKind(DatasetKind):
    """CSV series cut into forecast windows, split by time; a regression on future values."""

    name = "timeseries"
    DATA_CONFIG = TimeseriesData
    TASK = TASK
    FEATURES_KEY = FEATURES_KEY
    LABEL_KEY = LABEL_KEY
    HAS_DEMO = True
    COUNTED_OUTPUTS = (UNSEEN_KEY,)  # categories unseen at train, which went to the OOV bucket
    scoring_input = ScoringInput(format="series", signature="serving_raw", input_names=("history",),
                                 folder_pattern="*.csv", needs_data_config=True)

    check_input = staticmethod(check_input)
    input_files = staticmethod(input_files)
    read_examples = staticmethod(read_examples)
    encode_example = staticmethod(encode_example)
    profile = staticmethod(profile)
    raw_feature_spec = staticmethod(raw_feature_spec)
    make_preprocessing_fn = staticmethod(make_preprocessing_fn)
    resolved_config = staticmethod(resolved_config)
    model_shape = staticmethod(model_shape)
    model_io = staticmethod(model_io)
    evaluation_targets = staticmethod(evaluation_targets)
    to_original_units = staticmethod(to_original_units)
    baseline_forecasts = staticmethod(baseline_forecasts)
    highway_inputs = staticmethod(highway_inputs)
    serving_signatures = staticmethod(serving_signatures)
    scoring_tensors = staticmethod(scoring_tensors)

    def write_demo(self, path) -> None:
        """Writes the demo's sine-wave CSV (:func:`data.timeseries.demo.write_sine_csv`) to ``path``."""
        write_sine_csv(path)

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Rolling windows of one CSV series, cut as the model's card (``options.data``) says."""
        return scoring_windows(path, raw, self.scoring_config(options.data or {}))


KIND = TimeseriesKind()
