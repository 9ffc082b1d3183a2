"""What the time-series tests share: a CSV with every kind of bad row, and a small config."""

from data.timeseries.config import TimeseriesData

CSV = "Date,Temp,Other\n1981-01-01,20.7,1\n1981-01-02,17.9,2\n1981-01-03,,3\n1981-01-04,abc,4\n" \
      "1981-01-05,nan,5\nnot-a-date,1.0,6\n1981-01-07,1.0\n1981-01-08,14.6,8\n"


def config(**overrides):
    return TimeseriesData(**{"timestamp_column": "Date", "value_columns": ("Temp",), "window": 3, **overrides})
