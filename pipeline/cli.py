"""The ``rnnpipe`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Sequence

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DATA, EXIT_NOT_BLESSED, EXIT_LOCKED = 0, 1, 2, 3, 4, 5
DEFAULT_ROOT = "rnnpipe_root"

DESCRIPTION = """\
rnnpipe: a batch pipeline for recurrent sequence models (Beam, tf.Transform, Keras 3).

Each run goes example_gen -> statistics -> transform -> [tuner ->] trainer -> evaluator -> exporter.
Outputs live under the pipeline root (--root): artifacts/, the run store runs.sqlite, schema/
(the data schema that new data is validated against; the first run infers it) and serving/,
where blessed models are published as <model_name>/<version>/ for TensorFlow Serving.
A component whose code, params and inputs are unchanged is reused from cache. A data.path with
{SPAN} or {YYYY}{MM}{DD} reads the latest span (or spans.first..spans.last).
"""

EPILOG = """\
examples:
  rnnpipe demo                                   # sine-wave demo, no data needed (< 2 min)
  rnnpipe run pipeline/configs/timeseries.yaml --data-dir ../shared/datasets
  rnnpipe run CONFIG.yaml --set trainer.epochs=1 --set data.max_examples=2000 --json
  rnnpipe run CONFIG.yaml -- --runner=DirectRunner --direct_running_mode=multi_processing
  rnnpipe run CONFIG.yaml --until statistics     # ingest and validate only
  rnnpipe run CONFIG.yaml --accept-schema        # new data changed on purpose: store its schema
  rnnpipe run CONFIG.yaml --set tuner.enabled=true        # KerasTuner search before training
  rnnpipe run CONFIG.yaml --set tuner.enabled=true --tuner-role chief --chief-address 0.0.0.0:8470
  rnnpipe tune-worker CONFIG.yaml --chief HOST:8470 --worker-id 1   # one per GPU or host
  rnnpipe score --model ROOT/serving/NAME --input DATA --output OUT --format reviews   # batch scoring
  rnnpipe generate --model ROOT/serving/charlm --prompt "The " --length 200 --temperature 0.8   # text
  rnnpipe gc --keep-runs 10 --keep-versions 5 --dry-run   # what retention would delete
  rnnpipe runs                                   # past runs, newest first
  rnnpipe runs show RUN_ID

exit codes:
  0  success (or nothing new to do)
  1  other error
  2  usage or config error (the message names the file and the key)
  3  data error: missing input, bad records over the error budget, empty split, or data validation
     failed against the schema (the report is in ROOT/schema/NAME/; --accept-schema accepts the change)
  4  model not blessed (nothing was pushed)
  5  the pipeline root is locked by another run
"""


SCORE_EPILOG = """\
examples:
  rnnpipe score --model rnnpipe_root/serving/imdb --input reviews/ --output scored/2026-11-23 --format reviews
  rnnpipe score --model rnnpipe_root/serving/mnist/3 --input digits.npz --output out --format images --output-format csv
  rnnpipe score --model rnnpipe_root/serving/sine --input 'series/*.csv' --output out --format series
  rnnpipe score --model M --input 'examples/*.gz' --output out --format examples -- --runner=DataflowRunner ...
  rnnpipe score --model rnnpipe_root/serving/charlm --input prompts.txt --output out --format prompts \
      --gen-length 300 --temperature 0.8 --seed 7        # charlm: text after each prompt (one per line)

exit codes: 0 scored and published; 2 the model, format or output folder does not fit (nothing ran);
3 no input, or dead letters over --max-error-rate (nothing published); 1 other error
"""

GENERATE_EPILOG = """\
examples:
  rnnpipe generate --model rnnpipe_root/serving/charlm --prompt "The pipeline " --length 300 --temperature 0.7
  rnnpipe generate --model rnnpipe_root/serving/charlm/2 --prompt "" --length 100 --seed 7 --json

The model's generate signature samples inside the SavedModel: the prompt's last `window` characters
(left-padded like the start of a training text when shorter) feed the model, each next character is
drawn from its softmax at --temperature with a stateless generator seeded by --seed, and the window
slides. The same prompt, length, temperature and seed give the same text; without --seed a random
one is drawn and reported (stderr; "seed" in --json). Prints the prompt and its continuation, or with
--json one JSON object: model, version, model_path, prompt, generated, length, temperature, seed,
seconds, characters_per_second.

exit codes: 0 generated; 2 a bad argument, or --model is not a folder of rnnpipe versions, not a
charlm model or has no generate signature; 1 other error
"""

GENERATED_DEFAULT_LENGTH = 200
PROMPTS_BATCH_SIZE = 16  # generation runs the model once per character for every row of a padded batch


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="rnnpipe", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="log lines as text (default) or one JSON object per line")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add_run_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--root", default=os.environ.get("RNNPIPE_ROOT", DEFAULT_ROOT),
                         help=f"pipeline root: artifacts, run store, serving dir (default: $RNNPIPE_ROOT or ./{DEFAULT_ROOT})")
        sub.add_argument("--data-dir", help="directory that relative data paths in the config resolve against "
                                            "(default: the current directory)")
        sub.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                         help="override a config key, e.g. --set trainer.epochs=1 (repeatable)")
        sub.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
        sub.add_argument("--accept-schema", action="store_true",
                         help="store this data's schema even where the data breaks the current one "
                              "(same as --set validation.accept_new_schema=true)")
        sub.add_argument("--until", metavar="COMPONENT",
                         help="stop after this component, e.g. --until statistics to ingest and validate only")

    run = commands.add_parser("run", help="run the pipeline described by a YAML config",
                              description="Run the pipeline of CONFIG. Beam pipeline options go after '--'.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("config", help="YAML config, e.g. pipeline/configs/timeseries.yaml")
    demo = commands.add_parser("demo", help="run the sine-wave demo on generated data (no data needed)",
                               description="Generate a noisy sine wave and run the whole pipeline on it: "
                                           "a window of 20 steps predicts the next value.",
                               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    for pipeline_command in (run, demo):
        add_run_options(pipeline_command)
        add_tuner_role_options(pipeline_command)
    worker = commands.add_parser(
        "tune-worker", help="run tuning trials for a chief (rnnpipe run --tuner-role chief)",
        description="Join a distributed KerasTuner search as one worker. Give the same CONFIG, --set "
                    "overrides, --root and --data-dir as the chief: the worker waits until the chief's run "
                    "has finished transform, then runs trials in the chief's search directory (shared "
                    "storage when on several hosts) until the chief's budget is spent. On a machine "
                    "with several GPUs, start one worker per GPU with CUDA_VISIBLE_DEVICES=N.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    worker.add_argument("config", help="the chief's YAML config")
    add_run_options(worker)
    worker.add_argument("--chief", required=True, metavar="HOST:PORT", help="the chief's --chief-address")
    worker.add_argument("--worker-id", required=True, type=int, metavar="N",
                        help="this worker's number, unique within the search (0, 1, ...)")
    worker.add_argument("--wait-seconds", type=float, default=3600.0,
                        help="how long to wait for the chief's run to reach the tuner (default 3600)")
    score = commands.add_parser(
        "score", help="batch-score new data with an exported model (Beam RunInference)",
        description="Score new records with a version from the serving folder, on Beam RunInference. "
                    "Writes OUTPUT/predictions/part-*.{jsonl,csv} (one row per record: id, model, version, "
                    "predictions), OUTPUT/dead_letter/ (bad records with the reason), summary.json and "
                    "_SUCCESS. OUTPUT appears only when the job succeeds. Beam options go after '--'.",
        epilog=SCORE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    score.add_argument("--model", required=True, metavar="SERVING_DIR/NAME[/VERSION]",
                       help="the newest version of NAME, or exactly VERSION")
    score.add_argument("--input", required=True, metavar="PATTERN",
                       help="a file, a glob, or a folder (of .txt reviews, .png images, .csv series, TFRecords, "
                            ".txt prompts)")
    score.add_argument("--output", required=True, metavar="DIR", help="folder to create (must not exist or be empty)")
    score.add_argument("--format", required=True, choices=("reviews", "images", "series", "examples", "prompts"),
                       help="reviews: .txt folder, .txt/.jsonl one per line, .csv with --text-column; images: IDX, "
                            "npz or a folder of 28x28 grey PNGs; series: CSV scored as rolling windows; examples: "
                            "TFRecords of raw tf.Examples (serving_default); prompts (charlm models): a .txt with "
                            "one prompt per line or .jsonl with --text-column, rows {id, model, version, prompt, "
                            "generated}")
    score.add_argument("--output-format", choices=("jsonl", "csv"), default="jsonl", help="default jsonl")
    score.add_argument("--text-column", default="text", help="review or prompt field of .jsonl/.csv input "
                                                             "(default text)")
    score.add_argument("--batch-size", type=int, default=None,
                       help=f"most records per model call (default 256; {PROMPTS_BATCH_SIZE} for prompts, since "
                            f"every call is padded to the full batch and each padded row is generated too)")
    score.add_argument("--gen-length", type=int, default=None, metavar="N",
                       help=f"prompts: characters to generate per prompt (default {GENERATED_DEFAULT_LENGTH})")
    score.add_argument("--temperature", type=float, default=None,
                       help="prompts: sampling temperature, > 0 (default 1.0; lower is more conservative)")
    score.add_argument("--seed", type=int, default=None,
                       help="prompts: sampling seed (default 0: a job is reproducible)")
    score.add_argument("--max-error-rate", type=float, default=0.0,
                       help="fail (exit 3, nothing published) when more than this fraction of records are "
                            "dead letters (default 0)")
    score.add_argument("--num-shards", type=int, default=0, help="output shards (default: the runner decides)")
    score.add_argument("--max-record-bytes", type=int, default=1_000_000,
                       help="a review or tf.Example larger than this is a dead letter (default 1000000)")
    score.add_argument("--json", action="store_true", help="print the JSON summary as the last line")
    generate = commands.add_parser(
        "generate", help="generate text with an exported charlm model",
        description="Continue a prompt with the generate signature of a charlm version from the serving folder.",
        epilog=GENERATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    generate.add_argument("--model", required=True, metavar="SERVING_DIR/NAME[/VERSION]",
                          help="the newest version of NAME, or exactly VERSION")
    generate.add_argument("--prompt", required=True, help="text to continue; may be empty (\"\") to start a text")
    generate.add_argument("--length", type=int, default=GENERATED_DEFAULT_LENGTH,
                          help=f"characters to generate (default {GENERATED_DEFAULT_LENGTH})")
    generate.add_argument("--temperature", type=float, default=1.0,
                          help="> 0; divides the logits: lower is more conservative, higher more varied (default 1.0)")
    generate.add_argument("--seed", type=int, default=None, help="sampling seed (default: a random one, reported)")
    generate.add_argument("--json", action="store_true", help="print one JSON object instead of the text")
    gc = commands.add_parser(
        "gc", help="delete old artifacts and serving versions that nothing kept depends on",
        description="Keep the artifacts of the newest --keep-runs runs, every artifact they or a kept serving "
                    "version were made from, and the newest --keep-versions versions of each served model "
                    "(never fewer than the newest one); delete the rest. Waits for the root lock like a run. "
                    "Scratch folders (resume state of killed runs) are left alone.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    gc.add_argument("--root", default=os.environ.get("RNNPIPE_ROOT", DEFAULT_ROOT), help="pipeline root")
    gc.add_argument("--keep-runs", type=int, default=10, help="newest runs whose artifacts stay (default 10)")
    gc.add_argument("--keep-versions", type=int, default=5, help="serving versions kept per model (default 5)")
    gc.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    gc.add_argument("--lock-timeout", type=float, default=0.0, help="seconds to wait for a running pipeline")
    gc.add_argument("--json", action="store_true", help="print the plan as JSON")
    runs = commands.add_parser("runs", help="list past runs, or show one: runs show RUN_ID")
    runs.add_argument("action", nargs="?", choices=("list", "show"), default="list")
    runs.add_argument("run_id", nargs="?")
    runs.add_argument("--root", default=os.environ.get("RNNPIPE_ROOT", DEFAULT_ROOT), help="pipeline root")
    runs.add_argument("--json", action="store_true", help="print JSON")
    return parser


def add_tuner_role_options(sub: argparse.ArgumentParser) -> None:
    """``--tuner-role`` and ``--chief-address``, for commands that run the whole pipeline."""
    sub.add_argument("--tuner-role", choices=("local", "chief"), default="local",
                     help="local: the tuner searches in this process (default); chief: it serves the "
                          "KerasTuner oracle on --chief-address and waits for tune-worker processes")
    sub.add_argument("--chief-address", default="127.0.0.1:8470", metavar="HOST:PORT",
                     help="where the chief's oracle listens (default 127.0.0.1:8470; 0.0.0.0:PORT for other hosts)")


class JsonFormatter(logging.Formatter):
    """One JSON object per log record."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": round(record.created, 3), "level": record.levelname,
                           "logger": record.name, "message": record.getMessage()})


def configure_logging(log_format: str) -> None:
    """Sends rnnpipe's logs to stderr, and quiets TensorFlow's C++ logs."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    rnnpipe = logging.getLogger("rnnpipe")
    rnnpipe.handlers[:] = [handler]
    rnnpipe.setLevel(logging.INFO)
    rnnpipe.propagate = False


def split_beam_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Splits the command line at ``--``: rnnpipe's arguments, then Beam's."""
    argv = list(argv)
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1:]
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rnnpipe`` console script. Returns the exit code."""
    own, beam_args = split_beam_args(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(own)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    configure_logging(args.log_format)
    if args.command == "runs":
        return show_runs(args)
    if args.command == "tune-worker":
        return worker_command(args, beam_args)
    if args.command == "score":
        return score_command(args, beam_args)
    if args.command == "generate":
        return generate_command(args)
    if args.command == "gc":
        return gc_command(args)
    return run_command(args, beam_args)


def run_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe run`` and ``rnnpipe demo``: validate, lock, execute, summarise."""
    from data.errors import DataError
    from pipeline.config import ConfigError
    from pipeline.lock import LockedError

    log = logging.getLogger("rnnpipe")
    try:
        summary = run_pipeline(args, beam_args)
    except ConfigError as error:
        return fail(args, EXIT_USAGE, "config error", error)
    except DataError as error:
        return fail(args, EXIT_DATA, "data error", error)
    except LockedError as error:
        return fail(args, EXIT_LOCKED, "locked", error)
    except FileNotFoundError as error:
        return fail(args, EXIT_DATA, "missing file", error)
    except Exception as error:  # the run store has the details; the user gets one line and the code
        log.exception("run failed")
        return fail(args, EXIT_ERROR, "error", error)
    print_summary(summary, args.json)
    if getattr(args, "until", None) not in (None, "exporter"):  # stopped before the blessing mattered
        return EXIT_OK
    return EXIT_OK if summary["blessed"] or summary["pushed_version"] is not None else EXIT_NOT_BLESSED


def worker_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe tune-worker``: wait for the chief's transform, then run trials until the search ends."""
    from components import tuner
    from data.errors import DataError
    from pipeline.config import ConfigError, load_config, resolve_paths, with_tuner_role
    from pipeline.runner import cached_inputs, scratch_dir
    from pipeline.store import STORE_FILE, RunStore

    log = logging.getLogger("rnnpipe")
    root = Path(args.root)
    try:
        cfg = with_tuner_role(resolve_paths(load_config(args.config, args.overrides), args.data_dir, root),
                              "chief", args.chief)
    except ConfigError as error:
        return fail(args, EXIT_USAGE, "config error", error)
    if args.worker_id < 0:
        return fail(args, EXIT_USAGE, "usage error", ValueError("--worker-id must be >= 0"))
    try:
        nodes, _ = plan_dag(cfg, beam_args)
    except DataError as error:
        return fail(args, EXIT_DATA, "data error", error)
    deadline = time.monotonic() + args.wait_seconds
    found = None
    while found is None:
        if Path(root, STORE_FILE).exists():
            found = cached_inputs(nodes, RunStore(root), tuner.NAME)
        if found is None:
            if time.monotonic() > deadline:
                return fail(args, EXIT_ERROR, "timeout", TimeoutError(
                    f"the chief's run in {root} did not reach the tuner within {args.wait_seconds:.0f}s"))
            log.info("waiting for the chief's run in %s to finish transform", root)
            time.sleep(2.0)
    inputs, key = found
    directory = scratch_dir(root, tuner.NAME, key) / "tuning"
    params = next(node.params for node in nodes if node.name == tuner.NAME)
    log.info("worker %d joining the search at %s (directory %s)", args.worker_id, args.chief, directory)
    try:
        trials = tuner.work(inputs, params, directory, args.worker_id)
    except Exception as error:  # one line and the code; the traceback is logged
        log.exception("worker failed")
        return fail(args, EXIT_ERROR, "error", error)
    log.info("worker %d done: %d trials", args.worker_id, trials)
    if args.json:
        print(json.dumps({"status": "complete", "worker_id": args.worker_id, "trials": trials}))
    return EXIT_OK


def score_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe score``: check the model and input, run the scoring job, print the summary."""
    from components.bulk_inferrer import BulkInferrerParams, ScoringError
    from components.bulk_inferrer import run as score
    from data.errors import DataError

    log = logging.getLogger("rnnpipe")
    try:
        batch_size = args.batch_size or (PROMPTS_BATCH_SIZE if args.format == "prompts" else 256)
        params = BulkInferrerParams(args.model, args.input, args.output, args.format, args.output_format,
                                    args.text_column, batch_size, args.max_error_rate, args.num_shards,
                                    tuple(beam_args), args.max_record_bytes, generation_settings(args))
        summary = score(params)
    except ScoringError as error:
        return fail(args, EXIT_USAGE, "scoring error", error)
    except (DataError, FileNotFoundError) as error:
        return fail(args, EXIT_DATA, "data error", error)
    except Exception as error:  # one line and the code; the traceback is logged
        log.exception("scoring failed")
        return fail(args, EXIT_ERROR, "error", error)
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"scored {summary['scored']} records ({summary['dead_letters']} dead letters) with "
              f"{summary['model_name']} version {summary['model_version']} in {summary['seconds']:.1f}s: "
              f"{summary['output']}")
    return EXIT_OK


def generation_settings(args: argparse.Namespace):
    """``score``'s --gen-length, --temperature and --seed, or None when none was given.

    Raises:
        ScoringError: If a value is out of range.
    """
    from components.bulk_inferrer import GenerationSettings

    given = {name: value for name, value in (("length", args.gen_length), ("temperature", args.temperature),
                                             ("seed", args.seed)) if value is not None}
    return GenerationSettings(**given) if given else None


def generate_command(args: argparse.Namespace) -> int:
    """``rnnpipe generate``: check the arguments and the model, generate, print the text or JSON."""
    from components.bulk_inferrer import GenerationSettings, ScoringError, generate

    log = logging.getLogger("rnnpipe")
    seed = args.seed if args.seed is not None else secrets.randbelow(2 ** 31)
    try:
        result = generate(args.model, args.prompt, GenerationSettings(args.length, args.temperature, seed))
    except ScoringError as error:
        return fail(args, EXIT_USAGE, "generate error", error)
    except Exception as error:  # one line and the code; the traceback is logged
        log.exception("generation failed")
        return fail(args, EXIT_ERROR, "error", error)
    if args.seed is None:
        log.info("seed %d (pass --seed %d to get this text again)", seed, seed)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(result["prompt"] + result["generated"])
    return EXIT_OK


def gc_command(args: argparse.Namespace) -> int:
    """``rnnpipe gc``: plan the collection under the root lock, print it, and apply it unless --dry-run."""
    from pipeline.gc import apply_gc, plan_gc
    from pipeline.lock import LockedError, root_lock
    from pipeline.store import STORE_FILE

    root = Path(args.root)
    if not (root / STORE_FILE).is_file():
        return fail(args, EXIT_USAGE, "usage error", FileNotFoundError(f"{root} is not a pipeline root (no {STORE_FILE})"))
    try:
        with root_lock(root, args.lock_timeout):
            plan = plan_gc(root, args.keep_runs, args.keep_versions)
            if not args.dry_run:
                apply_gc(plan)
    except ValueError as error:
        return fail(args, EXIT_USAGE, "usage error", error)
    except LockedError as error:
        return fail(args, EXIT_LOCKED, "locked", error)
    summary = {"status": "dry-run" if args.dry_run else "complete", **plan.summary()}
    if args.json:
        print(json.dumps(summary))
    else:
        verb = "would delete" if args.dry_run else "deleted"
        for path in [*plan.artifact_dirs, *plan.versions]:
            print(f"{verb}: {path}")
        print(f"{verb} {len(plan.artifact_dirs)} artifact folder(s) and {len(plan.versions)} serving version(s), "
              f"{plan.bytes / 1e6:.1f} MB; kept the artifacts of {len(plan.kept_runs)} run(s)")
    return EXIT_OK


def fail(args: argparse.Namespace, code: int, what: str, error: Exception) -> int:
    """Prints a one-line error (and a JSON summary with --json); returns ``code``."""
    print(f"rnnpipe: {what}: {error}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"status": "failed", "exit_code": code, "error": f"{what}: {error}"}))
    return code


def run_pipeline(args: argparse.Namespace, beam_args: list[str]) -> dict:
    """Loads the config, takes the root lock, runs the DAG and records the run.

    Returns:
        The run summary (see the README).
    """
    from pipeline.config import bundled_config, load_config, resolve_paths, with_tuner_role
    from pipeline.lock import root_lock
    from pipeline.runner import execute, recover_interrupted
    from pipeline.store import RunStore

    root = Path(args.root)
    data_dir = args.data_dir
    if args.command == "demo":
        config_path = bundled_config("demo")
        data_dir = data_dir or str(root / "demo_data")
    else:
        config_path = Path(args.config)
    overrides = [*args.overrides, *(["validation.accept_new_schema=true"] if args.accept_schema else [])]
    cfg = resolve_paths(load_config(config_path, overrides), data_dir, root)
    if args.command == "demo":
        write_demo_data(Path(cfg.data.path))
    if getattr(args, "tuner_role", "local") == "chief":
        cfg = with_tuner_role(cfg, "chief", args.chief_address)
    nodes, spans = plan_dag(cfg, beam_args)
    nodes = until(nodes, getattr(args, "until", None))
    log = logging.getLogger("rnnpipe")
    with root_lock(root, cfg.run.lock_timeout_seconds):
        store = RunStore(root)
        interrupted = recover_interrupted(root, store)
        if interrupted:
            log.warning("run(s) %s were interrupted; their partial outputs were removed", ", ".join(interrupted))
        run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        store.start_run(run_id, cfg.name, {"source": str(config_path), "overrides": args.overrides,
                                           "beam_args": beam_args, "spans": spans})
        log.info("run %s of %s (%s) in %s%s", run_id, cfg.name, config_path, root,
                 f", span(s) {', '.join(spans)}" if spans else "")
        started = time.perf_counter()
        try:
            outcome = execute(nodes, root, store, run_id, progress=log.info)
        except BaseException as error:
            store.end_run(run_id, "failed", {"error": f"{type(error).__name__}: {error}"})
            raise
        summary = {**summarize(run_id, outcome, cfg, time.perf_counter() - started), "spans": spans,
                   "validation": outcome.checks.get("statistics")}
        store.end_run(run_id, "complete", summary)
        if cfg.run.gc_keep_runs is not None:
            from pipeline.gc import apply_gc, plan_gc

            plan = plan_gc(root, cfg.run.gc_keep_runs, cfg.run.gc_keep_versions)
            apply_gc(plan)
            log.info("gc: deleted %d artifact folder(s) and %d serving version(s), %.1f MB",
                     len(plan.artifact_dirs), len(plan.versions), plan.bytes / 1e6)
    return summary


def plan_dag(cfg, beam_args: Sequence[str]) -> tuple[list, list[str]]:
    """The run's DAG, reading the selected spans when ``data.path`` names spans.

    Returns:
        ``(nodes, span ids)``; no span ids when the path has no span placeholders.

    Raises:
        DataError: If no span is present or none is in the configured range.
    """
    from pipeline.dag import build_dag
    from pipeline.spans import has_spans, select_spans

    spans = select_spans(cfg.data.path, cfg.spans) if has_spans(cfg.data.path) else []
    return build_dag(cfg, beam_args, [(span.id, span.path) for span in spans]), [span.id for span in spans]


def until(nodes: list, last: str | None) -> list:
    """The nodes up to and including ``last`` (all of them when it is None).

    Raises:
        ConfigError: If the pipeline has no such component.
    """
    from pipeline.config import ConfigError

    names = [node.name for node in nodes]
    if last is None:
        return nodes
    if last not in names:
        raise ConfigError(f"--until {last!r}: this pipeline's components are {', '.join(names)}")
    return nodes[:names.index(last) + 1]


def write_demo_data(path: Path) -> None:
    """Writes the demo's sine-wave CSV unless it is already there."""
    from data.timeseries import write_sine_csv

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        write_sine_csv(tmp)
        os.replace(tmp, path)


def summarize(run_id: str, outcome, cfg, seconds: float) -> dict:
    """The run summary printed by ``--json`` and kept in the run store."""
    evaluation = outcome.outputs.get("evaluator", {}).get("evaluation")  # absent with --until
    pushed = outcome.outputs.get("exporter", {}).get("pushed_model")
    evaluated = evaluation.properties if evaluation else {}
    published = pushed.properties if pushed else {}
    newly_pushed = "exporter" in outcome.executed and published.get("pushed")
    return {
        "status": "complete",
        "run_id": run_id,
        "pipeline": cfg.name,
        "cached": outcome.cached,
        "executed": outcome.executed,
        "metrics": evaluated.get("metrics", {}),
        "blessed": bool(evaluated.get("blessed")),
        "reasons": evaluated.get("reasons", []),
        "pushed_version": published.get("version") if newly_pushed else None,
        "model_version": published.get("version"),
        "model_path": published.get("path"),
        "serving_dir": str(Path(cfg.exporter.serving_dir) / cfg.model_name),
        "evaluation_dir": str(evaluation.uri) if evaluation else None,
        "seconds": round(seconds, 2),
        "component_seconds": outcome.seconds,
    }


def print_summary(summary: dict, as_json: bool) -> None:
    """Prints a readable summary, or JSON as the last line."""
    if as_json:
        print(json.dumps(summary, default=str))
        return
    metrics = ", ".join(f"{k}={v:.4g}" for k, v in summary["metrics"].items() if isinstance(v, (int, float)))
    print(f"run {summary['run_id']}: {summary['status']} in {summary['seconds']:.1f}s")
    print(f"  executed: {', '.join(summary['executed']) or '-'}; cached: {', '.join(summary['cached']) or '-'}")
    if summary.get("spans"):
        print(f"  span(s): {', '.join(summary['spans'])}")
    validation = summary.get("validation")
    if validation:
        state = "new schema stored" if validation["schema_stored"] else "data fits the schema"
        print(f"  validation: {state} ({validation['schema']}); {len(validation['anomalies'])} anomalies")
    print(f"  metrics: {metrics}")
    if summary["evaluation_dir"] is None:
        print("  blessed: not evaluated (the run stopped before the evaluator)")
    else:
        print(f"  blessed: {summary['blessed']}" + (f" ({'; '.join(summary['reasons'])})" if summary["reasons"] else ""))
    if summary["pushed_version"] is not None:
        print(f"  model pushed: version {summary['pushed_version']} at {summary['model_path']}")
    elif summary["model_path"]:
        print(f"  nothing new pushed; this model is version {summary['model_version']} at {summary['model_path']}")
    else:
        print("  nothing pushed")
    plots = sorted(Path(summary["evaluation_dir"]).glob("*.png")) if summary["evaluation_dir"] else []
    for plot in plots:
        print(f"  plot: {plot}")


def show_runs(args: argparse.Namespace) -> int:
    """``rnnpipe runs [show RUN_ID]``."""
    from pipeline.store import STORE_FILE, RunStore

    if not Path(args.root, STORE_FILE).exists():
        print(f"rnnpipe: no run store at {Path(args.root, STORE_FILE)} (pass --root DIR)", file=sys.stderr)
        return EXIT_USAGE
    store = RunStore(args.root)
    if args.action == "show":
        if not args.run_id:
            print("rnnpipe: runs show needs a RUN_ID (see: rnnpipe runs)", file=sys.stderr)
            return EXIT_USAGE
        run = store.run(args.run_id)
        if run is None:
            print(f"rnnpipe: no run {args.run_id!r} in {args.root}", file=sys.stderr)
            return EXIT_USAGE
        print(json.dumps(run, indent=2, default=str) if args.json else format_run(run))
        return EXIT_OK
    runs = store.runs()
    if args.json:
        print(json.dumps(runs, default=str))
        return EXIT_OK
    print(f"{'RUN_ID':24} {'PIPELINE':14} {'STATUS':9} {'STARTED':19} {'SECONDS':>8} {'PUSHED':>6}  METRICS")
    for run in runs:
        summary = json.loads(run["summary"] or "{}")
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run["started"]))
        seconds = f"{run['ended'] - run['started']:.1f}" if run["ended"] else "-"
        pushed = summary.get("pushed_version") or "-"
        metrics = " ".join(f"{k}={v:.4g}" for k, v in list(summary.get("metrics", {}).items())[:3])
        print(f"{run['id']:24} {run['pipeline'][:14]:14} {run['status']:9} {started:19} {seconds:>8} {pushed!s:>6}  {metrics}")
    return EXIT_OK


def format_run(run: dict) -> str:
    """A readable description of one run and its executions."""
    summary = json.loads(run["summary"] or "{}")
    lines = [f"run {run['id']} ({run['pipeline']}): {run['status']}",
             f"  config: {json.loads(run['config']).get('source')}"]
    for key in ("spans", "metrics", "blessed", "pushed_version", "model_path", "error"):
        if key in summary:
            lines.append(f"  {key}: {summary[key]}")
    lines.append("  executions:")
    for execution in run["executions"]:
        seconds = f"{execution['ended'] - execution['started']:.1f}s" if execution["ended"] else "-"
        state = "cached" if execution["cached"] else execution["status"]
        lines.append(f"    {execution['component']:12} {state:9} {seconds:>8}" +
                     (f"  {execution['error']}" if execution["error"] else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
