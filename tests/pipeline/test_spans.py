"""Tests for span patterns: listing, latest and range selection, and reading several spans."""

import pytest

from components import example_gen
from components.types import OutputDir
from data.errors import DataError
from data.timeseries import TimeseriesData
from pipeline.spans import SpanSettings, has_spans, list_spans, select_spans
from tests.conftest import write_series_csv


def touch(*paths):
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")


def test_numbered_spans_sort_numerically_and_latest_is_the_largest(tmp_path):
    touch(*(tmp_path / f"drop-{n}" / "data.csv" for n in (2, 10, 9)), tmp_path / "drop-x" / "data.csv")
    pattern = str(tmp_path / "drop-{SPAN}" / "data.csv")
    assert has_spans(pattern) and not has_spans(str(tmp_path / "data.csv"))
    assert [span.id for span in list_spans(pattern)] == ["2", "9", "10"]
    (latest,) = select_spans(pattern, SpanSettings())
    assert latest.id == "10" and latest.path == str(tmp_path / "drop-10" / "data.csv")


def test_date_spans_select_an_inclusive_range_in_either_date_spelling(tmp_path):
    touch(*(tmp_path / f"{day}.csv" for day in ("20261121", "20261122", "20261123", "20261201")))
    pattern = str(tmp_path / "{YYYY}{MM}{DD}.csv")
    chosen = select_spans(pattern, SpanSettings(first="2026-11-22", last=20261130))
    assert [span.id for span in chosen] == ["2026-11-22", "2026-11-23"]
    assert select_spans(pattern, SpanSettings(first="2026-11-23"))[-1].id == "2026-12-01"


def test_other_glob_characters_stay_in_each_spans_path(tmp_path):
    touch(tmp_path / "3" / "a.csv", tmp_path / "3" / "b.csv")
    (span,) = select_spans(str(tmp_path / "{SPAN}" / "*.csv"), SpanSettings())
    assert span.path == str(tmp_path / "3" / "*.csv")


@pytest.mark.parametrize("files, pattern, settings, message", [
    ((), "{SPAN}.csv", SpanSettings(), r"no span matches data.path .*\{SPAN\}\.csv"),
    (("1.csv", "2.csv"), "{SPAN}.csv", SpanSettings(first=5), r"no span .* lies in spans.first=5\.\.spans.last=None; present: 1\.\.2"),
    (("1.csv",), "{SPAN}.csv", SpanSettings(first="soon"), r"spans.first: 'soon' is not a span number"),
    (("20261340.csv",), "{YYYY}{MM}{DD}.csv", SpanSettings(), r"input .*20261340\.csv: '2026-13-40' is not a date"),
    ((), "{YYYY}-{MM}.csv", SpanSettings(), r"needs all of \{YYYY\}, \{MM\} and \{DD\}"),
    ((), "{SPAN}/{YYYY}{MM}{DD}.csv", SpanSettings(), r"mixes \{SPAN\} with date placeholders"),
])
def test_bad_span_patterns_and_ranges_say_what_is_wrong(tmp_path, files, pattern, settings, message):
    touch(*(tmp_path / name for name in files))
    with pytest.raises(DataError, match=message):
        select_spans(str(tmp_path / pattern), settings)


def test_example_gen_reads_every_selected_span_and_records_them(tmp_path):
    for span, days in ((1, 120), (2, 150), (3, 90)):
        write_series_csv(tmp_path / f"span-{span}.csv", n_days=days)
    pattern = str(tmp_path / "span-{SPAN}.csv")
    spans = tuple((span.id, span.path) for span in select_spans(pattern, SpanSettings(first=1, last=2)))
    params = example_gen.ExampleGenParams(TimeseriesData(path=pattern, window=10), num_shards=1,
                                          spans=spans)
    examples = example_gen.run({}, params, OutputDir(tmp_path / "out", tmp_path / "scratch"))["examples"]
    # Each span is its own series: 120 - 10 and 150 - 10 windows.
    assert sum(examples.properties["counts"].values()) == 110 + 140
    assert examples.properties["spans"] == ["1", "2"] and examples.properties["rows_read"] == 270
    latest = dict(params.__dict__, spans=(("3", str(tmp_path / "span-3.csv")),))
    assert example_gen.input_fingerprint(example_gen.ExampleGenParams(**latest)) != example_gen.input_fingerprint(params)


def test_a_span_folder_below_a_root_with_glob_characters_is_found_when_the_root_is_escaped(tmp_path):
    import glob
    root = tmp_path / "root[1]"
    touch(root / "drop-4" / "data.csv", root / "drop-5" / "data.csv", tmp_path / "root1" / "drop-9" / "data.csv")
    pattern = glob.escape(str(root)) + "/drop-{SPAN}/data.csv"
    assert [span.id for span in list_spans(pattern)] == ["4", "5"]
    (latest,) = select_spans(pattern, SpanSettings())
    assert glob.glob(latest.path) == [str(root / "drop-5" / "data.csv")]


def test_character_classes_in_a_span_pattern_match_as_glob_matches_them(tmp_path):
    touch(tmp_path / "a" / "1.csv", tmp_path / "b" / "2.csv", tmp_path / "c" / "3.csv")
    assert [span.id for span in list_spans(str(tmp_path / "[ab]" / "{SPAN}.csv"))] == ["1", "2"]
    assert [span.id for span in list_spans(str(tmp_path / "[!ab]" / "{SPAN}.csv"))] == ["3"]


def test_a_span_value_that_is_not_a_safe_path_segment_is_refused_naming_the_file(tmp_path):
    touch(tmp_path / "drop-\u0661\u0662" / "data.csv")  # Arabic-Indic digits: \d matches them, paths should not
    with pytest.raises(DataError, match=r"input .*drop-\u0661\u0662/data.csv: span value '\u0661\u0662' is not one path"):
        list_spans(str(tmp_path / "drop-{SPAN}" / "data.csv"))
