"""Time series: CSV reader, windowing, time-ordered split, preprocessing and serving inputs.

Raw examples (written by example_gen), one per forecast window:

- ``history``: float [window * n_values], the values before the target, left-padded with 0;
- ``mask``: float [window], 1 where ``history`` holds data, 0 on padding;
- ``filled``: float [window], 1 where a value of the step was interpolated (``data.missing``);
- ``categories``: bytes [window * n_categorical], row-major per step, "" when missing (only with
  ``data.categorical_columns``);
- ``timestamps``: int64 [window], unix seconds of each history step (0 on padding);
- ``target``: float [horizon], the next ``horizon`` values of the target column;
- ``target_timestamps``: int64 [horizon];
- ``id``: bytes, ``<series>:<step of the first target on the series' grid>``.

After transform, ``inputs`` is float [window, n_values + 1 (+4)]: z-scored values (train-only
statistics), the mask as a channel (so no Keras mask is needed and LSTM/GRU stay on the cuDNN
kernel), and optional day-of-year / day-of-week sine and cosine features.

Modules: :mod:`~data.timeseries.config`, :mod:`~data.timeseries.decoding` (bytes to lines),
:mod:`~data.timeseries.parsing` (CSV), :mod:`~data.timeseries.gaps` (the grid and the missing
policy), :mod:`~data.timeseries.windows`,
:mod:`~data.timeseries.bounds` (the window against the data and memory),
:mod:`~data.timeseries.read` (files and Beam),
:mod:`~data.timeseries.records`, :mod:`~data.timeseries.preprocessing`,
:mod:`~data.timeseries.model_head`, :mod:`~data.timeseries.serving`,
:mod:`~data.timeseries.scoring`, :mod:`~data.timeseries.demo`; the kind object is ``KIND``.
"""

from data.timeseries.config import SplitFractions, TimeseriesData
from data.timeseries.demo import write_sine_csv
from data.timeseries.kind import KIND
from data.timeseries.parsing import parse_csv
from data.timeseries.records import encode_example
from data.timeseries.windows import build_windows, sort_series

__all__ = ["KIND", "SplitFractions", "TimeseriesData", "build_windows", "encode_example", "parse_csv", "sort_series",
           "write_sine_csv"]
