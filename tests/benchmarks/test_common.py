"""benchmarks/common.py: a published result keeps the date and the command that produced it."""

import json
import sys
from datetime import datetime

from tests.benchmarks.conftest import load_benchmark_module

common = load_benchmark_module("common")


def test_publish_prints_and_writes_the_result_with_its_date_and_command(tmp_path, capsys):
    common.publish("noop", {"ratio": 0.5}, results_dir=tmp_path)
    written = json.loads((tmp_path / "noop.json").read_text(encoding="utf-8"))
    assert written == json.loads(capsys.readouterr().out)
    assert written["ratio"] == 0.5 and written["command"].split()[0] == sys.orig_argv[0]
    assert datetime.fromisoformat(written["date"]).utcoffset().total_seconds() == 0


def test_file_identity_names_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"abc")
    identity = common.file_identity(path)
    assert identity["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert identity["bytes"] == 3
