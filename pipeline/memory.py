"""Peak memory of one execution: this process's, its child processes' and the GPUs'.

- This process: Linux's high-water mark of resident memory (``VmHWM`` in ``/proc/self/status``),
  reset at the start by writing ``5`` to ``/proc/self/clear_refs``. Where the reset is refused, the
  highest resident size (``VmRSS``) that a sampler thread saw.
- Child processes (Beam's DirectRunner ``multi_processing`` workers, a hook, a tool): a sampler
  thread polls the processes below this one every :data:`SAMPLE_SECONDS`. The figure is the sum of
  each one's own peak (its ``VmHWM``; for a process already running at the start, its highest
  ``VmRSS`` since), an upper bound of their simultaneous peak. A child that lives less than a
  sampling interval may be missed. ``RUSAGE_CHILDREN`` is no help: it keeps the largest child's peak
  over this process's whole life, and counts a forked child's copy of its big parent before ``exec``.
- GPUs: ``tf.config.experimental.get_memory_info``'s peak, summed over the GPUs, when TensorFlow is
  loaded (it is not imported for this) and sees a GPU; else None.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.children import descendants

SAMPLE_SECONDS = 0.2
CLEAR_REFS = Path("/proc/self/clear_refs")
RESET_PEAK = "5"  # what resets VmHWM to the current resident size (Linux >= 4.0)
MB = 1024 * 1024


@dataclass
class PeakMemory:
    """The figures of one execution, filled in when :func:`measure_peak`'s block is left.

    Attributes:
        peak_rss_mb: This process's peak resident memory, MiB.
        children_peak_rss_mb: Its child processes' (see the module docstring), MiB; 0 for none.
        gpu_peak_mb: The GPUs' peak allocation, MiB, or None where TensorFlow reports none.
    """

    peak_rss_mb: float = 0.0
    children_peak_rss_mb: float = 0.0
    gpu_peak_mb: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        """The figures as the run store, the summary and MLflow keep them."""
        return {"peak_rss_mb": self.peak_rss_mb, "children_peak_rss_mb": self.children_peak_rss_mb,
                "gpu_peak_mb": self.gpu_peak_mb}


def status_kb(pid: int | str, name: str) -> int | None:
    """A ``kB`` field (``VmRSS``, ``VmHWM``) of ``/proc/<pid>/status``; None when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):  # it ended, or there is no /proc
        return None
    return None


def reset_peak() -> bool:
    """Resets this process's ``VmHWM``; whether the kernel allowed it."""
    try:
        CLEAR_REFS.write_text(RESET_PEAK)
    except OSError:
        return False
    return True


@dataclass
class Sampler:
    """Polls this process's and its descendants' resident memory until stopped (a bounded thread)."""

    older: frozenset[int]
    own_kb: int = 0
    children_kb: dict[int, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        """One look: this process's ``VmRSS``, each descendant's peak so far."""
        self.own_kb = max(self.own_kb, status_kb("self", "VmRSS") or 0)
        for pid in descendants(os.getpid()):
            seen = status_kb(pid, "VmRSS" if pid in self.older else "VmHWM")
            if seen is not None:
                self.children_kb[pid] = max(self.children_kb.get(pid, 0), seen)

    def loop(self) -> None:
        """Samples every :data:`SAMPLE_SECONDS` until :attr:`stop` is set."""
        self.sample()
        while not self.stop.wait(SAMPLE_SECONDS):
            self.sample()


def gpu_peak_mb() -> float | None:
    """The peak GPU memory TensorFlow allocated since the last :func:`reset_gpu_peaks`, MiB; None
    when TensorFlow is not loaded, sees no GPU or cannot say."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    try:
        return round(sum(tf.config.experimental.get_memory_info(f"GPU:{index}")["peak"]
                         for index in range(len(gpus))) / MB, 1)
    except (ValueError, RuntimeError):  # not initialised yet, or a device that keeps no statistics
        return None


def reset_gpu_peaks() -> None:
    """Resets TensorFlow's peak statistic of each GPU, where TensorFlow is loaded and sees one."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return
    for index in range(len(tf.config.list_physical_devices("GPU"))):
        try:
            tf.config.experimental.reset_memory_stats(f"GPU:{index}")
        except (ValueError, RuntimeError):  # not initialised yet: its peak starts from zero anyway
            continue


@contextmanager
def measure_peak() -> Iterator[PeakMemory]:
    """Measures the peak memory of the block; the figures are filled in when it is left, also by an
    exception. See the module docstring for what each figure is.

    Yields:
        The :class:`PeakMemory` to read after the block.
    """
    figures = PeakMemory()
    reset = reset_peak()
    reset_gpu_peaks()
    sampler = Sampler(frozenset(descendants(os.getpid())))
    thread = threading.Thread(target=sampler.loop, name="rnnpipe-memory", daemon=True)
    thread.start()
    try:
        yield figures
    finally:
        sampler.stop.set()
        thread.join(timeout=10 * SAMPLE_SECONDS)
        sampler.sample()  # the children still there at the end, after the thread stopped
        own_kb = max(sampler.own_kb, (status_kb("self", "VmHWM") or 0) if reset else 0)
        figures.peak_rss_mb = round(own_kb / 1024, 1)
        figures.children_peak_rss_mb = round(sum(sampler.children_kb.values()) / 1024, 1)
        figures.gpu_peak_mb = gpu_peak_mb()
