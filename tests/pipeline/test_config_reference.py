"""Tests for the generated config reference, docs/config.md."""

import dataclasses

import pytest

from pipeline.config_reference import DOC, REFRESH, Section, UndocumentedField, _entry, render


def test_docs_config_md_is_up_to_date():
    if not DOC.exists() or DOC.read_text(encoding="utf-8") != render():
        pytest.fail(f"{DOC} is stale: a config dataclass changed; refresh it with `{REFRESH}`")


def test_every_key_is_listed_with_type_default_and_docstring_text():
    text = render()
    assert "## `data` for `kind: timeseries`" in text and "## `data` for `kind: imdb`" in text
    assert "## `tuner.space`" in text and "## `data.split` for `kind: charlm`" in text
    assert "- `epochs` (integer, default `20`): Maximum epochs." in text
    assert "- `clipnorm` (number or null, default `1.0`):" in text
    assert "- `first` (integer, string or null, default `null`):" in text
    assert "- `upper_bounds` (mapping of strings to numbers, default `{}`):" in text
    assert "- `units` (list of integers, default `[64]`):" in text
    assert "- `name` (string, required):" in text
    # Fields the pipeline fills in are not keys.
    trainer = text.split("## `trainer`")[1].split("\n## ")[0]
    assert "`kind`" not in trainer and "`data`" not in trainer and "`model`" not in trainer


def test_an_undocumented_field_is_an_error_naming_the_refresh_command():
    @dataclasses.dataclass(frozen=True)
    class Settings:
        """Some settings.

        Attributes:
            documented: Has a text.
        """

        documented: int = 1
        forgotten: int = 2

    documented, forgotten = dataclasses.fields(Settings)
    assert "Has a text." in _entry(Section("x", Settings), documented)
    with pytest.raises(UndocumentedField, match=f"Settings.forgotten has no entry .*{REFRESH}"):
        _entry(Section("x", Settings), forgotten)
