"""The charlm dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: charlm``."""

from __future__ import annotations

from typing import Any, Iterator

from data.charlm.config import CharlmData, EVALUATION_TASK, FEATURES_KEY, LABEL_KEY, TASK, TUNER_OBJECTIVE
from data.charlm.generation import generation_signatures
from data.charlm.model_head import evaluation_targets, model_io, model_shape, vocabulary
from data.charlm.preprocessing import make_preprocessing_fn
from data.charlm.read import read_examples
from data.charlm.records import encode_example, profile, raw_feature_spec
from data.charlm.scoring import scoring_prompts, scoring_tensors
from data.charlm.serving import serving_signatures
from data.charlm.source import check_input, input_files
from data.contract import DatasetKind, ScoringInput, ScoringOptions


class CharlmKind(DatasetKind):
    """A plain-text corpus cut into character windows; a next-character language model."""

    name = "charlm"
    DATA_CONFIG = CharlmData
    TASK = TASK
    EVALUATION_TASK = EVALUATION_TASK
    TUNER_OBJECTIVE = TUNER_OBJECTIVE
    FEATURES_KEY = FEATURES_KEY
    LABEL_KEY = LABEL_KEY
    scoring_input = ScoringInput(format="prompts", signature="generate",
                                 input_names=("prompt", "length", "temperature", "seed"), folder_pattern="*.txt")

    check_input = staticmethod(check_input)
    input_files = staticmethod(input_files)
    read_examples = staticmethod(read_examples)
    encode_example = staticmethod(encode_example)
    profile = staticmethod(profile)
    raw_feature_spec = staticmethod(raw_feature_spec)
    make_preprocessing_fn = staticmethod(make_preprocessing_fn)
    model_shape = staticmethod(model_shape)
    model_io = staticmethod(model_io)
    evaluation_targets = staticmethod(evaluation_targets)
    vocabulary = staticmethod(vocabulary)
    serving_signatures = staticmethod(serving_signatures)
    generation_signatures = staticmethod(generation_signatures)
    scoring_tensors = staticmethod(scoring_tensors)

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Prompts of one input file: one per line, or per ``.jsonl`` object."""
        return scoring_prompts(path, raw, options.text_column, options.max_record_bytes)


KIND = CharlmKind()
