"""benchmarks/charlm.py names the text it trained on: path, sha256 and characters read, per file."""

import hashlib

from tests.benchmarks.conftest import load_benchmark_module
from tests.conftest import REPO

charlm = load_benchmark_module("charlm")
CONFIG = str(REPO / "pipeline" / "configs" / "charlm.yaml")


def test_the_corpus_is_named_by_path_sha256_and_the_characters_read(tmp_path):
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "a.txt").write_text("abcdef", encoding="utf-8")
    (tmp_path / "books" / "b.txt").write_text("é" * 3, encoding="utf-8")
    (tmp_path / "books" / ".hidden").write_text("skipped", encoding="utf-8")
    corpus = charlm.corpus_identity(str(tmp_path), CONFIG, ["data.path=books", "data.max_chars=4"])
    assert corpus["data_path"] == "books" and corpus["characters_read"] == 4 + 3
    assert [(f["path"], f["characters"], f["characters_read"]) for f in corpus["files"]] == [
        ("books/a.txt", 6, 4), ("books/b.txt", 3, 3)]
    assert corpus["files"][1]["sha256"] == hashlib.sha256("ééé".encode()).hexdigest()


def test_the_shipped_config_reads_the_fixed_corpus_under_the_data_dir():
    corpus = charlm.corpus_identity(str(REPO.parent / "shared" / "datasets"), CONFIG, [])
    assert corpus["data_path"] == "text/republic.txt"
    assert [f["path"] for f in corpus["files"]] in ([], ["text/republic.txt"])  # [] where the datasets are absent
