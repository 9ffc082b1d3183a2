"""The IMDB dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: imdb``."""

from __future__ import annotations

from typing import Any, Iterator

from data.contract import DatasetKind, ScoringInput, ScoringOptions
from data.imdb.config import FEATURES_KEY, ImdbData, LABEL_KEY, TASK
from data.imdb.model_head import evaluation_targets, model_io, model_shape, vocabulary
from data.imdb.preprocessing import make_preprocessing_fn
from data.imdb.read import read_examples
from data.imdb.records import encode_example, profile, raw_feature_spec
from data.imdb.scoring import scoring_reviews, scoring_tensors
from data.imdb.serving import serving_signatures
from data.imdb.source import check_input, input_files


class ImdbKind(DatasetKind):
    """Movie reviews to token ids from a train-only vocabulary; a binary sentiment classifier."""

    name = "imdb"
    DATA_CONFIG = ImdbData
    TASK = TASK
    FEATURES_KEY = FEATURES_KEY
    LABEL_KEY = LABEL_KEY
    scoring_input = ScoringInput(format="reviews", signature="serving_raw", input_names=("text",),
                                 folder_pattern="*.txt", one_record_per_file=True)

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
    scoring_tensors = staticmethod(scoring_tensors)

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Reviews of one input file: the whole file, or one per line, ``.jsonl`` object or ``.csv`` row."""
        return scoring_reviews(path, raw, options.whole_file, options.text_column, options.max_record_bytes)


KIND = ImdbKind()
