"""Spans: an input path with ``{SPAN}`` or ``{YYYY}``/``{MM}``/``{DD}`` names a series of drops.

``data/{SPAN}/reviews.tar.gz`` or ``series/{YYYY}-{MM}-{DD}.csv`` matches one folder or file per
span. A run reads the latest span, or every span in ``spans.first``..``spans.last``.
"""

from __future__ import annotations

import datetime
import glob
import re
from dataclasses import dataclass

from data.errors import DataError
from pipeline.config_validation import check_path_segment

NUMBERED = {"SPAN": r"\d+"}
DATED = {"YYYY": r"\d{4}", "MM": r"\d{2}", "DD": r"\d{2}"}
PLACEHOLDER = re.compile(r"\{(SPAN|YYYY|MM|DD)\}")


@dataclass(frozen=True)
class SpanSettings:
    """Which spans a run reads when ``data.path`` has placeholders.

    Attributes:
        first: The first span to read (a number, or a date as ``YYYY-MM-DD``); None with ``last``
            None reads only the latest span.
        last: The last span to read, inclusive; None reads up to the latest.
    """

    first: int | str | None = None
    last: int | str | None = None


@dataclass(frozen=True)
class Span:
    """One span of the input.

    Attributes:
        id: ``"7"`` for ``{SPAN}`` patterns, ``"2026-11-23"`` for date patterns.
        path: The pattern with this span's values filled in (other glob characters stay).
    """

    id: str
    path: str


def has_spans(pattern: str) -> bool:
    """Whether ``pattern`` has span placeholders."""
    return bool(PLACEHOLDER.search(pattern))


def _parts(pattern: str) -> set[str]:
    names = set(PLACEHOLDER.findall(pattern))
    if names & set(NUMBERED) and names & set(DATED):
        raise DataError(f"data.path {pattern!r} mixes {{SPAN}} with date placeholders; use one or the other")
    if names & set(DATED) and names != set(DATED):
        raise DataError(f"data.path {pattern!r}: a date pattern needs all of {{YYYY}}, {{MM}} and {{DD}}")
    return names


def _matcher(pattern: str) -> re.Pattern:
    """A regex for the paths ``pattern`` matches, with one group per placeholder."""
    regex, seen, position = "", set(), 0
    for match in PLACEHOLDER.finditer(pattern):
        regex += _glob_regex(pattern[position:match.start()])
        name = match.group(1)
        regex += f"(?P={name})" if name in seen else f"(?P<{name}>{({**NUMBERED, **DATED})[name]})"
        seen.add(name)
        position = match.end()
    return re.compile(regex + _glob_regex(pattern[position:]))


def _glob_regex(text: str) -> str:
    """A regex for what ``glob`` matches with ``text``: ``*``, ``?`` and ``[...]`` within one folder name.

    A bracket expression is read as :mod:`fnmatch` reads it (``[!...]`` negates, a leading ``]``
    is a member, an unclosed ``[`` is literal), so ``glob.escape``'d parts (``[[]``) match themselves.
    """
    regex, i = "", 0
    while i < len(text):
        char, i = text[i], i + 1
        if char == "*":
            regex += "[^/]*"
        elif char == "?":
            regex += "[^/]"
        elif char == "[" and (end := _class_end(text, i)) is not None:
            members, i = text[i:end], end + 1
            negated = members.startswith("!")
            body = "".join("\\" + c if c in "\\^[]" else c for c in members[negated:])
            regex += f"[^/{body}]" if negated else f"[{body}]"
        else:
            regex += re.escape(char)
    return regex


def _class_end(text: str, start: int) -> int | None:
    """The index of the ``]`` closing a bracket expression whose members begin at ``start``, or None."""
    i = start + (text[start:start + 1] == "!")
    i += text[i:i + 1] == "]"
    end = text.find("]", i)
    return None if end < 0 else end


def normalize(value: int | str, dated: bool, where: str) -> str:
    """A span id from a config value: a number's digits, or an ISO date.

    Raises:
        DataError: If the value is neither.
    """
    text = str(value).strip()
    try:
        if dated:
            return datetime.date.fromisoformat(text if "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:]}").isoformat()
        return str(int(text))
    except ValueError:
        expected = "a date like 2026-11-23" if dated else "a span number"
        raise DataError(f"{where}: {value!r} is not {expected}") from None


def _sort_key(span_id: str) -> tuple:
    return (int(span_id),) if span_id.isdigit() else (span_id,)


def list_spans(pattern: str) -> list[Span]:
    """Every span present, oldest first.

    Raises:
        DataError: If a matching path has an impossible date, or the placeholders are mixed.
    """
    names = _parts(pattern)
    matcher = _matcher(pattern)
    wildcard = PLACEHOLDER.sub("*", pattern)
    found: dict[str, Span] = {}
    for path in sorted(glob.glob(wildcard)):
        match = matcher.fullmatch(path)
        if match is None:
            continue
        values = match.groupdict()
        for value in values.values():
            try:
                check_path_segment(value)
            except ValueError as error:
                raise DataError(f"input {path}: span value {error}") from None
        if "SPAN" in names:
            span_id = str(int(values["SPAN"]))
        else:
            span_id = normalize(f"{values['YYYY']}-{values['MM']}-{values['DD']}", True, f"input {path}")
        filled = PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)
        found.setdefault(span_id, Span(span_id, filled))
    return sorted(found.values(), key=lambda span: _sort_key(span.id))


def select_spans(pattern: str, settings: SpanSettings) -> list[Span]:
    """The spans a run reads: the latest, or those in ``settings.first``..``settings.last``.

    Raises:
        DataError: If no span exists, or none falls in the range.
    """
    spans = list_spans(pattern)
    if not spans:
        raise DataError(f"no span matches data.path {pattern!r}; check the path or pass --data-dir DIR")
    if settings.first is None and settings.last is None:
        return spans[-1:]
    dated = not spans[0].id.isdigit()
    low = _sort_key(normalize(settings.first, dated, "spans.first")) if settings.first is not None else None
    high = _sort_key(normalize(settings.last, dated, "spans.last")) if settings.last is not None else None
    chosen = [span for span in spans if (low is None or _sort_key(span.id) >= low)
              and (high is None or _sort_key(span.id) <= high)]
    if not chosen:
        raise DataError(f"no span of {pattern!r} lies in spans.first={settings.first}..spans.last={settings.last}; "
                        f"present: {spans[0].id}..{spans[-1].id} ({len(spans)} spans)")
    return chosen
