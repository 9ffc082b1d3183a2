"""Tests for reading a corpus through example_gen: dead letters and line counts."""

from components import example_gen
from components.artifacts.examples import read_dead_letters
from components.types import OutputDir
from data.charlm.config import CharlmData
from tests.conftest import corpus_text


def test_example_gen_counts_undecodable_lines_binary_and_oversized_files_as_dead_letters(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(corpus_text(40), encoding="utf-8")
    (corpus / "latin1.txt").write_bytes(corpus_text(20, seed=1).encode("utf-8") + "Café crème\n".encode("latin-1"))
    (corpus / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (corpus / "huge.txt").write_text("x" * 5000, encoding="utf-8")
    (corpus / ".hidden.txt").write_bytes(b"\xff" * 10)  # hidden files are not corpus
    data = CharlmData(path=str(corpus), window=8, stride=4, max_file_bytes=4000, max_error_rate=0.5)
    out = OutputDir(tmp_path / "staging", tmp_path / "scratch", run_id="test")
    outputs = example_gen.run({}, example_gen.ExampleGenParams(data, num_shards=1), out)

    properties = outputs["examples"].properties
    assert properties["dead_letters"] == 3
    assert properties["rows_read"] == 40 + 20 + 3  # good lines, plus one record per dead letter
    assert all(properties["counts"][split] > 0 for split in ("train", "eval", "test"))
    reasons = {(letter["source"].rsplit("/", 1)[-1], letter["line"]): letter["reason"]
               for letter in read_dead_letters(outputs["examples"])}
    assert reasons[("latin1.txt", 21)].startswith("not UTF-8")
    assert "NUL byte" in reasons[("image.bin", None)]
    assert reasons[("huge.txt", None)] == "file of 5000 bytes is over data.max_file_bytes (4000)"
