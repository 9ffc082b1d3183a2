"""PNG plots written by components: learning curves, forecasts, confusion matrices, slices, calibration,
length distributions."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence


def _pyplot():
    """pyplot on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curves(history: Mapping[str, Sequence[float]], path: Path) -> None:
    """Plots every training metric beside its ``val_`` counterpart, one panel per metric."""
    plt = _pyplot()
    names = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(4.5 * max(1, len(names)), 3.5), squeeze=False)
    for axis, name in zip(axes[0], names):
        epochs = range(1, len(history[name]) + 1)
        axis.plot(epochs, history[name], marker="o", label="train")
        if f"val_{name}" in history:
            axis.plot(epochs, history[f"val_{name}"], marker="o", label="eval")
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_forecast(times: Sequence, truth: Sequence[float], predicted: Sequence[float],
                  baseline: Sequence[float] | None, path: Path, title: str) -> None:
    """Plots true against predicted values over the test range."""
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(11, 4))
    axis.plot(times, truth, label="true", linewidth=1.2, color="black")
    axis.plot(times, predicted, label="predicted", linewidth=1.2, color="tab:orange")
    if baseline is not None:
        axis.plot(times, baseline, label="persistence", linewidth=0.8, color="tab:blue", alpha=0.5)
    axis.set_title(title)
    axis.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_confusion_matrix(matrix: Sequence[Sequence[int]], labels: Sequence[str], path: Path, title: str) -> None:
    """A confusion matrix heat map with counts in the cells (rows: true, columns: predicted)."""
    import numpy as np

    plt = _pyplot()
    counts = np.asarray(matrix)
    size = max(3.5, 0.6 * len(labels) + 2)
    fig, axis = plt.subplots(figsize=(size, size))
    axis.imshow(counts, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 3 else 0)
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    for (row, column), value in np.ndenumerate(counts):
        axis.text(column, row, str(value), ha="center", va="center",
                  color="white" if value > counts.max() / 2 else "black", fontsize=8)
    axis.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_slices(slices: Mapping[str, Mapping[str, float]], path: Path, title: str, metric: str = "accuracy",
                reference: str | None = None) -> None:
    """``metric`` per slice as bars labelled with their example counts; ``reference`` as grey bars beside."""
    plt = _pyplot()
    names = list(slices)
    positions = range(len(names))
    width = 0.4 if reference else 0.8
    fig, axis = plt.subplots(figsize=(0.9 * len(names) + 2.5, 3.5))
    bars = axis.bar([p - (width / 2 if reference else 0) for p in positions], [slices[n][metric] for n in names],
                    width=width, color="tab:blue", label=metric)
    if reference:
        axis.bar([p + width / 2 for p in positions], [slices[n][reference] for n in names], width=width,
                 color="tab:grey", label=reference)
        axis.legend(fontsize=8)
    for bar, name in zip(bars, names):
        axis.annotate(f"n={slices[name]['count']}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=7)
    axis.set_xticks(list(positions), names)
    if metric == "accuracy":
        axis.set_ylim(0, 1.05)
    axis.set_ylabel(metric)
    axis.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_mistakes(images, truth, probabilities, class_names: Sequence[str], path: Path, count: int = 24) -> None:
    """A grid of the most confident wrong predictions, titled ``true -> predicted (p)``."""
    import numpy as np

    plt = _pyplot()
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != truth)
    worst = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:count]
    columns = 8
    rows = max(1, int(np.ceil(len(worst) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.3, rows * 1.5), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, index in zip(axes.ravel(), worst):
        axis.imshow(images[index], cmap="gray_r")
        axis.set_title(f"{class_names[truth[index]]}->{class_names[predicted[index]]} "
                       f"({probabilities[index, predicted[index]]:.2f})", fontsize=7)
    fig.suptitle(f"most confident mistakes ({len(wrong)} wrong in all)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_calibration(bins: Sequence[Mapping[str, float]], path: Path, title: str) -> None:
    """Reliability diagram: observed positive rate against mean predicted probability per bin."""
    plt = _pyplot()
    filled = [b for b in bins if b["count"]]
    fig, axis = plt.subplots(figsize=(4.5, 4.2))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    axis.plot([b["mean_predicted"] for b in filled], [b["observed"] for b in filled], marker="o", label="model")
    for b in filled:
        axis.annotate(f"{b['count']}", (b["mean_predicted"], b["observed"]), fontsize=7,
                      textcoords="offset points", xytext=(3, -9))
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("mean predicted probability")
    axis.set_ylabel("observed positive rate")
    axis.set_title(title)
    axis.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_length_distributions(lengths: Mapping[str, Mapping[str, int]], path: Path) -> None:
    """Plots each split's share of examples per length (``{split: {length: count}}``)."""
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(7, 4))
    for split, counts in lengths.items():
        total = sum(counts.values())
        if total:
            points = sorted((int(length), n / total) for length, n in counts.items())
            axis.step([x for x, _ in points], [share for _, share in points], where="mid", label=split)
    axis.set_xlabel("length (steps, tokens, or rows with ink)")
    axis.set_ylabel("share of examples")
    axis.set_title("Lengths per split")
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
