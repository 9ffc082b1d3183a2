"""Tests for the charlm windows: targets, strides, start padding and position splits."""

from tests.data.charlm.common import ALPHABET, offset_of, windows_of


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
