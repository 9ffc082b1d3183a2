"""Tests for the charlm readers: windows, position splits, dead letters, transform ids, prompts."""

import pytest
import tensorflow as tf

from components import example_gen
from components.types import OutputDir
from data.charlm import (START_ID, CharlmData, SplitFractions, build_windows, check_input, codepoints,
                         decode_text, input_files, left_pad, scoring_prompts)
from data.errors import DataError
from pipeline.config import bundled_config, load_config
from tests.conftest import corpus_text

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def windows_of(text: str, **settings) -> list[tuple[str, dict]]:
    cfg = CharlmData(**settings)
    return list(build_windows([(0, text)], cfg, "corpus.txt"))


def offset_of(window: dict) -> int:
    return int(window["id"].rsplit(":", 1)[1])


def test_each_window_predicts_the_character_after_it_and_targets_follow_the_stride():
    text = ALPHABET * 4
    windows = windows_of(text, window=5, stride=3, pad_start=False)
    assert windows, "no window was cut"
    for _, window in windows:
        offset = offset_of(window)
        assert window["target"] == text[offset]
        assert window["context"] == text[offset - 5:offset]
    train = [offset_of(w) for split, w in windows if split == "train"]
    assert train[0] == 5 and all(b - a == 3 for a, b in zip(train, train[1:]))


def test_windows_at_the_start_of_a_file_are_short_only_with_pad_start():
    padded = [w for _, w in windows_of(ALPHABET * 2, window=6, stride=1)]
    assert [w["context"] for w in padded[:3]] == ["", "a", "ab"] and padded[0]["target"] == "a"
    unpadded = [w for _, w in windows_of(ALPHABET * 2, window=6, stride=1, pad_start=False)]
    assert {len(w["context"]) for w in unpadded} == {6}


def test_splits_follow_the_text_and_no_window_crosses_a_split_boundary():
    text = ALPHABET * 10  # 260 characters: train [0, 208), eval [208, 234), test [234, 260)
    windows = windows_of(text, window=8, stride=1)
    spans = {split: [(offset_of(w) - len(w["context"]), offset_of(w)) for s, w in windows if s == split]
             for split in ("train", "eval", "test")}
    assert max(end for _, end in spans["train"]) < 208
    assert min(start for start, _ in spans["eval"]) >= 208 and max(end for _, end in spans["eval"]) < 234
    assert min(start for start, _ in spans["test"]) >= 234
    assert len(spans["eval"]) == 26 - 8 and len(spans["test"]) == 26 - 8  # a full window of context each


def test_a_corpus_shorter_than_one_window_is_a_data_error_naming_the_file_and_sizes(tmp_path):
    (tmp_path / "hello.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(DataError, match=r"hello\.txt \(5 characters\).*data\.window=10"):
        check_input(CharlmData(path=str(tmp_path / "hello.txt"), window=10))


def test_a_split_too_short_for_a_window_is_a_data_error_naming_the_split(tmp_path):
    (tmp_path / "short.txt").write_text(ALPHABET * 4, encoding="utf-8")  # test: the last 10 characters
    with pytest.raises(DataError, match=r"test split gets no window: its 10 characters"):
        check_input(CharlmData(path=str(tmp_path / "short.txt"), window=12))


def test_lines_that_are_not_utf8_are_dead_letters_and_no_window_spans_them():
    raw = b"first good line\n\xff\xfe broken\nsecond good line\r\n"
    segments, dead, lines = decode_text(raw, "mixed.txt")
    assert segments == [(0, "first good line\n"), (16, "second good line\n")]
    assert lines == 2 and len(dead) == 1 and dead[0]["line"] == 2 and dead[0]["reason"].startswith("not UTF-8")
    windows = [w for _, w in build_windows(segments, CharlmData(window=4, pad_start=False,
                                                                 split=SplitFractions(0.5, 0.0, 0.5)), "mixed.txt")]
    assert len(windows) == (16 - 4) + (17 - 4)
    assert all(offset_of(w) < 16 or offset_of(w) - len(w["context"]) >= 16 for w in windows)
    binary = decode_text(b"PK\x03\x04\x00\x00 zipped", "archive.zip")
    assert binary[0] == [] and "NUL byte" in binary[1][0]["reason"]


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
    outputs = example_gen.run({}, example_gen.ExampleGenParams("charlm", data, num_shards=1), out)

    properties = outputs["examples"].properties
    assert properties["dead_letters"] == 3
    assert properties["rows_read"] == 40 + 20 + 3  # good lines, plus one record per dead letter
    assert all(properties["counts"][split] > 0 for split in ("train", "eval", "test"))
    reasons = {(letter["source"].rsplit("/", 1)[-1], letter["line"]): letter["reason"]
               for letter in example_gen.read_dead_letters(outputs["examples"])}
    assert reasons[("latin1.txt", 21)].startswith("not UTF-8")
    assert "NUL byte" in reasons[("image.bin", None)]
    assert reasons[("huge.txt", None)] == "file of 5000 bytes is over data.max_file_bytes (4000)"


def test_input_files_take_a_file_a_folder_or_a_glob_and_say_when_nothing_matches(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b")
    assert [p.rsplit("/", 1)[1] for p in input_files(CharlmData(path=str(tmp_path)))] == ["a.txt", "b.md"]
    assert input_files(CharlmData(path=str(tmp_path / "*.txt"))) == [str(tmp_path / "a.txt")]
    with pytest.raises(DataError, match="no corpus file matches data.path"):
        input_files(CharlmData(path=str(tmp_path / "missing.txt")))


def test_left_padding_keeps_the_last_window_of_ids_and_pads_short_rows_with_the_start_id():
    ids = tf.ragged.constant([[5, 6, 7, 8, 9], [5, 6], []], dtype=tf.int64)
    assert left_pad(ids, 3).numpy().tolist() == [[7, 8, 9], [START_ID, 5, 6], [START_ID] * 3]
    assert codepoints(tf.constant(["a\r\nb", "\xe9"])).to_list() == [[97, 10, 98], [0xE9]]


def test_prompts_come_one_per_line_or_from_jsonl_with_empty_lines_skipped():
    lines = list(scoring_prompts("p.txt", "The cat \n\n  indented\n".encode()))
    assert lines == [("ok", ("p.txt:1", "The cat ")), ("ok", ("p.txt:3", "  indented"))]
    records = list(scoring_prompts("p.jsonl", b'{"id": "x", "prompt": ""}\n{"prompt": 3}\n', text_column="prompt"))
    assert records[0] == ("ok", ("x", "")) and records[1][0] == "dead"
    assert list(scoring_prompts("bad.txt", b"\xff"))[0][1]["reason"].startswith("not UTF-8")


def test_the_bundled_config_loads_and_bad_settings_name_the_key(tmp_path):
    cfg = load_config(bundled_config("charlm"))
    assert cfg.kind == "charlm" and cfg.data.window == 40 and cfg.evaluator.comparison_metric == "perplexity"
    with pytest.raises(ValueError, match="must sum to 1"):
        SplitFractions(0.5, 0.2, 0.2)
    with pytest.raises(ValueError, match="data.stride must be >= 1"):
        CharlmData(stride=0)
