"""IMDB movie reviews: readers for aclImdb (folder or tarball) and Keras ``imdb.npz``,
download, tf.Transform vocabulary and padding, raw-text serving, and scoring inputs.

Raw examples: ``text`` (bytes), ``label`` (int64 0/1), ``id`` (``train/pos/123_9``) and
``rating`` (int64 1..10, 0 when unknown). After transform: ``tokens`` int64 [max_len] from a
train-only vocabulary, right-padded with 0 and truncated (at the end by default), and ``length``.
"""

from __future__ import annotations

import json
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems

from data.download import locate_or_fetch, sha256_of
from data.errors import DataError
from data.text_lines import line_texts
from data.hashing import stable_fraction

TASK = "binary"
SPLITS = ("train", "eval", "test")
FEATURES_KEY = "tokens"
LABEL_KEY = "label"
VOCAB_NAME = "vocab"
EMPTY_TOKEN = "<empty>"  # cannot occur in text: punctuation is split off before tokens are formed
ACLIMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
ACLIMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
KERAS_NPZ_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
TRUNCATIONS = ("end", "start", "middle")
PADDINGS = ("end", "start")
PUNCTUATION = r"""([!"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~])"""


@dataclass(frozen=True)
class ImdbData:
    """Where the reviews are and how they become token ids.

    Attributes:
        path: An aclImdb folder, an ``aclImdb_v1.tar.gz``, or a Keras ``imdb.npz``. Relative
            paths resolve against --data-dir. When it does not exist and ``download`` is on,
            the canonical tarball is fetched into ``cache_dir`` (sha256-verified).
        download: Fetch the canonical archive when ``path`` is missing.
        url: Download address.
        sha256: Expected checksum of the download.
        cache_dir: Download cache.
        word_index: ``imdb_word_index.json`` for ``imdb.npz`` (ids back to words).
        trust_npz: Load an ``imdb.npz`` whose checksum is unknown (its object arrays need pickle).
        eval_fraction: Share of train carved out as eval, by a stable hash of ``id``.
        max_examples: Keep a label-stratified subset of this many reviews per canonical split.
        max_len: Token ids per review after padding/truncation.
        truncation: Which tokens of a review longer than ``max_len`` are dropped: ``end``
            (keep the first ``max_len``), ``start`` (keep the last ones, where reviews tend
            to give their verdict) or ``middle`` (keep the first and the last halves).
        padding: Where a short review's padding ids (0) go: ``end`` (the default; a right-padded
            mask keeps LSTM and GRU eligible for cuDNN) or ``start`` (as Keras ``pad_sequences``
            pads: an unmasked model then reaches the review's last token at its last step).
        top_k: Vocabulary size (most frequent train tokens).
        oov_buckets: Ids for tokens outside the vocabulary.
        length_buckets: Word-count boundaries for the evaluator's slices.
        max_error_rate: Largest share of bad files tolerated.
        max_review_bytes: A review file larger than this is a dead letter, never read into memory.
    """

    path: str = "aclImdb_v1.tar.gz"
    download: bool = False
    url: str = ACLIMDB_URL
    sha256: str = ACLIMDB_SHA256
    cache_dir: str = "~/.cache/rnnpipe"
    word_index: str = ""
    trust_npz: bool = False
    eval_fraction: float = 0.1
    max_examples: int | None = None
    max_len: int = 200
    truncation: str = "end"
    padding: str = "end"
    top_k: int = 20000
    oov_buckets: int = 1
    length_buckets: tuple[int, ...] = (100, 200, 400, 800)
    max_error_rate: float = 0.01
    max_review_bytes: int = 1_000_000

    def __post_init__(self):
        if self.max_review_bytes < 1:
            raise ValueError(f"data.max_review_bytes must be >= 1, got {self.max_review_bytes}")
        if not 0.0 <= self.eval_fraction < 1.0:
            raise ValueError(f"data.eval_fraction must lie in [0, 1), got {self.eval_fraction}")
        if self.truncation not in TRUNCATIONS:
            raise ValueError(f"data.truncation must be one of {TRUNCATIONS}, got {self.truncation!r}")
        if self.padding not in PADDINGS:
            raise ValueError(f"data.padding must be one of {PADDINGS}, got {self.padding!r}")
        if self.max_len < 1 or self.top_k < 1 or self.oov_buckets < 1:
            raise ValueError("data.max_len, data.top_k and data.oov_buckets must be >= 1")
        if self.max_examples is not None and self.max_examples < 2:
            raise ValueError(f"data.max_examples must be >= 2, got {self.max_examples}")
        if list(self.length_buckets) != sorted(set(self.length_buckets)):
            raise ValueError("data.length_buckets must be strictly increasing")
        if not 0.0 <= self.max_error_rate <= 1.0:
            raise ValueError(f"data.max_error_rate must lie in [0, 1], got {self.max_error_rate}")


DATA_CONFIG = ImdbData


# ---------------------------------------------------------------- locating and checking


def locate(cfg: ImdbData) -> Path:
    """The local source, downloading the canonical archive when allowed.

    Raises:
        DataError: If the path is missing and downloading is off or fails.
    """
    return locate_or_fetch(cfg.path, cfg.download, cfg.url, cfg.sha256, cfg.cache_dir, Path(cfg.path).name, "IMDB")


def source_kind(path: Path) -> str:
    """``folder``, ``tarball`` or ``npz``."""
    if path.is_dir():
        return "folder"
    if path.suffix == ".npz":
        return "npz"
    return "tarball"


def check_member(member: tarfile.TarInfo, archive: str) -> None:
    """Refuses archive members that could write outside a target or point elsewhere.

    Raises:
        DataError: For absolute paths, ``..`` components, links and device files.
    """
    name = member.name
    if name.startswith("/") or PurePosixPath(name).is_absolute() or re.match(r"^[A-Za-z]:", name):
        raise DataError(f"{archive}: unsafe archive member {name!r} (absolute path); refusing the archive")
    if ".." in PurePosixPath(name).parts:
        raise DataError(f"{archive}: unsafe archive member {name!r} ('..' in path); refusing the archive")
    if member.issym() or member.islnk() or member.isdev():
        raise DataError(f"{archive}: unsafe archive member {name!r} (link or device); refusing the archive")


def check_input(cfg: ImdbData) -> None:
    """Checks the source before any work: archives are safe, npz files are trusted.

    Raises:
        DataError: On an unsafe or corrupt archive, or an untrusted npz.
    """
    path = locate(cfg)
    kind = source_kind(path)
    if kind == "tarball":
        try:
            with tarfile.open(path, "r:*") as archive:
                for member in archive:
                    check_member(member, str(path))
        except (tarfile.TarError, EOFError, OSError) as error:
            raise DataError(f"{path}: corrupt or unreadable archive: {error}") from error
    elif kind == "npz" and not cfg.trust_npz and sha256_of(path) != KERAS_NPZ_SHA256:
        raise DataError(f"{path}: unknown imdb.npz (sha256 differs from Keras's); its object arrays need "
                        f"pickle, so it is only loaded with data.trust_npz=true")
    elif kind == "folder" and not any(path.glob("*/*/*.txt")) and not any(path.glob("aclImdb/*/*/*.txt")):
        raise DataError(f"{path}: no reviews found; expected {{train,test}}/{{pos,neg}}/<id>_<rating>.txt")


def input_files(cfg: ImdbData) -> list[Path]:
    """The files whose bytes define the input (for the cache key)."""
    path = locate(cfg)
    if path.is_dir():
        return sorted(p for p in path.rglob("*.txt") if MEMBER.search(p.as_posix()))
    return [path] + ([Path(cfg.word_index)] if cfg.word_index else [])


# ---------------------------------------------------------------- records


def make_record(name: str, raw: bytes, source: str, eval_fraction: float) -> tuple[str, Any]:
    """Turns one review file into ``("record", (split, features))`` or ``("dead", letter)``."""
    match = MEMBER.search(name)
    split, polarity, number, rating = match.groups()
    review_id = f"{split}/{polarity}/{number}_{rating}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return "dead", {"source": source, "id": review_id, "reason": f"not UTF-8: {error}"}
    if not text.strip():
        return "dead", {"source": source, "id": review_id, "reason": "empty review"}
    if split == "train" and stable_fraction(review_id) < eval_fraction:
        split = "eval"
    return "record", (split, {"text": text, "label": int(polarity == "pos"), "id": review_id,
                              "rating": int(rating)})


def oversized(name: str, size: int, limit: int, source: str) -> tuple[str, dict[str, Any]]:
    """The dead letter of a review file over ``data.max_review_bytes``."""
    split, polarity, number, rating = MEMBER.search(name).groups()
    return "dead", {"source": source, "id": f"{split}/{polarity}/{number}_{rating}",
                    "reason": f"review of {size} bytes is over data.max_review_bytes ({limit})"}


def read_tarball(path: str, eval_fraction: float, max_bytes: int = 1_000_000) -> Iterator[tuple[str, Any]]:
    """Streams review records out of an aclImdb tarball, without extracting it.

    A member over ``max_bytes`` is a dead letter and is skipped unread.
    """
    with FileSystems.open(path, compression_type="uncompressed") as handle, \
            tarfile.open(fileobj=handle, mode="r|*") as archive:
        for member in archive:
            check_member(member, path)
            if member.isfile() and MEMBER.search(member.name):
                if member.size > max_bytes:
                    yield oversized(member.name, member.size, max_bytes, path)
                else:
                    yield make_record(member.name, archive.extractfile(member).read(), path, eval_fraction)


def read_npz(path: str, word_index_path: str, eval_fraction: float, seed: int = 113) -> Iterator[tuple[str, Any]]:
    """Review records from a (trusted) Keras ``imdb.npz``, decoded back to words.

    Keras stores ids offset by 3 (0 padding, 1 start, 2 OOV); without a word index the text is
    the ids themselves, which still trains (each id is a token).
    """
    import numpy as np

    words = {}
    if word_index_path:
        with open(word_index_path, encoding="utf-8") as handle:
            words = {index + 3: word for word, index in json.load(handle).items()}
    with np.load(path, allow_pickle=True) as arrays:
        for split in ("train", "test"):
            for number, (ids, label) in enumerate(zip(arrays[f"x_{split}"], arrays[f"y_{split}"])):
                text = " ".join(words.get(int(i), f"#{int(i)}") for i in ids if int(i) > 2)
                name = f"{split}/{'pos' if label else 'neg'}/{number}_0.txt"
                yield make_record(name, text.encode("utf-8"), path, eval_fraction)


class ReadSource(beam.DoFn):
    """One archive or npz path to records (main output) and dead letters (``dead``)."""

    def __init__(self, cfg: ImdbData):
        super().__init__()
        self.cfg = cfg

    def process(self, path):
        reader = read_npz(path, self.cfg.word_index, self.cfg.eval_fraction) if path.endswith(".npz") \
            else read_tarball(path, self.cfg.eval_fraction, self.cfg.max_review_bytes)
        for kind, item in reader:
            yield item if kind == "record" else beam.pvalue.TaggedOutput("dead", item)


class ReadReviewFile(beam.DoFn):
    """One matched review file of an aclImdb folder to a record or a dead letter."""

    def __init__(self, cfg: ImdbData):
        super().__init__()
        self.cfg = cfg

    def process(self, readable):
        name = readable.metadata.path
        if not MEMBER.search(name.replace(os.sep, "/")):
            return
        size = readable.metadata.size_in_bytes
        if size > self.cfg.max_review_bytes:
            kind, item = oversized(name.replace(os.sep, "/"), size, self.cfg.max_review_bytes, name)
        else:
            kind, item = make_record(name.replace(os.sep, "/"), readable.read(), name, self.cfg.eval_fraction)
        yield item if kind == "record" else beam.pvalue.TaggedOutput("dead", item)


def stratified_subset(records, max_examples: int):
    """Keeps ``max_examples`` reviews per canonical split, half per label, by stable hash.

    The hash is salted differently from the eval carve, so the subset keeps the eval share.
    """
    per_group = max(1, max_examples // 2)

    def group(item):
        split, features = item
        canonical = "test" if split == "test" else "train"
        return (canonical, features["label"]), item

    return (records
            | "GroupForSubset" >> beam.Map(group)
            | "SmallestHashes" >> beam.combiners.Top.PerKey(per_group, key=lambda item: -stable_fraction("subset:" + item[1]["id"]))
            | "FlattenSubset" >> beam.FlatMap(lambda keyed: keyed[1]))


def read_examples(pipeline, cfg: ImdbData):
    """Adds the reading steps to a Beam pipeline.

    Returns:
        ``(examples, dead_letters, records_read)``: ``(split, serialized tf.Example)`` pairs,
        dead-letter dicts, and a one-element PCollection with the number of good records.
    """
    path = locate(cfg)
    if source_kind(path) == "folder":
        parsed = (pipeline
                  | "MatchReviews" >> fileio.MatchFiles(str(path / "**.txt"))
                  | "ReadReviews" >> fileio.ReadMatches()
                  | "ParseReviews" >> beam.ParDo(ReadReviewFile(cfg)).with_outputs("dead", main="record"))
    else:
        parsed = (pipeline
                  | "Source" >> beam.Create([str(path)])
                  | "ReadSource" >> beam.ParDo(ReadSource(cfg)).with_outputs("dead", main="record"))
    records = parsed.record
    count = records | "CountRecords" >> beam.combiners.Count.Globally()
    if cfg.max_examples:
        records = stratified_subset(records, cfg.max_examples)
    examples = records | "Encode" >> beam.MapTuple(lambda split, features: (split, encode_example(features)))
    return examples, parsed.dead, count


def encode_example(features: dict[str, Any]) -> bytes:
    """Serialises one review as a ``tf.train.Example``."""
    import tensorflow as tf

    def int64(value):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))

    def text(value):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode("utf-8")]))

    return tf.train.Example(features=tf.train.Features(feature={
        "text": text(features["text"]), "id": text(features["id"]),
        "label": int64(features["label"]), "rating": int64(features["rating"]),
    })).SerializeToString()


# ---------------------------------------------------------------- tf.Transform


def raw_feature_spec(cfg: ImdbData) -> dict:
    """The ``tf.io`` parsing spec of raw examples."""
    import tensorflow as tf

    return {
        "text": tf.io.FixedLenFeature([], tf.string),
        "label": tf.io.FixedLenFeature([], tf.int64),
        "id": tf.io.FixedLenFeature([], tf.string),
        "rating": tf.io.FixedLenFeature([], tf.int64),
    }


def tokenize(text):
    """Lowercases, strips ``<br />`` and splits punctuation off words; returns ragged tokens."""
    import tensorflow as tf

    text = tf.strings.lower(text)
    text = tf.strings.regex_replace(text, r"<br\s*/?>", " ")
    text = tf.strings.regex_replace(text, PUNCTUATION, r" \1 ")
    return tf.strings.split(text)


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label``, ``length`` (tokens), ``missing``/``values`` (an empty review is missing),
        ``numeric`` (name -> values) and ``tokens``, tokenized as :func:`tokenize` does.
    """
    text = feature["text"].bytes_list.value[0].decode("utf-8", "replace")
    words = re.sub(PUNCTUATION, r" \1 ", re.sub(r"<br\s*/?>", " ", text.lower())).split()
    return {"label": str(feature["label"].int64_list.value[0]), "length": len(words),
            "missing": int(not words), "values": 1,
            "numeric": {"rating": list(feature["rating"].int64_list.value)}, "tokens": words}


def truncate(tokens, max_len: int, truncation: str):
    """Keeps at most ``max_len`` tokens of each row, dropping the ``truncation`` part.

    Args:
        tokens: A ragged ``[batch, None]`` tensor.
        max_len: Tokens kept per row.
        truncation: ``end``, ``start`` or ``middle`` (see :class:`ImdbData`).

    Returns:
        The ragged tensor with long rows cut; rows of at most ``max_len`` are unchanged.
    """
    import tensorflow as tf

    tail = {"end": 0, "start": max_len, "middle": max_len // 2}[truncation]
    head = max_len - tail
    rows = tokens.value_rowids()
    position = tf.range(tf.size(rows, out_type=tf.int64)) - tf.gather(tokens.row_starts(), rows)
    length = tf.gather(tokens.row_lengths(), rows)
    keep = (position < head) | (position >= length - tail)
    return tf.ragged.boolean_mask(tokens, tokens.with_flat_values(keep))


def pad_at_start(dense, lengths):
    """Moves each row's padding from its end to its start: ``[a b c 0 0]`` -> ``[0 0 a b c]``.

    Args:
        dense: End-padded ``[batch, max_len]`` ids.
        lengths: Ids before the padding in each row.
    """
    import tensorflow as tf

    return tf.reverse(tf.reverse_sequence(dense, lengths, seq_axis=1, batch_axis=0), axis=[1])


def make_preprocessing_fn(cfg: ImdbData):
    """Vocabulary (train only, ``top_k``, OOV buckets) and padded, truncated ids.

    Id 0 is padding, vocabulary ids start at 1, OOV ids follow the vocabulary. A review
    without tokens becomes one OOV id, never an all-padding row. Long reviews are cut as
    ``cfg.truncation`` says, short ones padded where ``cfg.padding`` says.
    """
    max_len, top_k, oov, truncation = cfg.max_len, cfg.top_k, cfg.oov_buckets, cfg.truncation
    start_padded = cfg.padding == "start"

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        tokens = tokenize(inputs["text"])
        vocabulary = tft.vocabulary(tokens, top_k=top_k, vocab_filename=VOCAB_NAME)
        ids = tft.apply_vocabulary(tokens, vocabulary, num_oov_buckets=oov) + 1
        empty_id = tft.apply_vocabulary(tf.constant([EMPTY_TOKEN]), vocabulary, num_oov_buckets=oov)[0] + 1
        dense = truncate(ids, max_len, truncation).to_tensor(default_value=0, shape=[None, max_len])
        lengths = tokens.row_lengths()
        first = tf.equal(tf.range(max_len, dtype=tf.int64), 0)[None, :]
        dense = tf.where((lengths == 0)[:, None] & first, empty_id, dense)
        if start_padded:
            dense = pad_at_start(dense, tf.clip_by_value(lengths, 1, max_len))
        return {FEATURES_KEY: dense, LABEL_KEY: inputs["label"], "length": lengths}

    return preprocessing_fn


def vocabulary_size(tft_output, cfg: ImdbData) -> int:
    """Size of the id space: padding, the vocabulary, and the OOV buckets."""
    return 1 + tft_output.vocabulary_size_by_name(VOCAB_NAME) + cfg.oov_buckets


def vocabulary(tft_output) -> list[str]:
    """The vocabulary in id order (word ``i`` has id ``i + 1``)."""
    return [w.decode("utf-8", "replace") if isinstance(w, bytes) else w
            for w in tft_output.vocabulary_by_name(VOCAB_NAME)]


def model_shape(cfg: ImdbData, tft_output) -> tuple[list[int], int, int]:
    """Model input shape, number of outputs, and id-space size."""
    return [cfg.max_len], 1, vocabulary_size(tft_output, cfg)


def model_io(features):
    """Token ids and float labels [batch, 1]."""
    import tensorflow as tf

    return features[FEATURES_KEY], tf.cast(features[LABEL_KEY], tf.float32)[:, None]


def evaluation_targets(raw, cfg: ImdbData) -> dict:
    """Labels, ids and word counts (for length slices) of parsed raw test examples."""
    import numpy as np

    texts = raw["text"].numpy()
    return {"truth": raw["label"].numpy(), "ids": raw["id"].numpy(),
            "lengths": np.array([len(t.split()) for t in texts])}


# ---------------------------------------------------------------- serving


def serving_signatures(module, cfg: ImdbData) -> dict:
    """``serving_default`` (serialized tf.Examples) and ``serving_raw`` (review strings).

    Both output ``probabilities`` [n] (of a positive review) and ``class_ids`` [n].
    """
    import tensorflow as tf

    spec = {"text": raw_feature_spec(cfg)["text"]}  # serving needs only the review

    def predict(text):
        batch = tf.shape(text)[0]
        features = module.tft_layer({"text": text, "label": tf.zeros([batch], tf.int64),
                                     "id": tf.fill([batch], ""), "rating": tf.zeros([batch], tf.int64)})
        probabilities = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)[:, 0]
        return {"probabilities": probabilities, "class_ids": tf.cast(probabilities > 0.5, tf.int64)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        return predict(tf.io.parse_example(examples, spec)["text"])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve_raw(text):
        return predict(text)

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}


# ---------------------------------------------------------------- batch scoring inputs


def scoring_reviews(name: str, raw: bytes, whole_file: bool, text_column: str = "text",
                    max_bytes: int = 1_000_000) -> Iterator[tuple[str, Any]]:
    """Reviews to score from one input file.

    Args:
        name: The file's path, used in ids and messages.
        raw: Its bytes.
        whole_file: The file is one review (a folder of ``.txt`` files); otherwise ``.jsonl`` has a
            JSON object per line, ``.csv`` a header with ``text_column``, anything else a review per line.
        text_column: The text field of ``.jsonl`` objects and ``.csv`` rows.
        max_bytes: A review (file or line) larger than this is a dead letter.

    Yields:
        ``("ok", (id, text))``, or ``("dead", {"source", "id", "reason"})``. Ids are the file name,
        ``<file>:<line>``, or a JSON object's ``id`` field.
    """
    base = os.path.basename(name)
    if whole_file and len(raw) > max_bytes:
        yield "dead", {"source": name, "id": base, "reason": f"review of {len(raw)} bytes is over the {max_bytes}-byte limit"}
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield "dead", {"source": name, "id": base, "reason": f"not UTF-8: {error}"}
        return
    if whole_file:
        yield ("ok", (base, text)) if text.strip() else ("dead", {"source": name, "id": base, "reason": "empty review"})
        return
    if name.endswith(".csv"):
        yield from _csv_reviews(name, text, text_column, max_bytes)
        return
    yield from line_texts(name, text, text_column, max_bytes)


def _csv_reviews(name: str, text: str, text_column: str, max_bytes: int) -> Iterator[tuple[str, Any]]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    base = os.path.basename(name)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if text_column not in header:
            yield "dead", {"source": name, "id": base,
                           "reason": f"no column {text_column!r} in CSV header {header} (use --text-column)"}
            return
        index = header.index(text_column)
        id_index = header.index("id") if "id" in header else None
        for row in reader:
            review_id = f"{base}:{reader.line_num}"
            if not row:
                continue
            if len(row) != len(header):
                yield "dead", {"source": name, "id": review_id,
                               "reason": f"expected {len(header)} columns, found {len(row)}"}
                continue
            if id_index is not None and row[id_index].strip():
                review_id = row[id_index].strip()
            size = len(row[index].encode("utf-8"))
            if not row[index].strip() or size > max_bytes:
                reason = "empty review" if size <= max_bytes else f"review of {size} bytes is over the {max_bytes}-byte limit"
                yield "dead", {"source": name, "id": review_id, "reason": reason}
                continue
            yield "ok", (review_id, row[index])
    except csv.Error as error:  # e.g. a field over the csv module's own size limit: the rest is unreadable
        yield "dead", {"source": name, "id": f"{base}:{reader.line_num}", "reason": f"unreadable CSV: {error}"}
