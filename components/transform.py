"""transform (tf.Transform on Beam): fit preprocessing on train, apply it to every split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from components.artifacts.example_shards import WriteOrderedSplits
from components.artifacts.examples import split_pattern
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir
from data.contract import DataConfig

NAME = "transform"
INPUTS = ("examples",)
OUTPUTS = ("transform_graph", "transformed_examples")
ANALYZE_BATCH_SIZE = 1000
"""Examples per batch read and fed to tf.Transform: fixed, not tuned by the clock, so its statistics sum the
same batches, with the same rounding, on every run."""
RAW_RECORD = "__raw_record__"
"""The column that carries each raw example through tf.Transform, so its transformed one is ordered by its id."""


@dataclass(frozen=True)
class TransformParams(DatasetParams):
    """Parameters of transform.

    Attributes:
        data: The dataset config; its kind provides the raw spec and ``make_preprocessing_fn``.
        num_shards: TFRecord shards per transformed split.
        beam_args: Beam pipeline options.
        seed: Seeds the order and sharding of the transformed examples, as example_gen's does.
    """

    data: DataConfig
    num_shards: int = 2
    beam_args: tuple[str, ...] = ()
    seed: int = 0


def run(inputs: Mapping[str, Artifact], params: TransformParams, out: OutputDir) -> dict[str, Artifact]:
    """Analyses the train split and transforms every split.

    Args:
        inputs: ``examples`` from example_gen.
        params: Dataset kind and Beam options.
        out: Where to write.

    Returns:
        ``transform_graph`` (``transform_fn/``, ``transformed_metadata/``: load with
        ``tft.TFTransformOutput``) and ``transformed_examples`` (``Split-<name>/*.tfrecord.gz``).
    """
    import apache_beam as beam
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import schema_utils
    from tfx_bsl.public import tfxio

    from components.beam_options import pipeline_options

    kind = params.kind
    examples = inputs["examples"]
    splits = list(examples.properties.get("splits", kind.SPLITS))
    graph_dir = out.artifact_dir("transform_graph")
    transformed_dir = out.artifact_dir("transformed_examples")
    data = kind.resolved_config(params.data, examples.properties)  # e.g. a series' inferred frequency
    schema = schema_utils.schema_from_feature_spec(kind.raw_feature_spec(data))
    options = pipeline_options(params.beam_args)
    with beam.Pipeline(options=options) as pipeline:
        # Fixed batch sizes: Beam's adaptive batching follows the clock, and the analyzers' float sums follow it.
        with tft_beam.Context(temp_dir=str(out.scratch / "tft_tmp"), desired_batch_size=ANALYZE_BATCH_SIZE,
                              passthrough_keys={RAW_RECORD}, force_tf_compat_v1=False):
            sources = {}
            for split in splits:
                record = tfxio.TFExampleRecord(file_pattern=split_pattern(examples, split), schema=schema,
                                               raw_record_column_name=RAW_RECORD, telemetry_descriptors=["rnnpipe"])
                sources[split] = (pipeline | f"Read{split}" >> record.BeamSource(ANALYZE_BATCH_SIZE),
                                  record.TensorAdapterConfig())
            transform_fn = (sources["train"] | "Analyze" >> tft_beam.AnalyzeDataset(
                kind.make_preprocessing_fn(data)))
            _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(str(graph_dir))
            encoded = []
            for split in splits:
                transformed, metadata = ((sources[split], transform_fn)
                                         | f"Transform{split}" >> tft_beam.TransformDataset(
                                             output_record_batches=True))
                encoded.append(transformed | f"Encode{split}" >> beam.FlatMap(
                    encode_batch, split, metadata.dataset_metadata.schema))
            # TransformDataset's output order depends on the runner: each example is written where its raw
            # record's id puts it (its transformed values can round differently on another runner).
            _ = (encoded | "AllSplits" >> beam.Flatten()
                 | "WriteSplits" >> WriteOrderedSplits(str(transformed_dir), splits, params.num_shards, params.seed))
    return {
        "transform_graph": out.artifact("transform_graph", "TransformGraph"),
        # What example_gen found of the data (e.g. a series' inferred frequency) goes along, for the
        # components that read the transformed examples (kind.resolved_config).
        "transformed_examples": out.artifact("transformed_examples", "Examples",
                                             **{**examples.properties, "splits": splits,
                                                "counts": dict(examples.properties.get("counts", {}))}),
    }


def encode_batch(transformed, split: str, schema):
    """A transformed record batch to ``(split, serialized tf.Example, raw record)`` triples.

    Args:
        transformed: ``(record batch, passthrough)`` from ``TransformDataset``; the batch carries the
            raw records in its ``RAW_RECORD`` column.
        split: The split's name.
        schema: The transformed schema.
    """
    from tfx_bsl.coders import example_coder

    batch, _ = transformed
    raw = batch.column(batch.schema.get_field_index(RAW_RECORD)).to_pylist()
    features = batch.drop_columns([RAW_RECORD]) if RAW_RECORD in batch.schema.names else batch
    encoded = example_coder.RecordBatchToExamplesEncoder(schema).encode(features)
    return [(split, example, record[0]) for example, record in zip(encoded, raw)]


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=TransformParams, run=run)
