"""The charlm model head: the character vocabulary, the id space, inputs and labels, evaluation ids."""

from __future__ import annotations

from data.charlm.config import FEATURES_KEY, FIRST_CHAR_ID, LABEL_KEY, OOV_BUCKETS, START_TOKEN, VOCAB_NAME, CharlmData


def characters(tft_output) -> list[str]:
    """The vocabulary's characters in id order (character ``i`` has id ``i + FIRST_CHAR_ID``)."""
    return [chr(int(value)) for value in tft_output.vocabulary_by_name(VOCAB_NAME)]


def vocabulary(tft_output) -> list[str]:
    """The id space after the unused mask id, as tokens: the start token, then the characters."""
    return [START_TOKEN, *characters(tft_output)]


def vocabulary_size(tft_output, cfg: CharlmData) -> int:
    """Size of the id space: mask, start, the vocabulary and the out-of-vocabulary bucket."""
    return FIRST_CHAR_ID + tft_output.vocabulary_size_by_name(VOCAB_NAME) + OOV_BUCKETS


def model_shape(cfg: CharlmData, tft_output) -> tuple[list[int], int, int]:
    """Window of ids in, a softmax over every id out (its classes are the input ids)."""
    size = vocabulary_size(tft_output, cfg)
    return [cfg.window], size, size


def model_io(features):
    """Character ids and the target id."""
    return features[FEATURES_KEY], features[LABEL_KEY]


def evaluation_targets(raw, cfg: CharlmData) -> dict:
    """Ids of parsed raw test examples. The truth is the target's id in each model's own
    vocabulary, which its ``serving_default`` returns as ``target_ids``."""
    return {"ids": raw["id"].numpy()}
