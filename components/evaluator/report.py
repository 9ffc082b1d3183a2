"""The evaluator's report: ``report.html`` (the verdict, candidate and served model side by side,
slices, reference forecasts) and the PNG plots."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from components.evaluator.metrics import METRICS

def write_plots(task: str, target: Path, targets, predicted, metrics, details, data) -> None:
    """The evaluation's PNGs: a forecast for series; confusion matrix and slices for classes; none
    for language models (their metrics are single numbers)."""
    if task == "language_model":
        return
    from components.plots import (plot_calibration, plot_confusion_matrix, plot_forecast, plot_mistakes,
                                  plot_slices)

    for by, slices in details.get("slices", {}).items():
        if task == "regression":
            plot_slices(slices, target / f"rmse_by_{by}.png", f"test RMSE by {by} (persistence in grey)",
                        metric="rmse", reference="persistence_rmse")
        elif by == "length":
            plot_slices(slices, target / "accuracy_by_length.png", "accuracy by review length (words)")
    if task == "regression":
        order = np.argsort(targets["times"])
        plot_forecast(targets["times"][order].astype("datetime64[s]"), targets["truth"][order, 0],
                      predicted["predictions"][order, 0], targets["persistence"][order, 0], target / "forecast.png",
                      f"test: RMSE {metrics['rmse']:.3f} vs persistence {metrics['persistence_rmse']:.3f}")
        return
    if task == "multiclass":
        plot_confusion_matrix(details["confusion_matrix"], list(data.class_names), target / "confusion_matrix.png",
                              f"test accuracy {metrics['accuracy']:.4f}")
        plot_mistakes(targets["images"], targets["truth"], predicted["probabilities"], list(data.class_names),
                      target / "worst_mistakes.png")
        return
    plot_confusion_matrix(details["confusion_matrix"], ["negative", "positive"], target / "confusion_matrix.png",
                          f"test accuracy {metrics['accuracy']:.3f}, AUC {metrics['auc']:.3f}")
    plot_calibration(details["calibration"]["bins"], target / "calibration.png",
                     f"calibration (ECE {details['calibration']['expected_calibration_error']:.3f})")


def format_number(value: Any) -> str:
    """A metric for the report: 4 significant decimals, ``-`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table with escaped cells."""
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(format_number(cell))}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(target: Path, report: Mapping[str, Any], task: str, title: str) -> None:
    """``report.html``: the verdict, candidate and baseline side by side, slices, and the PNGs."""
    baseline = report.get("baseline") or {}
    theirs = baseline.get("metrics", {})
    rows = []
    for name, ours in report["metrics"].items():
        delta = ours - theirs[name] if name in theirs and ours is not None and theirs[name] is not None else None
        better = "" if delta is None or delta == 0 else (
            "better" if (delta > 0) == METRICS[task].get(name, True) else "worse")
        rows.append([name, ours, theirs.get(name), delta, better])
    verdict = "BLESSED" if report["blessed"] else "NOT BLESSED"
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p class='{'ok' if report['blessed'] else 'bad'}'><b>{verdict}</b></p>",
             "<ul>" + "".join(f"<li>{html.escape(reason)}</li>" for reason in report["reasons"]) + "</ul>",
             f"<p>{report['test_examples']} test examples. Baseline: "
             + (f"served version {baseline['version']}, re-scored on the same examples." if baseline else "none "
                "(first version).") + "</p>",
             "<h2>Candidate and baseline</h2>",
             html_table(["metric", "candidate", f"baseline v{baseline.get('version', '-')}", "difference", ""], rows)]
    parts += baselines_html(report.get("baselines"))
    their_slices = baseline.get("slices", {})
    for name, slices in report.get("slices", {}).items():
        columns = sorted({key for values in slices.values() for key in values})
        header = ["slice", *columns, *(f"baseline {c}" for c in columns if c != "count")]
        table = [[slice_name, *(values.get(c) for c in columns),
                  *(their_slices.get(name, {}).get(slice_name, {}).get(c) for c in columns if c != "count")]
                 for slice_name, values in slices.items()]
        parts += [f"<h2>Slices by {html.escape(name)}</h2>", html_table(header, table)]
    calibration = report.get("calibration")
    if calibration:
        parts.append(f"<p>Expected calibration error: {format_number(calibration['expected_calibration_error'])}</p>")
    for image in sorted(target.glob("*.png")):
        parts.append(f"<h3>{html.escape(image.stem.replace('_', ' '))}</h3><img src='{html.escape(image.name)}'>")
    style = ("body{font-family:sans-serif;margin:2em;max-width:70em} table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right} .ok{color:#080} .bad{color:#b00}"
             "img{max-width:100%}")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")
    (target / "report.html").write_text(page, encoding="utf-8")


def baselines_html(baselines: Mapping[str, Any] | None) -> list[str]:
    """The reference forecasts: the model and each baseline's RMSE and MAE (or why a baseline is
    unavailable), overall and per series, with the best baseline and the model's ratio to it."""
    if not baselines:
        return []
    names = [name for name, values in baselines.items()
             if isinstance(values, Mapping) and name not in ("model", "series")]

    def rows_of(section: Mapping[str, Any]) -> list[list[Any]]:
        rows = [["model", section["model"]["rmse"], section["model"]["mae"], ""]]
        for name in names:
            values = section.get(name, {})
            note = values.get("unavailable", "best" if name == section.get("best_baseline") else "")
            rows.append([name, values.get("rmse"), values.get("mae"), note])
        return rows

    season = (f" Season: {baselines['season']} steps ({baselines['season_source']})."
              if baselines.get("season") else "")
    parts = ["<h2>Reference forecasts</h2>",
             f"<p>On the same test examples. Model RMSE / best baseline's "
             f"({html.escape(str(baselines.get('best_baseline')))}): "
             f"{format_number(baselines.get('rmse_vs_best_baseline'))}.{html.escape(season)}</p>",
             html_table(["forecast", "rmse", "mae", ""], rows_of(baselines))]
    series = baselines.get("series", {})
    if len(series) > 1:
        for name, section in series.items():
            parts += [f"<h3>Series {html.escape(name)}: {section['count']} examples, ratio "
                      f"{format_number(section.get('rmse_vs_best_baseline'))}</h3>",
                      html_table(["forecast", "rmse", "mae", ""], rows_of(section))]
    return parts
