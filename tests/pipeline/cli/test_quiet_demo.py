"""The demo, as the Quickstart runs it, prints at most 25 lines and none of the libraries' noise."""

import re

import pytest

from tests.conftest import rnnpipe

NOISE = re.compile(r"absl::InitializeLog|cudart_stub|cuInit|oneDNN|TransformDataset|^[IWE]\d{4} ")


@pytest.mark.slow
def test_the_demo_prints_at_most_25_lines(tmp_path):
    result = rnnpipe("demo", "--root", str(tmp_path / "root"))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) <= 25, "\n".join(lines)
    assert not [line for line in lines if NOISE.search(line)], "\n".join(lines)
    assert "[6/6] exporter: done in" in result.stderr and "model pushed: version 1" in result.stdout
