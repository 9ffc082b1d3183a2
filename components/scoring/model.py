"""Which exported version a job scores with, and whether it fits the input format.

Everything here reads ``model.json`` and ``saved_model.pb`` only, on any Beam file system; the
model itself is loaded later, once per worker (or by :func:`load_checked`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from apache_beam.io.filesystems import FileSystems

from components.artifacts.serving import MODEL_CARD_FILE, SAVED_MODEL_FILE, VARIABLES_INDEX, version_numbers
from components.scoring import formats
from components.scoring.paths import join, read_bytes, split_path
from components.scoring.params import ScoringError

@dataclass(frozen=True)
class ServedModel:
    """An exported version, checked against the input format.

    Attributes:
        path: The version folder.
        name: The model name.
        version: The version number.
        card: Its ``model.json``.
        signature: The signature to call.
        inputs: The signature's input names.
        outputs: Output name to per-record width (0 for a scalar, None when unknown).
    """

    path: str
    name: str
    version: int
    card: Mapping[str, Any]
    signature: str
    inputs: tuple[str, ...]
    outputs: Mapping[str, int | None] = field(default_factory=dict)


def versions_of(model_dir: str) -> list[int]:
    """The complete versions of a model (integer folders with a ``saved_model.pb`` and a
    ``variables/variables.index``), oldest first.

    :class:`components.artifacts.serving.ServingFolder` lists local folders only; a job may score
    from ``gs://`` and other Beam file systems, so this is the one remote-capable listing. It
    applies the serving folder's rule for version names
    (:func:`~components.artifacts.serving.version_numbers`) and the two files of its loadable
    rule that one listing each can see (the variables' shard count is not checked remotely).
    """
    def holding(relative: str) -> set[int]:
        matches = FileSystems.match([join(model_dir, "*", relative)])[0].metadata_list
        depth = relative.count("/") + 1
        folders = []
        for match in matches:
            path = match.path
            for _ in range(depth):
                path = split_path(path)[0]
            folders.append(split_path(path)[1])
        return set(version_numbers(folders))
    return sorted(holding(SAVED_MODEL_FILE) & holding(VARIABLES_INDEX.as_posix()))


def resolve_version(spec: str) -> str:
    """The version folder ``--model`` names: the newest under ``NAME``, or exactly ``NAME/VERSION``.

    Works on local paths and on any Beam file system.

    Raises:
        ScoringError: If the folder, or the pinned version, does not exist.
    """
    spec = spec.rstrip("/")
    parent, name = split_path(spec)
    if name.isdigit():
        if FileSystems.exists(join(spec, SAVED_MODEL_FILE)):
            return spec
        available = versions_of(parent)
        raise ScoringError(f"--model {spec}: version {name} not found; versions in {parent}: {available or 'none'}")
    available = versions_of(spec)
    if available:
        return join(spec, str(available[-1]))
    if not FileSystems.exists(spec):
        raise ScoringError(f"--model {spec}: no such folder (give SERVING_DIR/NAME or SERVING_DIR/NAME/VERSION)")
    raise ScoringError(f"--model {spec}: no versions (<n>/saved_model.pb) in this folder; "
                       f"is it an rnnpipe serving folder?")


def signature_defs(path: str) -> Mapping[str, Any]:
    """The callable signatures of a SavedModel (``SignatureDef`` protos by name), read from
    ``saved_model.pb`` without loading the model.

    Raises:
        ScoringError: If ``saved_model.pb`` is missing or cannot be parsed.
    """
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import saved_model_pb2

    proto_path = join(path, SAVED_MODEL_FILE)
    if not FileSystems.exists(proto_path):
        raise ScoringError(f"{path}: cannot load the SavedModel: no saved_model.pb")
    saved_model = saved_model_pb2.SavedModel()
    try:
        saved_model.ParseFromString(read_bytes(proto_path))
    except (DecodeError, OSError) as error:
        raise ScoringError(f"{path}: cannot load the SavedModel: saved_model.pb is corrupt ({error})") from error
    if not saved_model.meta_graphs:
        raise ScoringError(f"{path}: cannot load the SavedModel: saved_model.pb holds no graph")
    return {name: definition for name, definition in saved_model.meta_graphs[0].signature_def.items()
            if not name.startswith("__saved_model_")}  # the init op, not a signature to call


def output_width(info) -> int | None:
    """The per-record width of a ``TensorInfo``: 0 for a scalar, None when unknown."""
    dims = info.tensor_shape.dim
    if len(dims) < 2:
        return 0
    return dims[1].size if dims[1].size >= 0 else None


def signature_io(definition) -> tuple[tuple[str, ...], dict[str, int | None]]:
    """A ``SignatureDef``'s sorted input names and its outputs' per-record widths."""
    return (tuple(sorted(definition.inputs)),
            {output: output_width(info) for output, info in sorted(definition.outputs.items())})


def read_signatures(path: str) -> dict[str, tuple[tuple[str, ...], dict[str, int | None]]]:
    """The signatures of a SavedModel, read from ``saved_model.pb`` without loading the model.

    Returns:
        Signature name -> (sorted input names, output name -> width per record: 0 for a scalar,
        ``None`` when unknown).

    Raises:
        ScoringError: If ``saved_model.pb`` is missing or cannot be parsed.
    """
    return {name: signature_io(definition) for name, definition in signature_defs(path).items()}


def read_card(path: str) -> dict[str, Any]:
    """The ``model.json`` card of a version folder.

    Raises:
        ScoringError: If there is none (not an rnnpipe SavedModel).
    """
    card_path = join(path, MODEL_CARD_FILE)
    if not FileSystems.exists(card_path):
        raise ScoringError(f"{path}: not an rnnpipe SavedModel (no model.json)")
    return json.loads(read_bytes(card_path))


def check_kind(path: str, card: Mapping[str, Any], fmt: formats.InputFormat) -> None:
    """Checks that the model's dataset kind (and its card) fit ``fmt``.

    Raises:
        ScoringError: Naming the kind the format needs and the one the model is.
    """
    if fmt.kind is not None and card.get("kind") != fmt.kind.name:
        if fmt.generates:
            raise ScoringError(f"{path}: text generation ({fmt.input.signature}, --format {fmt.name}) needs a "
                               f"{fmt.kind.name} model, this one is {card.get('kind')!r}")
        raise ScoringError(f"{path}: --format {fmt.name} needs a {fmt.kind.name} model, "
                           f"this one is {card.get('kind')!r} (use --format examples for raw tf.Examples)")
    if fmt.input.needs_data_config and not card.get("data"):
        raise ScoringError(f"{path}: model.json has no data section (columns, window); re-export it with "
                           f"this rnnpipe, or score raw tf.Examples with --format examples")


def inspect_model(spec: str, input_format: str | formats.InputFormat) -> ServedModel:
    """Resolves the version and checks that it is an rnnpipe SavedModel that fits ``input_format``.

    Reads the model card and the signature definitions only; the model itself is loaded later,
    once per worker.

    Args:
        spec: ``--model``: ``SERVING_DIR/NAME`` or ``SERVING_DIR/NAME/VERSION``.
        input_format: The format (or its name) the model must score.

    Raises:
        ScoringError: Naming what does not fit.
    """
    try:
        fmt = formats.input_format(input_format) if isinstance(input_format, str) else input_format
    except ValueError as error:
        raise ScoringError(str(error)) from None
    path = resolve_version(spec)
    card = read_card(path)
    check_kind(path, card, fmt)
    signature = fmt.input.signature
    definitions = signature_defs(path)
    if signature not in definitions:
        raise ScoringError(f"{path}: no {signature!r} signature (has {sorted(definitions)}) "
                           f"for --format {fmt.name}")
    inputs, outputs = signature_io(definitions[signature])
    missing = set(fmt.input.input_names) - set(inputs)
    if missing:
        raise ScoringError(f"{path}: signature {signature!r} takes {list(inputs)}, not {sorted(missing)}, "
                           f"so it cannot score --format {fmt.name}")
    parent, version = split_path(path)
    return ServedModel(path, card.get("model_name", split_path(parent)[1]), int(version), card, signature, inputs,
                       outputs)


def load_checked(spec: str, input_format: str | formats.InputFormat) -> tuple[ServedModel, Any]:
    """:func:`inspect_model`, also returning the loaded SavedModel (keep it alive while calling
    its signatures).

    Raises:
        ScoringError: Naming what does not fit, or if the SavedModel cannot be loaded.
    """
    model = inspect_model(spec, input_format)
    import tensorflow as tf

    try:
        return model, tf.saved_model.load(model.path)
    except (OSError, ValueError, tf.errors.OpError) as error:
        raise ScoringError(f"{model.path}: cannot load the SavedModel: {error}") from error
