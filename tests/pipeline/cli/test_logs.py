"""Quiet by default: which log records and TensorFlow start-up lines the command line shows."""

import logging

import pytest

from pipeline.cli.logs import QuietFilter, TransformDatasetNotice, configure_logging, is_startup_noise
from tests.conftest import rnnpipe


def record(name: str, level: int, message: str = "m") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, (), None)


@pytest.mark.parametrize("name,level,shown", [
    ("rnnpipe", logging.INFO, True), ("rnnpipe.lock", logging.INFO, True), ("rnnpipe.tuner", logging.INFO, True),
    ("rnnpipe.score", logging.INFO, True), ("rnnpipe.trainer", logging.INFO, False),
    ("rnnpipe.evaluator", logging.INFO, False), ("rnnpipe.trainer", logging.WARNING, True),
    ("rnnpipe.exporter", logging.ERROR, True)])
def test_quiet_shows_progress_and_warnings_not_component_details(name, level, shown):
    assert QuietFilter().filter(record(name, level)) is shown


def test_the_transform_dataset_notice_is_dropped_other_absl_warnings_are_not():
    notice = ("You are outputting instance dicts from `TransformDataset` which will not provide optimal "
              "performance. Consider setting  `output_record_batches=True`")
    assert not TransformDatasetNotice().filter(record("absl", logging.WARNING, notice))
    assert TransformDatasetNotice().filter(record("absl", logging.WARNING, "something else"))


@pytest.mark.parametrize("line,gpu,noise", [
    ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR", False, True),
    ("I0000 00:00:1796141319.314968    6235 port.cc:153] oneDNN custom operations are on.", False, True),
    ("I0000 00:00:1796141319.315899    6235 cudart_stub.cc:31] Could not find cuda drivers on your machine", False,
     True),
    ("E0000 00:00:1796141322.755720    6235 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error", False,
     True),
    ("E0000 00:00:1796141322.755720    6235 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error", True,
     False),  # with a GPU, a failing probe is news
    ("E0000 00:00:1796141322.755720    6235 op_kernel.cc:1] something broke", False, False),
    ("Traceback (most recent call last):", False, False)])
def test_startup_noise(line, gpu, noise):
    assert is_startup_noise(line, gpu) is noise


def test_verbose_installs_no_filter_and_quiet_installs_them_once():
    absl = logging.getLogger("absl")
    try:
        configure_logging("text")
        configure_logging("text")
        assert len([f for f in absl.filters if isinstance(f, TransformDatasetNotice)]) == 1
        assert any(isinstance(f, QuietFilter) for f in logging.getLogger("rnnpipe").handlers[0].filters)
        configure_logging("text", verbose=True)
        assert not [f for f in absl.filters if isinstance(f, TransformDatasetNotice)]
        assert not logging.getLogger("rnnpipe").handlers[0].filters
    finally:
        configure_logging("text")


@pytest.mark.slow
def test_a_command_that_loads_tensorflow_prints_only_its_own_line(tmp_path):
    result = rnnpipe("score", "--model", str(tmp_path / "serving" / "nope"), "--input", str(tmp_path / "x.csv"),
                     "--output", str(tmp_path / "out"), "--format", "series")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"rnnpipe: scoring error: --model {tmp_path / 'serving' / 'nope'}: no such "
                                          f"folder (give SERVING_DIR/NAME or SERVING_DIR/NAME/VERSION)"]
