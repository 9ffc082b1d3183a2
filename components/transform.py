"""transform (tf.Transform on Beam): fit preprocessing on train, apply it to every split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from components.artifacts.examples import EXAMPLE_FILE_SUFFIX, split_pattern, split_prefix
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir
from data.contract import DataConfig

NAME = "transform"
INPUTS = ("examples",)
OUTPUTS = ("transform_graph", "transformed_examples")


@dataclass(frozen=True)
class TransformParams(DatasetParams):
    """Parameters of transform.

    Attributes:
        data: The dataset config; its kind provides the raw spec and ``make_preprocessing_fn``.
        num_shards: TFRecord shards per transformed split.
        beam_args: Beam pipeline options.
    """

    data: DataConfig
    num_shards: int = 2
    beam_args: tuple[str, ...] = ()


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
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from apache_beam.io.filesystem import CompressionTypes
    from tensorflow_transform.tf_metadata import schema_utils
    from tfx_bsl.public import tfxio

    from components.beam_options import pipeline_options

    kind = params.kind
    examples = inputs["examples"]
    splits = list(examples.properties.get("splits", kind.SPLITS))
    graph_dir = out.artifact_dir("transform_graph")
    transformed_dir = out.artifact_dir("transformed_examples")
    schema = schema_utils.schema_from_feature_spec(kind.raw_feature_spec(params.data))
    options = pipeline_options(params.beam_args)
    with beam.Pipeline(options=options) as pipeline:
        with tft_beam.Context(temp_dir=str(out.scratch / "tft_tmp"), force_tf_compat_v1=False):
            sources = {}
            for split in splits:
                record = tfxio.TFExampleRecord(file_pattern=split_pattern(examples, split), schema=schema,
                                               telemetry_descriptors=["rnnpipe"])
                sources[split] = (pipeline | f"Read{split}" >> record.BeamSource(), record.TensorAdapterConfig())
            transform_fn = (sources["train"] | "Analyze" >> tft_beam.AnalyzeDataset(
                kind.make_preprocessing_fn(params.data)))
            _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(str(graph_dir))
            for split in splits:
                transformed, metadata = ((sources[split], transform_fn)
                                         | f"Transform{split}" >> tft_beam.TransformDataset(
                                             output_record_batches=False))
                coder = tft.coders.ExampleProtoCoder(metadata.dataset_metadata.schema)
                _ = (transformed
                     | f"Encode{split}" >> beam.Map(coder.encode)
                     | f"Write{split}" >> beam.io.WriteToTFRecord(
                         split_prefix(transformed_dir, split), file_name_suffix=EXAMPLE_FILE_SUFFIX,
                         num_shards=params.num_shards, compression_type=CompressionTypes.GZIP))
    return {
        "transform_graph": out.artifact("transform_graph", "TransformGraph"),
        "transformed_examples": out.artifact("transformed_examples", "Examples", splits=splits,
                                             counts=dict(examples.properties.get("counts", {}))),
    }


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=TransformParams, run=run)
