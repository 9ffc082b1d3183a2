"""The contract of a dataset kind: what the components and batch scoring may call on it.

A dataset kind (``timeseries``, ``imdb``, ``mnist``, ``charlm``) is one package ``data/<kind>/``
that exposes one object, ``KIND``, an instance of a subclass of :class:`DatasetKind`.
``data.get_kind(name)`` returns that object; ``data/registry.py`` lists the packages. Adding a
kind means writing one package and adding one line to the registry.

What a kind supplies, grouped as the pipeline uses it:

- **Config**: ``DATA_CONFIG``, the frozen dataclass of the config file's ``data:`` section, a
  subclass of :class:`DataConfig` whose ``KIND`` is the kind's name (so a config names its kind:
  ``data.kind_of(config)``); :meth:`DatasetKind.scoring_config` rebuilds it from a ``model.json``
  card's ``data`` section.
- **Readers** (example_gen, statistics): :meth:`~DatasetKind.check_input`,
  :meth:`~DatasetKind.input_files`, :meth:`~DatasetKind.read_examples`,
  :meth:`~DatasetKind.encode_example`, :meth:`~DatasetKind.profile`; the split names ``SPLITS``.
- **Raw feature spec and preprocessing** (transform, evaluator):
  :meth:`~DatasetKind.raw_feature_spec`, :meth:`~DatasetKind.make_preprocessing_fn`.
- **Model head** (trainer, tuner, evaluator): ``TASK``, ``FEATURES_KEY``, ``LABEL_KEY``,
  :meth:`~DatasetKind.model_shape`, :meth:`~DatasetKind.model_io`,
  :meth:`~DatasetKind.evaluation_targets`, :meth:`~DatasetKind.to_original_units`.
- **Serving** (exporter, evaluator): :meth:`~DatasetKind.serving_signatures`.
- **Scoring input** (batch scoring): ``scoring_input`` (a :class:`ScoringInput`, or None),
  :meth:`~DatasetKind.scoring_records`, :meth:`~DatasetKind.scoring_tensors`.
- **Demo data**: ``HAS_DEMO`` and :meth:`~DatasetKind.write_demo`.

Optional capabilities are declared here with their defaults, so every kind has every attribute
and no caller needs ``getattr``:

- ``EVALUATION_TASK``: what the evaluator measures (default: ``TASK``);
- ``TUNER_OBJECTIVE``: ``(metric, direction)`` the tuner optimises, or None for the task's default;
- :meth:`~DatasetKind.train_augmentation`: a random batch map for the train split (default None);
- :meth:`~DatasetKind.generation_signatures`: export-only signatures (default ``{}``);
- :meth:`~DatasetKind.resolved_config`: the config completed with what example_gen recorded of
  the data, which transform fits the preprocessing with (default: the config unchanged);
- :meth:`~DatasetKind.vocabulary`: the token vocabulary, for kinds with token inputs (default:
  refuses, naming the kind);
- :meth:`~DatasetKind.to_original_units`: undoes output scaling (default: identity);
- :meth:`~DatasetKind.highway_inputs`: the channels and default lags of a linear highway
  beside the recurrent model (default: none);
- :meth:`~DatasetKind.baseline_forecasts`: reference forecasts the evaluator scores beside the
  model on the same test examples (default None: none);
- ``scoring_input`` (default None: the kind is scored only through raw tf.Examples);
- ``HAS_DEMO`` / :meth:`~DatasetKind.write_demo` (default: no demo data).

A concrete kind class must set the class attributes ``name``, ``DATA_CONFIG``, ``TASK``,
``FEATURES_KEY`` and ``LABEL_KEY`` and implement every abstract method; both are checked when
``KIND`` is created (a missing one is a ``TypeError`` naming it). Kinds usually bind their
module-level functions with ``staticmethod``, so ``kind.read_examples(pipeline, cfg)`` takes the
same arguments as the function it names.
"""

from __future__ import annotations

import abc
import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator, Mapping, NamedTuple, Sequence

from data.splits import SPLITS

REQUIRED_ATTRIBUTES = ("name", "DATA_CONFIG", "TASK", "FEATURES_KEY", "LABEL_KEY")
"""Class attributes every concrete kind sets."""


@dataclass(frozen=True)
class DataConfig:
    """The base of every kind's config dataclass (its ``DATA_CONFIG``, the ``data:`` section).

    It has no fields of its own. A subclass sets ``KIND`` to the name its kind is registered as,
    so a config alone tells which kind it is for (``data.kind_of(config)``) and params that hold
    one need no separate kind name.

    Attributes:
        KIND: The name of the config's dataset kind (``timeseries``, ...); empty on the base.
    """

    KIND: ClassVar[str] = ""


@dataclass(frozen=True)
class ScoringInput:
    """The batch-scoring input format a kind reads (``rnnpipe score --format <format>``).

    Attributes:
        format: The ``--format`` name: ``reviews``, ``images``, ``series`` or ``prompts``.
        signature: The SavedModel signature it calls: ``serving_raw`` or ``generate``.
        input_names: That signature's inputs the scorer must find, e.g. ``("text",)``.
        folder_pattern: What a folder given as ``--input`` holds, e.g. ``*.txt``.
        one_record_per_file: A folder given as ``--input`` is one record per file (reviews).
        needs_data_config: ``model.json`` must carry the ``data`` section (series: the columns and
            the window), which reaches :meth:`DatasetKind.scoring_records` as ``options.data``.
    """

    format: str
    signature: str
    input_names: tuple[str, ...]
    folder_pattern: str
    one_record_per_file: bool = False
    needs_data_config: bool = False


@dataclass(frozen=True)
class EvaluationSplit:
    """One split's examples as the evaluator hands them to :meth:`DatasetKind.baseline_forecasts`.

    Attributes:
        raw: The parsed raw features (raw feature name -> NumPy array, one row per example).
        transformed: The transform graph's outputs for the same examples, in the same order.
    """

    raw: Mapping[str, Any]
    transformed: Mapping[str, Any]


@dataclass(frozen=True)
class BaselineForecasts:
    """Reference forecasts of the test examples, scored by the evaluator beside the model.

    Attributes:
        forecasts: Baseline name -> predictions ``[test examples, outputs]`` in the target's units.
        unavailable: Baseline name -> why it cannot be computed on this data.
        groups: The series each test example belongs to, in order (empty: one series).
        facts: What the baselines were built with (e.g. ``season``), for the report.
    """

    forecasts: Mapping[str, Any]
    unavailable: Mapping[str, str] = dataclasses.field(default_factory=dict)
    groups: tuple[str, ...] = ()
    facts: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class HighwayInputs(NamedTuple):
    """What a linear highway (``models.highway``) may read of a kind's model inputs.

    Attributes:
        channels: Indices of the input channels it reads (empty: the kind's inputs have none).
        lags: Its steps when ``model.highway_lags`` is not set (0: off by default).
        persistence: The position in ``channels`` of the scaled target when the model's label is
            on the same scale (the highway then starts as persistence); None: it starts at zero.
        ridges: The ridge penalties, per train window, that the trainer's closed-form start of
            the highway chooses from on the eval windows (the kind's linear baseline's own).
    """

    channels: tuple[int, ...] = ()
    lags: int = 0
    persistence: int | None = None
    ridges: tuple[float, ...] = (1e-3,)


@dataclass(frozen=True)
class ScoringOptions:
    """How one scoring job reads its input files.

    Attributes:
        whole_file: The file is one record (a folder of reviews).
        text_column: The text field of ``.jsonl`` objects and ``.csv`` rows.
        max_record_bytes: A record (file or line) larger than this is a dead letter.
        data: ``model.json``'s ``data`` section, as JSON (None when the card has none).
    """

    whole_file: bool = False
    text_column: str = "text"
    max_record_bytes: int = 1_000_000
    data: Mapping[str, Any] | None = None


class DatasetKind(abc.ABC):
    """One dataset kind: its config, readers, preprocessing, model head, serving and scoring.

    Subclasses set the class attributes below and implement the abstract methods; the
    optional capabilities have working defaults. A kind object holds no state: every method
    takes the dataset config (an instance of ``DATA_CONFIG``) it needs.

    Attributes:
        name: The kind's name in config files (``kind: imdb``).
        DATA_CONFIG: The frozen dataclass of the ``data:`` section, a :class:`DataConfig` whose
            ``KIND`` is ``name``.
        TASK: What the trainer and tuner fit: ``regression``, ``binary`` or ``multiclass``.
        FEATURES_KEY: The transformed feature the model reads.
        LABEL_KEY: The transformed label.
        SPLITS: The splits example_gen writes, in order.
        TUNER_OBJECTIVE: ``(metric, direction)`` the tuner optimises, or None for the default
            objective of ``TASK``.
        HAS_DEMO: Whether :meth:`write_demo` writes demo data.
        scoring_input: The batch-scoring format the kind reads, or None when it is scored only
            through raw tf.Examples (the kind-agnostic ``examples`` format).
        COUNTED_OUTPUTS: Integer serving outputs, one per record, that a scoring job totals in
            its summary (e.g. the categories a model never saw at train time).
    """

    name: ClassVar[str]
    DATA_CONFIG: ClassVar[type[DataConfig]]
    TASK: ClassVar[str]
    FEATURES_KEY: ClassVar[str]
    LABEL_KEY: ClassVar[str]
    SPLITS: ClassVar[tuple[str, ...]] = SPLITS
    TUNER_OBJECTIVE: ClassVar[tuple[str, str] | None] = None
    HAS_DEMO: ClassVar[bool] = False
    COUNTED_OUTPUTS: ClassVar[tuple[str, ...]] = ()
    scoring_input: ClassVar[ScoringInput | None] = None

    def __init__(self):
        declared = {name for klass in type(self).__mro__ for name in vars(klass)}
        missing = [name for name in REQUIRED_ATTRIBUTES if name not in declared]
        if missing:
            raise TypeError(f"dataset kind {type(self).__name__} does not set {', '.join(missing)}")

    def __repr__(self) -> str:
        return f"<dataset kind {self.name!r}>"

    # ---------------------------------------------------------------- optional capabilities

    @property
    def EVALUATION_TASK(self) -> str:  # noqa: N802 - the name the components have always read
        """What the evaluator measures (``language_model`` for charlm); by default ``TASK``.

        A kind overrides it with a class attribute of the same name.
        """
        return self.TASK

    def train_augmentation(self, cfg: DataConfig, seed: int | None = None) -> Callable | None:
        """A random ``(inputs, labels) -> (inputs, labels)`` batch map for the train split.

        Args:
            cfg: The dataset config.
            seed: Seed of the random draws (None: unseeded).

        Returns:
            The map, or None when the kind has no augmentation or it is turned off (the default).
        """
        return None

    def generation_signatures(self, module, cfg: DataConfig, tft_output) -> dict:
        """Export-only signatures added to ``module`` (``generate`` for charlm).

        Args:
            module: The ``tf.Module`` being exported (tracks ``model`` and ``tft_layer``).
            cfg: The dataset config.
            tft_output: The ``tft.TFTransformOutput`` of the transform graph.

        Returns:
            Signature name to concrete function; by default none (``{}``).
        """
        return {}

    def resolved_config(self, cfg: DataConfig, properties: Mapping[str, Any]) -> DataConfig:
        """The config transform fits the preprocessing with: ``cfg`` completed with what example_gen
        recorded of the data (series: the inferred ``frequency``); by default ``cfg`` unchanged.

        Args:
            cfg: The dataset config.
            properties: The examples artifact's properties.
        """
        return cfg

    def vocabulary(self, tft_output) -> list[str]:
        """The token vocabulary in id order, for kinds whose model reads token ids.

        Raises:
            ValueError: By default: the kind has no token vocabulary.
        """
        raise ValueError(f"the {self.name} dataset kind has no token vocabulary")

    def highway_inputs(self, cfg: DataConfig) -> HighwayInputs:
        """The input channels a linear highway reads and its default lags; by default none (off).

        Args:
            cfg: The dataset config.
        """
        return HighwayInputs()

    def to_original_units(self, predictions, features):
        """Model outputs in the units of the raw target; by default unchanged.

        Args:
            predictions: The model's outputs.
            features: The transformed features of the same examples.
        """
        return predictions

    def baseline_forecasts(self, cfg: DataConfig, examples: Callable[[str], EvaluationSplit],
                           properties: Mapping[str, Any]) -> BaselineForecasts | None:
        """Reference forecasts of the test split, which the model should beat (series: persistence,
        seasonal naive and a linear autoregression).

        Args:
            cfg: The dataset config.
            examples: Split name -> that split's :class:`EvaluationSplit`; ``examples("test")`` is
                in the order the evaluator scores the model in. Called only by kinds that need it.
            properties: The examples artifact's properties (e.g. the recorded ``frequency``).

        Returns:
            The forecasts, or None when the kind has no reference forecasts (the default).
        """
        return None

    def write_demo(self, path: str | os.PathLike) -> None:
        """Writes the kind's demo data to ``path`` (only when ``HAS_DEMO``).

        Raises:
            ValueError: By default: the kind has no demo data.
        """
        raise ValueError(f"the {self.name} dataset kind has no demo data")

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """The records to score in one input file of the kind's ``scoring_input`` format.

        Args:
            path: The file's path, used in ids and messages.
            raw: Its bytes.
            options: How the job reads its files.

        Yields:
            ``("ok", (id, raw input))`` or ``("dead", {"source", "id", "reason"})``.

        Raises:
            ValueError: By default: the kind has no scoring input format.
        """
        raise ValueError(f"the {self.name} dataset kind has no scoring input format; "
                         f"score raw tf.Examples with --format examples")

    def scoring_tensors(self, batch: Sequence[Any], input_names: Sequence[str]) -> dict[str, Any]:
        """A batch of raw inputs from :meth:`scoring_records` as the signature's keyword arguments.

        For a ``generate`` signature only the records' own input (``prompt``) is returned; the
        scorer adds the sampling settings.

        Args:
            batch: The raw inputs (the second element of each ``("ok", (id, raw input))``).
            input_names: The inputs the signature takes.

        Raises:
            ValueError: By default: the kind has no scoring input format.
        """
        raise ValueError(f"the {self.name} dataset kind has no scoring input format")

    def scoring_config(self, data: Mapping[str, Any]) -> DataConfig:
        """The dataset config from a ``model.json`` card's ``data`` section (JSON).

        Fields the config does not have are ignored, lists become tuples, and nested sections
        (``split``, ``augment``) keep their defaults: they do not matter when scoring.
        """
        return self.DATA_CONFIG(**config_fields(self.DATA_CONFIG, data))

    # ---------------------------------------------------------------- readers

    @abc.abstractmethod
    def check_input(self, cfg: DataConfig) -> None:
        """Checks the input before any Beam work, failing early with a clear message.

        Raises:
            DataError: Naming what is wrong and where.
        """

    @abc.abstractmethod
    def input_files(self, cfg: DataConfig) -> list:
        """The local files whose bytes define the input (for the cache key), sorted.

        Raises:
            DataError: If nothing matches ``cfg.path``.
        """

    @abc.abstractmethod
    def read_examples(self, pipeline, cfg: DataConfig):
        """Adds the reading steps to a Beam pipeline.

        Args:
            pipeline: A ``beam.Pipeline`` (or a ``PBegin``).
            cfg: The dataset config (``path`` already resolved).

        Returns:
            ``(examples, dead_letters, read)``: a PCollection of ``(split, serialized
            tf.Example)``, a PCollection of dead-letter dicts, and a one-element PCollection with
            the number of good rows, records or lines read.
        """

    @abc.abstractmethod
    def encode_example(self, features: dict[str, Any]) -> bytes:
        """Serialises one raw example (raw feature name -> value) as a ``tf.train.Example``."""

    @abc.abstractmethod
    def profile(self, feature) -> dict[str, Any]:
        """Facts about one raw example for the statistics component.

        Args:
            feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

        Returns:
            ``label`` (str or None), ``length``, ``missing``, ``values``, ``numeric`` (name ->
            values) and ``tokens`` (list or None).
        """

    # ---------------------------------------------------------------- feature spec, preprocessing

    @abc.abstractmethod
    def raw_feature_spec(self, cfg: DataConfig) -> dict:
        """The ``tf.io`` parsing spec of raw examples."""

    @abc.abstractmethod
    def make_preprocessing_fn(self, cfg: DataConfig) -> Callable:
        """The tf.Transform ``preprocessing_fn``: raw features to ``FEATURES_KEY``, ``LABEL_KEY``, ..."""

    # ---------------------------------------------------------------- model head

    @abc.abstractmethod
    def model_shape(self, cfg: DataConfig, tft_output) -> tuple[list[int], int, int | None]:
        """``(input_shape, outputs, vocabulary_size)``; the size is None without token inputs."""

    @abc.abstractmethod
    def model_io(self, features):
        """Splits parsed transformed features into ``(model inputs, labels)``."""

    @abc.abstractmethod
    def evaluation_targets(self, raw, cfg: DataConfig) -> dict:
        """What the evaluator compares predictions with, from parsed raw test examples."""

    # ---------------------------------------------------------------- serving

    @abc.abstractmethod
    def serving_signatures(self, module, cfg: DataConfig) -> dict:
        """Adds the serving functions to ``module`` (which tracks ``model`` and ``tft_layer``).

        Returns:
            ``{"serving_default": ..., "serving_raw": ...}``.
        """


def config_fields(config_type: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a dataset config from its ``model.json`` form.

    Args:
        config_type: The config dataclass.
        data: Its JSON form (``dataclasses.asdict`` written as JSON).

    Returns:
        Keyword arguments of ``config_type``: known fields only, lists back to tuples, nested
        sections (dicts) left out.
    """
    names = {f.name for f in dataclasses.fields(config_type)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return {k: v for k, v in values.items() if not isinstance(v, dict)}
