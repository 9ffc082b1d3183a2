"""Logging of the command line: rnnpipe's own lines by default, everything with ``--verbose``.

Quiet (the default) shows rnnpipe's pipeline progress, every warning and error, and the
summary. It hides the components' detail lines (epochs, cuDNN eligibility; ``--verbose``
shows them), TensorFlow's C++ start-up lines and, on a machine without a GPU, its CUDA probe
error, and absl's ``TransformDataset`` notice. Nothing here runs at import time: :func:`main`
calls :func:`configure_logging` and :func:`quiet_tensorflow_startup`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

# INFO lines of these loggers are shown by default; other rnnpipe loggers' INFO lines are the
# components' details (epochs, cuDNN eligibility, blessing and push, which the summary repeats).
QUIET_INFO_LOGGERS = ("rnnpipe", "rnnpipe.lock", "rnnpipe.runner", "rnnpipe.tuner", "rnnpipe.score")
# TensorFlow's C++ lines while it loads: absl's banner, then INFO and WARNING records
# ("I0000 00:00:1796141319.314968 6235 port.cc:153] ...") that TF_CPP_MIN_LOG_LEVEL does not reach,
# since they are written before absl's logging is initialised.
STARTUP_NOISE = (re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called are written "
                            r"to STDERR"),
                 re.compile(r"[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "))
CUDA_PROBE_ERROR = re.compile(r"E\d{4} [\d:.]+ +\d+ cuda_platform\.cc:\d+\] failed call to cuInit")
TRANSFORM_DATASET_NOTICE = "You are outputting instance dicts from `TransformDataset`"


class JsonFormatter(logging.Formatter):
    """One JSON object per log record."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": round(record.created, 3), "level": record.levelname,
                           "logger": record.name, "message": record.getMessage()})


class QuietFilter(logging.Filter):
    """Passes warnings and errors, and the INFO lines of :data:`QUIET_INFO_LOGGERS`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name in QUIET_INFO_LOGGERS


class TransformDatasetNotice(logging.Filter):
    """Drops tf.Transform's notice that instance dicts are slower than record batches (three per run)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return TRANSFORM_DATASET_NOTICE not in record.getMessage()


def configure_logging(log_format: str, verbose: bool = False) -> None:
    """Sends rnnpipe's logs to stderr, as text or JSON; quiet unless ``verbose``.

    Also sets ``TF_CPP_MIN_LOG_LEVEL`` (unless set already, or ``verbose``) so that TensorFlow's
    C++ INFO and WARNING lines are dropped once it has started.
    """
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    if not verbose:
        handler.addFilter(QuietFilter())
    rnnpipe = logging.getLogger("rnnpipe")
    rnnpipe.handlers[:] = [handler]
    rnnpipe.setLevel(logging.INFO)
    rnnpipe.propagate = False
    absl = logging.getLogger("absl")
    for old in [f for f in absl.filters if isinstance(f, TransformDatasetNotice)]:
        absl.removeFilter(old)
    if not verbose:
        absl.addFilter(TransformDatasetNotice())


def is_startup_noise(line: str, has_gpu_device: bool) -> bool:
    """Whether a line TensorFlow wrote while starting is noise: its banner and INFO/WARNING lines,
    and the CUDA probe's failure on a machine without an NVIDIA device."""
    if any(pattern.match(line) for pattern in STARTUP_NOISE):
        return True
    return not has_gpu_device and bool(CUDA_PROBE_ERROR.match(line))


def has_nvidia_device() -> bool:
    """Whether the machine has an NVIDIA device node (a GPU the CUDA probe could find)."""
    return any(Path("/dev").glob("nvidia[0-9]*"))


def quiet_tensorflow_startup() -> None:
    """Imports TensorFlow and probes its devices with stderr captured, then replays what is not noise.

    TensorFlow writes its start-up lines from C++ straight to file descriptor 2, before any
    setting of its own can drop them, so they are filtered here, once, before a command runs.
    A TensorFlow that fails to import is left for the command to report; what it wrote before
    failing is replayed all the same. Once it is loaded, a second call does nothing.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()  # the CUDA probe, while its error can be judged
        except ImportError:
            pass
        finally:
            sys.stderr.flush()  # Python's own lines written meanwhile belong to the capture too
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            replay_without_noise(captured.read().decode("utf-8", "replace").splitlines())


def replay_without_noise(lines: list[str]) -> None:
    """Writes to stderr the captured start-up lines that are not noise (see :func:`is_startup_noise`)."""
    gpu = has_nvidia_device()
    kept = [line for line in lines if not is_startup_noise(line, gpu)]
    if kept:
        print("\n".join(kept), file=sys.stderr)
