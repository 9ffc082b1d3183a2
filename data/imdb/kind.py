"""The IMDB dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: imdb``."""

from __future__ import annotations

from typing import Any, Iterator

from data.contract import DatasetKind, ScoringInput, ScoringOptions
from data.imdb import config, model_head, preprocessing, read, records, scoring, serving, source


class ImdbKind(DatasetKind):
    """Movie reviews to token ids from a train-only vocabulary; a binary sentiment classifier."""

    name = "imdb"
    DATA_CONFIG = config.ImdbData
    TASK = config.TASK
    FEATURES_KEY = config.FEATURES_KEY
    LABEL_KEY = config.LABEL_KEY
    scoring_input = ScoringInput(format="reviews", signature="serving_raw", input_names=("text",),
                                 folder_pattern="*.txt", one_record_per_file=True)

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
    scoring_tensors = staticmethod(scoring.scoring_tensors)
    scoring_reviews = staticmethod(scoring.scoring_reviews)  # the reader's name before the contract

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Reviews of one input file: the whole file, or one per line, ``.jsonl`` object or ``.csv`` row."""
        return scoring.scoring_reviews(path, raw, options.whole_file, options.text_column, options.max_record_bytes)


KIND = ImdbKind()
