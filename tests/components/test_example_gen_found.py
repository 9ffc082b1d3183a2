"""Tests for what example_gen records of its inputs when it reads several spans."""

from components.example_gen import merge_found


def test_counts_of_several_spans_are_summed_and_other_facts_are_the_last_spans():
    first = {"frequency": "1D", "missing_values": 2, "missing_steps": 1, "interpolated_steps": 3,
             "dropped_windows": {"train": 1, "eval": 0, "test": 0}}
    second = {"frequency": "1D", "missing_values": 5, "missing_steps": 0, "interpolated_steps": 1,
              "dropped_windows": {"train": 0, "eval": 2, "test": 4}}
    assert merge_found(merge_found({}, first), second) == {
        "frequency": "1D", "missing_values": 7, "missing_steps": 1, "interpolated_steps": 4,
        "dropped_windows": {"train": 1, "eval": 2, "test": 4}}
    assert merge_found({"timestamp_form": "iso-date"}, {"timestamp_form": "year"}) == {"timestamp_form": "year"}
