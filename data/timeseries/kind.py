"""The time-series dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: timeseries``."""

from __future__ import annotations

from typing import Any, Iterator

from data.contract import DatasetKind, ScoringInput, ScoringOptions
from data.timeseries import config, demo, model_head, preprocessing, read, records, scoring, serving


class TimeseriesKind(DatasetKind):
    """CSV series cut into forecast windows, split by time; a regression on future values."""

    name = "timeseries"
    DATA_CONFIG = config.TimeseriesData
    TASK = config.TASK
    FEATURES_KEY = config.FEATURES_KEY
    LABEL_KEY = config.LABEL_KEY
    HAS_DEMO = True
    scoring_input = ScoringInput(format="series", signature="serving_raw", input_names=("history",),
                                 folder_pattern="*.csv", needs_data_config=True)

    check_input = staticmethod(read.check_input)
    input_files = staticmethod(read.input_files)
    read_examples = staticmethod(read.read_examples)
    encode_example = staticmethod(records.encode_example)
    profile = staticmethod(records.profile)
    raw_feature_spec = staticmethod(records.raw_feature_spec)
    make_preprocessing_fn = staticmethod(preprocessing.make_preprocessing_fn)
    model_shape = staticmethod(model_head.model_shape)
    model_io = staticmethod(model_head.model_io)
    evaluation_targets = staticmethod(model_head.evaluation_targets)
    to_original_units = staticmethod(model_head.to_original_units)
    serving_signatures = staticmethod(serving.serving_signatures)
    scoring_tensors = staticmethod(scoring.scoring_tensors)
    scoring_windows = staticmethod(scoring.scoring_windows)  # the reader's name before the contract

    def write_demo(self, path) -> None:
        """Writes the demo's sine-wave CSV (:func:`data.timeseries.demo.write_sine_csv`) to ``path``."""
        demo.write_sine_csv(path)

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Rolling windows of one CSV series, cut as the model's card (``options.data``) says."""
        return scoring.scoring_windows(path, raw, self.scoring_config(options.data or {}))


KIND = TimeseriesKind()
