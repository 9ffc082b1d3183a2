"""Character-level language models ("charlm"): a plain-text corpus cut into fixed-length
character windows that predict the next character, a train-only character vocabulary,
next-character serving, and text generation inside the SavedModel.

Raw examples (one per window): ``context`` (bytes: the ``window`` characters before the target,
fewer only at the start of a file), ``target`` (bytes: the next character) and ``id``
(``<file>:<offset of the target>``). After transform: ``inputs`` int64 [window] character ids,
left-padded with the start id, and ``target`` int64.

Ids: 0 is never used (it is the embedding's mask id, so Keras sees an all-true mask and LSTM/GRU
stay on the cuDNN path), 1 pads the left of a window that begins before its text (training
windows at the start of a file, and prompts shorter than the window), 2.. are the vocabulary's
characters from the most frequent in train down, and the last id is the out-of-vocabulary
bucket. The vocabulary holds Unicode code points, so newlines and spaces are characters like any
other.
"""

from __future__ import annotations

import codecs
import glob
import os
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

import apache_beam as beam

from data import timeseries
from data.errors import DataError
from data.text_lines import line_texts

TASK = "multiclass"  # what the trainer and tuner fit: a softmax over the character ids
TUNER_OBJECTIVE = ("val_loss", "min")  # cross-entropy, i.e. log-perplexity; accuracy is too coarse
EVALUATION_TASK = "language_model"  # what the evaluator measures: cross-entropy, perplexity, accuracy
SPLITS = ("train", "eval", "test")
FEATURES_KEY = "inputs"
LABEL_KEY = "target"
VOCAB_NAME = "characters"
MASK_ID, START_ID, FIRST_CHAR_ID = 0, 1, 2
OOV_BUCKETS = 1
START_TOKEN = "<start>"
REPLACEMENT_CHARACTER = 0xFFFD
NUL = b"\x00"


@dataclass(frozen=True)
class SplitFractions(timeseries.SplitFractions):
    """Shares of each file, by position, for train, eval and test (in that order)."""

    train: float = 0.8
    eval: float = 0.1
    test: float = 0.1

    def __post_init__(self):
        super().__post_init__()
        if self.test <= 0:
            raise ValueError("split.train and split.test must be > 0")


@dataclass(frozen=True)
class CharlmData:
    """Where the corpus is and how it is cut into character windows.

    Attributes:
        path: A UTF-8 text file, a folder (every file below it, hidden ones excepted) or a glob.
            Relative paths resolve against --data-dir.
        window: Characters of context before each target.
        stride: Characters between the targets of consecutive windows.
        split: Shares of each file for train, eval and test, by position: the first
            ``split.train`` of its characters go to train, then eval, then test. A window
            never crosses a split boundary, so no eval or test character is in a train window.
        pad_start: Also cut windows for the first ``window`` characters of each file,
            left-padded with the start id, so the model learns how texts begin and a prompt
            shorter than the window (or an empty one) is padded the same way as in training.
        top_k: Keep the most frequent train characters (None keeps every one); the rest share
            the out-of-vocabulary id.
        max_chars: Read only the first N characters of each file (None reads all).
        max_file_bytes: A file larger than this is a dead letter, never read into memory.
        max_error_rate: Largest share of bad records (undecodable lines, unreadable files)
            tolerated before the run fails.
    """

    path: str = "README.md"
    window: int = 40
    stride: int = 1
    split: SplitFractions = field(default_factory=SplitFractions)
    pad_start: bool = True
    top_k: int | None = None
    max_chars: int | None = None
    max_file_bytes: int = 20_000_000
    max_error_rate: float = 0.01

    def __post_init__(self):
        for name in ("window", "stride", "max_file_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"data.{name} must be >= 1, got {getattr(self, name)}")
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"data.top_k must be >= 1 or null, got {self.top_k}")
        if self.max_chars is not None and self.max_chars < 2:
            raise ValueError(f"data.max_chars must be >= 2 or null, got {self.max_chars}")
        if not 0.0 <= self.max_error_rate <= 1.0:
            raise ValueError(f"data.max_error_rate must lie in [0, 1], got {self.max_error_rate}")


DATA_CONFIG = CharlmData


# ---------------------------------------------------------------- locating and checking


def input_files(cfg: CharlmData) -> list[str]:
    """The corpus files: ``path`` itself, every non-hidden file below a folder, or a glob's files.

    Raises:
        DataError: If nothing matches.
    """
    if os.path.isdir(cfg.path):
        below = [os.path.join(folder, name) for folder, _, names in os.walk(cfg.path) for name in names]
        files = [path for path in below
                 if not any(part.startswith(".") for part in os.path.relpath(path, cfg.path).split(os.sep))]
    else:
        files = [path for path in glob.glob(cfg.path, recursive=True) if os.path.isfile(path)]
    if not files:
        raise DataError(f"no corpus file matches data.path {cfg.path!r}; give a UTF-8 text file, a folder of "
                        f"them or a glob, or pass --data-dir DIR")
    return sorted(files)


def check_input(cfg: CharlmData) -> None:
    """Reads the corpus once before any Beam work and checks it yields windows for train and test.

    Raises:
        DataError: If nothing matches, if the whole corpus is shorter than one window plus the
            character it predicts (naming the files and their sizes), or if a split gets no window.
    """
    sizes: dict[str, int] = {}
    windows = dict.fromkeys(SPLITS, 0)
    split_chars = dict.fromkeys(SPLITS, 0)
    for path in input_files(cfg):
        if os.path.getsize(path) > cfg.max_file_bytes:
            continue  # a dead letter when read
        with open(path, "rb") as handle:
            segments, _, _ = decode_text(handle.read(), path, cfg.max_chars)
        sizes[path] = sum(len(text) for _, text in segments)
        for piece in split_pieces(segments, cfg.split):
            windows[piece.split] += len(target_positions(len(piece.text), piece.starts_file, cfg))
            split_chars[piece.split] += len(piece.text)
    total = sum(sizes.values())
    if total < cfg.window + 1:
        listed = ", ".join(f"{path} ({chars} characters)" for path, chars in list(sizes.items())[:5])
        where = listed if len(sizes) == 1 else f"data.path {cfg.path!r}: {len(sizes)} readable files ({listed or 'none'})"
        raise DataError(f"{where}: the corpus has {total} characters, shorter than one window of data.window="
                        f"{cfg.window} characters plus the character it predicts; give a longer text or a "
                        f"smaller data.window")
    for split in ("train", "test"):
        if not windows[split]:
            raise DataError(f"data.path {cfg.path!r}: the {split} split gets no window: its {split_chars[split]} "
                            f"characters (data.split.{split}={getattr(cfg.split, split)} of each file) hold no "
                            f"stretch of data.window + 1 = {cfg.window + 1}; lower data.window or raise "
                            f"data.split.{split}")


# ---------------------------------------------------------------- decoding and windows


def decode_text(raw: bytes, source: str, max_chars: int | None = None) -> tuple[list[tuple[int, str]], list[dict], int]:
    """Decodes one file into stretches of good text.

    A line that is not UTF-8 is a dead letter and breaks the text: no window spans it. A file
    holding NUL bytes (binary, or UTF-16) is one dead letter. ``\\r\\n`` becomes ``\\n`` and a
    leading byte-order mark is dropped.

    Args:
        raw: The file's bytes.
        source: The file's path, for dead letters.
        max_chars: Keep only the first N characters of good text.

    Returns:
        ``(segments, dead_letters, good_lines)``: segments are ``(offset, text)`` with offsets
        counted in good characters from the start of the file; dead letters are
        ``{"source", "line", "reason"}``.
    """
    if NUL in raw:
        return [], [{"source": source, "line": None,
                     "reason": f"not UTF-8 text: NUL byte at offset {raw.index(NUL)} (binary, or UTF-16)"}], 0
    raw = raw.removeprefix(codecs.BOM_UTF8)
    lines = raw.splitlines(keepends=True)
    try:
        stretches, dead = [raw.decode("utf-8")], []
    except UnicodeDecodeError:
        stretches, dead = decode_lines(lines, source)
    segments, offset = [], 0
    for stretch in stretches:
        text = stretch.replace("\r\n", "\n")
        if text:
            segments.append((offset, text))
            offset += len(text)
    if max_chars is not None:
        segments = truncate(segments, max_chars)
    return segments, dead, len(lines) - len(dead)


def decode_lines(lines: list[bytes], source: str) -> tuple[list[str], list[dict]]:
    """Decodes line by line: runs of UTF-8 lines, and a dead letter for each line that is not."""
    stretches: list[str] = []
    dead: list[dict] = []
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            current.append(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            stretches.append("".join(current))
            current = []
            dead.append({"source": source, "line": number, "reason": f"not UTF-8: {error}"})
    stretches.append("".join(current))
    return stretches, dead


def truncate(segments: list[tuple[int, str]], max_chars: int) -> list[tuple[int, str]]:
    """The segments cut after ``max_chars`` characters of text."""
    kept = []
    for offset, text in segments:
        if offset >= max_chars:
            break
        kept.append((offset, text[:max_chars - offset]))
    return kept


class Piece(NamedTuple):
    """A stretch of one file's text inside one split."""

    split: str
    offset: int
    text: str
    starts_file: bool


def split_pieces(segments: list[tuple[int, str]], fractions: SplitFractions) -> list[Piece]:
    """Cuts a file's segments at its split boundaries: train first, then eval, then test.

    The boundaries are at ``train`` and ``train + eval`` of the file's good characters.
    """
    total = sum(len(text) for _, text in segments)
    first_eval = round(total * fractions.train)
    first_test = round(total * (fractions.train + fractions.eval))
    bounds = {"train": (0, first_eval), "eval": (first_eval, first_test), "test": (first_test, total)}
    pieces = []
    for offset, text in segments:
        for split, (low, high) in bounds.items():
            start, end = max(offset, low), min(offset + len(text), high)
            if start < end:
                pieces.append(Piece(split, start, text[start - offset:end - offset], start == 0))
    return pieces


def target_positions(length: int, starts_file: bool, cfg: CharlmData) -> range:
    """Positions of the targets in a piece of ``length`` characters.

    Every ``stride``-th position with a full window of context before it in the same piece; with
    ``pad_start``, from position 0 in a piece that starts its file (its windows are left-padded).
    """
    return range(0 if cfg.pad_start and starts_file else cfg.window, length, cfg.stride)


def build_windows(segments: list[tuple[int, str]], cfg: CharlmData, name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Cuts one file's text into next-character windows and assigns each to its split.

    Args:
        segments: ``(offset, text)`` stretches from :func:`decode_text`.
        cfg: Window, stride and split.
        name: File name used in example ids.

    Yields:
        ``(split, {"context", "target", "id"})``: up to ``window`` characters before the target,
        the target character, and ``<name>:<offset of the target>``.
    """
    for piece in split_pieces(segments, cfg.split):
        text = piece.text
        for position in target_positions(len(text), piece.starts_file, cfg):
            yield piece.split, {"context": text[max(0, position - cfg.window):position], "target": text[position],
                                "id": f"{name}:{piece.offset + position}"}


def read_corpus_file(path: str, cfg: CharlmData) -> Iterator[tuple[str, Any]]:
    """One corpus file to windows, dead letters and its count of good lines.

    Yields:
        ``("window", (split, features))``, ``("dead", letter)`` and one ``("lines", n)``.
    """
    from apache_beam.io.filesystems import FileSystems

    size = FileSystems.match([path])[0].metadata_list[0].size_in_bytes
    if size > cfg.max_file_bytes:
        yield "dead", {"source": path, "line": None,
                       "reason": f"file of {size} bytes is over data.max_file_bytes ({cfg.max_file_bytes})"}
        return
    with FileSystems.open(path, compression_type="uncompressed") as handle:
        segments, dead, lines = decode_text(handle.read(), path, cfg.max_chars)
    for letter in dead:
        yield "dead", letter
    yield "lines", lines
    for item in build_windows(segments, cfg, os.path.basename(path)):
        yield "window", item


class ReadCorpusFile(beam.DoFn):
    """One corpus path to windows (main), dead letters (``dead``) and good-line counts (``lines``)."""

    def __init__(self, cfg: CharlmData):
        super().__init__()
        self.cfg = cfg

    def process(self, path: str):
        for kind, item in read_corpus_file(path, self.cfg):
            yield item if kind == "window" else beam.pvalue.TaggedOutput(kind, item)


def read_examples(pipeline, cfg: CharlmData):
    """Adds the reading steps to a Beam pipeline.

    Returns:
        ``(examples, dead_letters, lines_read)``: ``(split, serialized tf.Example)`` pairs,
        dead-letter dicts, and a one-element PCollection with the number of good lines.
    """
    parsed = (pipeline
              | "CorpusFiles" >> beam.Create(input_files(cfg))
              | "ReadCorpus" >> beam.ParDo(ReadCorpusFile(cfg)).with_outputs("dead", "lines", main="window"))
    lines = parsed.lines | "CountLines" >> beam.CombineGlobally(sum)
    examples = parsed.window | "Encode" >> beam.MapTuple(lambda split, features: (split, encode_example(features)))
    return examples, parsed.dead, lines


def encode_example(features: dict[str, str]) -> bytes:
    """Serialises one window as a ``tf.train.Example``."""
    import tensorflow as tf

    def text(value: str):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode("utf-8")]))

    return tf.train.Example(features=tf.train.Features(feature={
        name: text(features[name]) for name in ("context", "target", "id")})).SerializeToString()


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label`` None (the next character is not a class the schema should pin down: a rare
        character only test has is no anomaly), ``length`` (characters of context), no missing
        values, and ``tokens``: the target character, for vocabulary coverage.
    """
    context = feature["context"].bytes_list.value[0].decode("utf-8", "replace")
    target = feature["target"].bytes_list.value[0].decode("utf-8", "replace")
    return {"label": None, "length": len(context), "missing": 0, "values": 1, "numeric": {}, "tokens": [target]}


# ---------------------------------------------------------------- tf.Transform


def raw_feature_spec(cfg: CharlmData) -> dict:
    """The ``tf.io`` parsing spec of raw examples."""
    import tensorflow as tf

    return {name: tf.io.FixedLenFeature([], tf.string) for name in ("context", "target", "id")}


def codepoints(text):
    """Unicode code points of strings as a ragged int64 [n, None] (``\\r\\n`` read as ``\\n``).

    Invalid UTF-8 (possible only in a served prompt) becomes U+FFFD, which is out of vocabulary.
    """
    import tensorflow as tf

    text = tf.strings.regex_replace(text, "\r\n", "\n")
    return tf.cast(tf.strings.unicode_decode(text, "UTF-8", errors="replace",
                                             replacement_char=REPLACEMENT_CHARACTER), tf.int64)


def left_pad(ids, window: int):
    """The last ``window`` ids of each ragged row, left-padded with the start id: int64 [n, window]."""
    import tensorflow as tf

    lengths = ids.row_lengths()
    dense = tf.pad(ids.to_tensor(default_value=START_ID), [[0, 0], [0, 1]], constant_values=START_ID)
    positions = lengths[:, None] - window + tf.range(window, dtype=tf.int64)[None, :]
    gathered = tf.gather(dense, tf.maximum(positions, 0), batch_dims=1)
    return tf.where(positions >= 0, gathered, tf.constant(START_ID, tf.int64))


def make_preprocessing_fn(cfg: CharlmData):
    """Character vocabulary (train only, optionally ``top_k``) and ids for the window and the target.

    ``inputs`` holds the last ``window`` characters of the context, left-padded with the start
    id; ``target`` is the id of the target's first character (``MASK_ID`` when there is none,
    as for a served prompt).
    """
    window, top_k = cfg.window, cfg.top_k

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        context = codepoints(inputs["context"])
        target = codepoints(inputs["target"])
        vocabulary = tft.vocabulary(tf.concat([context, target], axis=1), top_k=top_k, vocab_filename=VOCAB_NAME)
        context_ids = tft.apply_vocabulary(context, vocabulary, num_oov_buckets=OOV_BUCKETS) + FIRST_CHAR_ID
        target_ids = tft.apply_vocabulary(target, vocabulary, num_oov_buckets=OOV_BUCKETS) + FIRST_CHAR_ID
        target_id = target_ids.to_tensor(default_value=MASK_ID, shape=[None, 1])[:, 0]
        return {FEATURES_KEY: left_pad(context_ids, window), LABEL_KEY: target_id}

    return preprocessing_fn


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


# ---------------------------------------------------------------- serving and generation


def serving_signatures(module, cfg: CharlmData) -> dict:
    """``serving_default`` (serialized tf.Examples with ``context`` and optionally ``target``)
    and ``serving_raw`` (text whose next character is predicted).

    Both output ``probabilities`` [n, ids] and ``class_ids`` [n]; ``serving_default`` also
    ``target_ids`` [n], the id of each example's target (``MASK_ID`` 0 without one).
    """
    import tensorflow as tf

    spec = {"context": tf.io.FixedLenFeature([], tf.string, default_value=""),
            "target": tf.io.FixedLenFeature([], tf.string, default_value="")}

    def transform(context, target):
        return module.tft_layer({"context": context, "target": target, "id": tf.fill(tf.shape(context), "")})

    def predict(features):
        probabilities = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)
        return {"probabilities": probabilities, "class_ids": tf.argmax(probabilities, axis=-1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        parsed = tf.io.parse_example(examples, spec)
        features = transform(parsed["context"], parsed["target"])
        return {**predict(features), "target_ids": features[LABEL_KEY]}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve_raw(text):
        return predict(transform(text, tf.fill(tf.shape(text), "")))

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}


def generation_signatures(module, cfg: CharlmData, tft_output) -> dict:
    """``generate``: samples text after each prompt, inside the SavedModel.

    Inputs: ``prompt`` string [n], ``length`` int32 (characters to generate, >= 1),
    ``temperature`` float32 (> 0; the logits are divided by it, so lower is more conservative)
    and ``seed`` int64. Output: ``generated`` string [n], the text after each prompt.

    The prompt goes through the transform graph like training text: its last ``window``
    characters, left-padded with the start id when shorter. Each step feeds the window to the
    model, draws the next id with ``tf.random.stateless_categorical`` seeded by ``(seed, step)``
    (called per prompt, so a prompt's text does not depend on the other prompts in the call),
    and slides the window; only vocabulary characters are drawn (never the start or
    out-of-vocabulary ids). The ids go back to characters through the same vocabulary.
    """
    import tensorflow as tf

    table = [0] * FIRST_CHAR_ID + [ord(char) for char in characters(tft_output)] + [REPLACEMENT_CHARACTER] * OOV_BUCKETS
    drawable = [False] * FIRST_CHAR_ID + [True] * (len(table) - FIRST_CHAR_ID - OOV_BUCKETS) + [False] * OOV_BUCKETS

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="prompt"),
                                  tf.TensorSpec([], tf.int32, name="length"),
                                  tf.TensorSpec([], tf.float32, name="temperature"),
                                  tf.TensorSpec([], tf.int64, name="seed")])
    def generate(prompt, length, temperature, seed):
        checks = [tf.debugging.assert_positive(length, message="length must be >= 1"),
                  tf.debugging.assert_positive(temperature, message="temperature must be > 0")]
        with tf.control_dependencies(checks):
            window_ids = module.tft_layer({"context": prompt, "target": tf.fill(tf.shape(prompt), ""),
                                           "id": tf.fill(tf.shape(prompt), "")})[FEATURES_KEY]
        codepoint_of = tf.constant(table, tf.int32)
        allowed = tf.constant(drawable)[None, :]

        def step(position, window_ids, drawn):
            probabilities = tf.cast(module.model(window_ids, training=False), tf.float32)
            logits = tf.math.log(tf.maximum(probabilities, 1e-30)) / temperature
            logits = tf.where(allowed, logits, tf.fill(tf.shape(logits), -float("inf")))
            seeds = tf.stack([seed, tf.cast(position, tf.int64)])
            next_ids = tf.map_fn(lambda row: tf.random.stateless_categorical(row[None, :], 1, seeds, dtype=tf.int64)[0, 0],
                                 logits, fn_output_signature=tf.int64)
            window_ids = tf.concat([window_ids[:, 1:], next_ids[:, None]], axis=1)
            return position + 1, window_ids, drawn.write(position, next_ids)

        _, _, drawn = tf.while_loop(lambda position, *_: position < length, step,
                                    (tf.constant(0), window_ids, tf.TensorArray(tf.int64, size=length)))
        ids = tf.transpose(drawn.stack())  # [n, length]
        return {"generated": tf.strings.unicode_encode(tf.gather(codepoint_of, ids), "UTF-8")}

    module.generate = generate
    return {"generate": generate}


# ---------------------------------------------------------------- batch generation inputs


def scoring_prompts(name: str, raw: bytes, text_column: str = "text",
                    max_bytes: int = 1_000_000) -> Iterator[tuple[str, Any]]:
    """Prompts to generate from, out of one input file.

    Args:
        name: The file's path, used in ids and messages.
        raw: Its bytes.
        text_column: The prompt field of ``.jsonl`` objects.
        max_bytes: A prompt larger than this is a dead letter.

    Yields:
        ``("ok", (id, prompt))`` per non-empty line of a text file (id ``<file>:<line>``) or per
        ``.jsonl`` object (its ``id`` when present; its prompt may be empty, which starts a text),
        or ``("dead", {"source", "id", "reason"})``.
    """
    base = os.path.basename(name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield "dead", {"source": name, "id": base, "reason": f"not UTF-8: {error}"}
        return
    yield from line_texts(name, text, text_column, max_bytes, keep_blank_lines=True, allow_empty_text=True)
