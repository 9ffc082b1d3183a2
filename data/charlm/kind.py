"""The charlm dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: charlm``."""

from __future__ import annotations

from typing import Any, Iterator

from data.charlm import config, generation, model_head, preprocessing, read, records, scoring, serving, source
from data.contract import DatasetKind, ScoringInput, ScoringOptions


class CharlmKind(DatasetKind):
    """A plain-text corpus cut into character windows; a next-character language model."""

    name = "charlm"
    DATA_CONFIG = config.CharlmData
    TASK = config.TASK
    EVALUATION_TASK = config.EVALUATION_TASK
    TUNER_OBJECTIVE = config.TUNER_OBJECTIVE
    FEATURES_KEY = config.FEATURES_KEY
    LABEL_KEY = config.LABEL_KEY
    scoring_input = ScoringInput(format="prompts", signature="generate",
                                 input_names=("prompt", "length", "temperature", "seed"), folder_pattern="*.txt")

    check_input = staticmethod(source.check_input)
    input_files = staticmethod(source.input_files)
    read_examples = staticmethod(read.read_examples)
    encode_example = staticmethod(records.encode_example)
    profile = staticmethod(records.profile)
    raw_feature_spec = staticmethod(records.raw_feature_spec)
    make_preprocessing_fn = staticmethod(preprocessing.make_preprocessing_fn)
    model_shape = staticmethod(model_head.model_shape)
    model_io = staticmethod(model_head.model_io)
    evaluation_targets = staticmethod(model_head.evaluation_targets)
    vocabulary = staticmethod(model_head.vocabulary)
    serving_signatures = staticmethod(serving.serving_signatures)
    generation_signatures = staticmethod(generation.generation_signatures)
    scoring_tensors = staticmethod(scoring.scoring_tensors)
    scoring_prompts = staticmethod(scoring.scoring_prompts)  # the reader's name before the contract

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Prompts of one input file: one per line, or per ``.jsonl`` object."""
        return scoring.scoring_prompts(path, raw, options.text_column, options.max_record_bytes)


KIND = CharlmKind()
