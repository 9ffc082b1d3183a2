"""Tests for the registry of dataset kinds: names, lookup by name and by scoring format."""

import dataclasses
import importlib

import pytest

import data
from data.contract import DataConfig
from data.registry import REGISTERED


def test_the_kinds_are_registered_in_order_and_found_by_name():
    assert data.KINDS == ("timeseries", "imdb", "mnist", "charlm")
    assert [kind.name for kind in data.kinds()] == list(data.KINDS)
    for name, package in REGISTERED:
        assert data.get_kind(name) is importlib.import_module(package).KIND


def test_an_unknown_kind_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset kind 'csv'; expected one of timeseries, imdb, mnist, charlm"):
        data.get_kind("csv")


def test_a_dataset_config_names_its_kind():
    for kind in data.kinds():
        assert data.kind_of(kind.DATA_CONFIG()) is kind


@dataclasses.dataclass(frozen=True)
class Unnamed(DataConfig):
    path: str = ""


@dataclasses.dataclass(frozen=True)
class Impostor(DataConfig):
    KIND = "imdb"


@pytest.mark.parametrize("config, error, message", [
    (None, TypeError, "expected a dataset config .* got NoneType"),
    ({"path": "x.csv"}, TypeError, "expected a dataset config .* got dict"),
    (Unnamed(), ValueError, "Unnamed names no dataset kind: set its KIND to one of timeseries, imdb, mnist, charlm"),
    (Impostor(), TypeError, "Impostor says its kind is 'imdb', but that kind's config is ImdbData"),
])
def test_kind_of_refuses_what_is_not_a_registered_kinds_config(config, error, message):
    with pytest.raises(error, match=message):
        data.kind_of(config)


def test_each_scoring_format_maps_to_the_kind_that_reads_it():
    assert {fmt: data.kind_for_scoring_format(fmt).name for fmt in data.scoring_formats()} == {
        "series": "timeseries", "reviews": "imdb", "images": "mnist", "prompts": "charlm"}
    prompts = data.kind_for_scoring_format("prompts").scoring_input
    assert (prompts.signature, prompts.input_names, prompts.folder_pattern) == (
        "generate", ("prompt", "length", "temperature", "seed"), "*.txt")
    series = data.kind_for_scoring_format("series").scoring_input
    assert series.needs_data_config and not series.one_record_per_file
    assert data.kind_for_scoring_format("reviews").scoring_input.one_record_per_file


@pytest.mark.parametrize("fmt", ["examples", "csv", ""])
def test_an_unknown_scoring_format_is_refused_with_the_known_ones(fmt):
    with pytest.raises(ValueError, match=f"no dataset kind reads scoring format {fmt!r}; the kinds read "
                                         f"series, reviews, images, prompts"):
        data.kind_for_scoring_format(fmt)
