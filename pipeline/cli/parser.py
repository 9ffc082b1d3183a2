"""The argument parser of ``rnnpipe``: one sub-command per job, each shared option declared once."""

from __future__ import annotations

import argparse
import os

from pipeline.cli.texts import DESCRIPTION, EPILOG, GENERATE_EPILOG, INIT_EPILOG, SCORE_EPILOG
from pipeline.defaults import (DEFAULT_BATCH_SIZE, DEFAULT_CHIEF_ADDRESS, GENERATED_DEFAULT_LENGTH, MAX_SCORE_BATCH_SIZE,
                               MAX_SCORE_SHARDS, PROMPTS_BATCH_SIZE)

DEFAULT_ROOT = "rnnpipe_root"
ROOT_HELP = f"pipeline root: artifacts, run store, serving dir (default: $RNNPIPE_ROOT or ./{DEFAULT_ROOT})"
# The --format choices, written out so that --help loads no dataset kind; a test checks them
# against components.scoring.formats.input_formats().
SCORE_FORMATS = ("reviews", "images", "series", "examples", "prompts")
VERBOSE_HELP = ("show everything: the components' detail lines (epochs, trials, ...), TensorFlow's C++ logs "
                "and the libraries' warnings (default: rnnpipe's progress, warnings and the summary)")
HELP_FORMAT = {"formatter_class": argparse.RawDescriptionHelpFormatter}


def add_root(sub: argparse.ArgumentParser, help_text: str = ROOT_HELP) -> None:
    """``--root``: the pipeline root, default ``$RNNPIPE_ROOT`` or ``./rnnpipe_root``."""
    sub.add_argument("--root", default=os.environ.get("RNNPIPE_ROOT", DEFAULT_ROOT), help=help_text)


def add_json(sub: argparse.ArgumentParser, help_text: str) -> None:
    """``--json``: print JSON (a summary, or a failure with its exit code) as the last line."""
    sub.add_argument("--json", action="store_true", help=help_text)


def add_verbose(sub: argparse.ArgumentParser, top_level: bool = False) -> None:
    """``--verbose``, accepted before and after the command (``rnnpipe -v demo``, ``rnnpipe demo -v``)."""
    sub.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP,
                     **({} if top_level else {"default": argparse.SUPPRESS}))


def add_model(sub: argparse.ArgumentParser) -> None:
    """``--model``: a model in the serving folder, its newest version or one version."""
    sub.add_argument("--model", required=True, metavar="SERVING_DIR/NAME[/VERSION]",
                     help="the newest version of NAME, or exactly VERSION")


def add_run_options(sub: argparse.ArgumentParser) -> None:
    """The options of every command that runs a pipeline config."""
    add_root(sub)
    sub.add_argument("--data-dir", help="directory that relative data paths in the config resolve against "
                                        "(default: the current directory)")
    sub.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config key, e.g. --set trainer.epochs=1 (repeatable)")
    add_json(sub, "print a JSON summary as the last line")
    sub.add_argument("--accept-schema", action="store_true",
                     help="store this data's schema even where the data breaks the current one "
                          "(same as --set validation.accept_new_schema=true)")
    sub.add_argument("--until", metavar="COMPONENT",
                     help="stop after this component, e.g. --until statistics to ingest and validate only")


def add_tuner_role_options(sub: argparse.ArgumentParser) -> None:
    """``--tuner-role`` and ``--chief-address``, for commands that run the whole pipeline."""
    sub.add_argument("--tuner-role", choices=("local", "chief"), default="local",
                     help="local: the tuner searches in this process (default); chief: it serves the "
                          "KerasTuner oracle on --chief-address and waits for tune-worker processes")
    sub.add_argument("--chief-address", default=DEFAULT_CHIEF_ADDRESS, metavar="HOST:PORT",
                     help=f"where the chief's oracle listens (default {DEFAULT_CHIEF_ADDRESS}; "
                          f"0.0.0.0:PORT for other hosts)")


def add_force_push_options(sub: argparse.ArgumentParser) -> None:
    """``--force-push`` and ``--reason``: publish a model the evaluator did not bless."""
    sub.add_argument("--force-push", action="store_true",
                     help="publish the model even if the evaluator does not bless it (needs --reason); "
                          "recorded as a force_push in the served model's history")
    sub.add_argument("--reason", metavar="TEXT",
                     help="why the push is forced: goes into model.json, the history and the summary")


def add_serving_commands(commands) -> None:
    """``versions`` and ``rollback``: the served model's history and which version is served."""
    from_config = "a config whose exporter.serving_dir (and tracking, for rollback) to use (default: ROOT/serving)"
    versions = commands.add_parser(
        "versions", help="list a served model's versions: when, by which run, metrics, blessing, why",
        description="List every version of served model NAME (exporter.model_name, default the pipeline's name): "
                    "when it was pushed, by which run, its metrics and blessing, why it was pushed (push, "
                    "force_push with its reason, rollback with its source version), and which one TensorFlow "
                    "Serving serves now (the highest loadable). Versions published before the history existed "
                    "are listed from their model.json. Exit 2 when there is no such model.", **HELP_FORMAT)
    versions.add_argument("name", metavar="NAME", help="the served model's folder name")
    add_root(versions, "pipeline root")
    versions.add_argument("--config", metavar="CONFIG", help=from_config)
    add_json(versions, "print JSON")
    add_verbose(versions)
    rollback = commands.add_parser(
        "rollback", help="serve an earlier version again, as a new highest version",
        description="Copy version V's model into a new highest version of NAME (what TensorFlow Serving serves), "
                    "atomically (a staging folder renamed into place: a kill leaves the old state or the new), "
                    "record it in the history (action rollback, source version V, the reason), and move the "
                    "MLflow production alias to it when tracking is configured (--config, or "
                    "MLFLOW_TRACKING_URI). Exit 2 when V is absent or not loadable, or --reason is blank.",
        **HELP_FORMAT)
    rollback.add_argument("name", metavar="NAME", help="the served model's folder name")
    rollback.add_argument("--to", required=True, type=int, metavar="V", help="the version to serve again")
    rollback.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded in the history)")
    add_root(rollback, "pipeline root")
    rollback.add_argument("--config", metavar="CONFIG", help=from_config)
    add_json(rollback, "print JSON")
    add_verbose(rollback)


def add_rerun_options(sub: argparse.ArgumentParser) -> None:
    """``--force`` and ``--from``: re-run steps whatever the cache holds (docs/operations.md)."""
    sub.add_argument("--force", action="append", default=[], metavar="COMPONENT",
                     help="execute COMPONENT and everything downstream of it even where the cache holds its "
                          "outputs (repeatable; 'all' for every component)")
    sub.add_argument("--from", dest="start_from", metavar="COMPONENT",
                     help="take the outputs of the components before COMPONENT from the newest complete run of "
                          "this pipeline (same name), whatever their cache keys, and execute from COMPONENT on")


def add_pipeline_commands(commands) -> None:
    """``run``, ``demo`` and ``tune-worker``."""
    run = commands.add_parser("run", help="run the pipeline described by a YAML config",
                              description="Run the pipeline of CONFIG. Beam pipeline options go after '--'.",
                              epilog=EPILOG, **HELP_FORMAT)
    run.add_argument("config", help="YAML config, e.g. pipeline/configs/timeseries.yaml")
    demo = commands.add_parser("demo", help="run the sine-wave demo on generated data (no data needed)",
                               description="Generate a noisy sine wave and run the whole pipeline on it: "
                                           "a window of 20 steps predicts the next value.",
                               epilog=EPILOG, **HELP_FORMAT)
    for pipeline_command in (run, demo):
        add_run_options(pipeline_command)
        add_tuner_role_options(pipeline_command)
        add_force_push_options(pipeline_command)
        add_rerun_options(pipeline_command)
        add_verbose(pipeline_command)
    worker = commands.add_parser(
        "tune-worker", help="run tuning trials for a chief (rnnpipe run --tuner-role chief)",
        description="Join a distributed KerasTuner search as one worker. Give the same CONFIG, --set "
                    "overrides, --root and --data-dir as the chief: the worker waits until the chief's run "
                    "has finished transform, then runs trials in the chief's search directory (shared "
                    "storage when on several hosts) until the chief's budget is spent. On a machine "
                    "with several GPUs, start one worker per GPU with CUDA_VISIBLE_DEVICES=N.",
        epilog=EPILOG, **HELP_FORMAT)
    worker.add_argument("config", help="the chief's YAML config")
    add_run_options(worker)
    worker.add_argument("--chief", required=True, metavar="HOST:PORT", help="the chief's --chief-address")
    worker.add_argument("--worker-id", required=True, type=int, metavar="N",
                        help="this worker's number, unique within the search (0, 1, ...)")
    worker.add_argument("--wait-seconds", type=float, default=3600.0,
                        help="how long to wait for the chief's run to reach the tuner (default 3600)")
    add_verbose(worker)


def add_score_command(commands) -> None:
    """``score``."""
    score = commands.add_parser(
        "score", help="batch-score new data with an exported model (Beam RunInference)",
        description="Score new records with a version from the serving folder, on Beam RunInference. "
                    "Writes OUTPUT/predictions/part-*.{jsonl,csv} (one row per record: id, model, version, "
                    "predictions), OUTPUT/dead_letter/ (bad records with the reason), summary.json and "
                    "_SUCCESS. OUTPUT appears only when the job succeeds. Beam options go after '--'.",
        epilog=SCORE_EPILOG, **HELP_FORMAT)
    add_model(score)
    score.add_argument("--input", required=True, metavar="PATTERN",
                       help="a file, a glob, or a folder (of .txt reviews, .png images, .csv series, TFRecords, "
                            ".txt prompts)")
    score.add_argument("--output", required=True, metavar="DIR", help="folder to create (must not exist or be empty)")
    score.add_argument("--format", required=True, choices=SCORE_FORMATS,
                       help="reviews: .txt folder, .txt/.jsonl one per line, .csv with --text-column; images: IDX, "
                            "npz or a folder of 28x28 grey PNGs; series: CSV scored as rolling windows; examples: "
                            "TFRecords of raw tf.Examples (serving_default); prompts (charlm models): a .txt with "
                            "one prompt per line or .jsonl with --text-column, rows {id, model, version, prompt, "
                            "generated}")
    score.add_argument("--output-format", choices=("jsonl", "csv"), default="jsonl", help="default jsonl")
    score.add_argument("--text-column", default="text", help="review or prompt field of .jsonl/.csv input "
                                                             "(default text)")
    score.add_argument("--batch-size", type=int, default=None,
                       help=f"most records per model call, 1 to {MAX_SCORE_BATCH_SIZE} (default {DEFAULT_BATCH_SIZE}; "
                            f"{PROMPTS_BATCH_SIZE} for prompts, since every call is padded to the full batch and "
                            f"each padded row is generated too)")
    score.add_argument("--gen-length", type=int, default=None, metavar="N",
                       help=f"prompts: characters to generate per prompt (default {GENERATED_DEFAULT_LENGTH})")
    score.add_argument("--temperature", type=float, default=None,
                       help="prompts: sampling temperature, > 0 (default 1.0; lower is more conservative)")
    score.add_argument("--seed", type=int, default=None,
                       help="prompts: sampling seed (default 0: a job is reproducible)")
    score.add_argument("--max-error-rate", type=float, default=0.0,
                       help="fail (exit 3, nothing published) when more than this fraction of records are "
                            "dead letters (default 0)")
    score.add_argument("--num-shards", type=int, default=0,
                       help=f"output shards, 0 to {MAX_SCORE_SHARDS} (default 0: the runner decides)")
    score.add_argument("--max-record-bytes", type=int, default=1_000_000,
                       help="a review or tf.Example larger than this is a dead letter (default 1000000)")
    add_json(score, "print the JSON summary as the last line")
    add_verbose(score)


def add_generate_command(commands) -> None:
    """``generate``."""
    generate = commands.add_parser(
        "generate", help="generate text with an exported charlm model",
        description="Continue a prompt with the generate signature of a charlm version from the serving folder.",
        epilog=GENERATE_EPILOG, **HELP_FORMAT)
    add_model(generate)
    generate.add_argument("--prompt", required=True, help="text to continue; may be empty (\"\") to start a text")
    generate.add_argument("--length", type=int, default=GENERATED_DEFAULT_LENGTH,
                          help=f"characters to generate (default {GENERATED_DEFAULT_LENGTH})")
    generate.add_argument("--temperature", type=float, default=1.0,
                          help="> 0; divides the logits: lower is more conservative, higher more varied (default 1.0)")
    generate.add_argument("--seed", type=int, default=None, help="sampling seed (default: a random one, reported)")
    add_json(generate, "print one JSON object instead of the text")
    add_verbose(generate)


def add_lock_timeout(parser) -> None:
    """``--lock-timeout``: how long a maintenance command waits for a running pipeline."""
    parser.add_argument("--lock-timeout", type=float, default=0.0, help="seconds to wait for a running pipeline")


def add_root_commands(commands) -> None:
    """``gc`` and ``runs``: looking after a pipeline root."""
    gc = commands.add_parser(
        "gc", help="delete old artifacts and serving versions that nothing kept depends on",
        description="Keep the artifacts of the newest --keep-runs runs, every artifact they or a kept serving "
                    "version were made from, and the newest --keep-versions loadable versions on disk of each "
                    "served model (never fewer than one: gc never deletes the last loadable version); delete "
                    "the rest. Waits for the root lock like a run. "
                    "Scratch folders (resume state of killed runs) are left alone.",
        **HELP_FORMAT)
    add_root(gc, "pipeline root")
    gc.add_argument("--keep-runs", type=int, default=10, help="newest runs whose artifacts stay (default 10)")
    gc.add_argument("--keep-versions", type=int, default=5, help="serving versions kept per model (default 5)")
    gc.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    add_lock_timeout(gc)
    add_json(gc, "print the plan as JSON")
    add_verbose(gc)
    runs = commands.add_parser("runs", help="list past runs, show one (runs show RUN_ID) or compare some "
                                            "(runs compare RUN_A RUN_B ...)",
                               description="list: the newest runs. show RUN_ID: one run and its executions. "
                                           "compare RUN_A RUN_B [...]: the config keys that differ, the metrics "
                                           "side by side, which components each executed or took from cache, "
                                           "and the seconds of each and in total.")
    runs.add_argument("action", nargs="?", choices=("list", "show", "compare"), default="list")
    runs.add_argument("run_ids", nargs="*", metavar="RUN_ID")
    add_root(runs, "pipeline root")
    add_json(runs, "print JSON")
    add_verbose(runs)


def add_store_command(commands) -> None:
    """``store recover``: rebuild a damaged or emptied run store from the artifact folders."""
    store = commands.add_parser(
        "store", help="recover a damaged run store: store recover",
        description="recover: move a damaged or emptied ROOT/runs.sqlite (and its journal) aside to "
                    "runs.sqlite.damaged-<UTC time>, never deleting it, and start a new run store re-indexed "
                    "from the artifact cards on disk (ROOT/artifacts/<component>/<id>/<name>/artifact.json), so "
                    "that gc, the served versions and runs work again. Cache keys, the lineage between runs "
                    "and run summaries are not on disk: the next run recomputes each step once. Refuses a "
                    "healthy store that records executions unless --force. Waits for the root lock like a run.",
        **HELP_FORMAT)
    store.add_argument("action", choices=("recover",))
    add_root(store, "pipeline root")
    store.add_argument("--force", action="store_true",
                       help="rebuild even a healthy store (what only it records is lost; it is kept aside)")
    add_lock_timeout(store)
    add_json(store, "print the recovery report as JSON")
    add_verbose(store)


def add_init_command(commands) -> None:
    """``init``: write a config for a CSV from what it holds."""
    init = commands.add_parser(
        "init", help="write a config for a CSV from what it holds: init timeseries CSV --output CONFIG.yaml",
        description="Read CSV and report what it holds: the timestamp column(s) and their form, the frequency, "
                    "the numeric (value), categorical, constant and row-number columns, the missing markers "
                    "and their counts, and the row count. Then write a config that validates: the time, "
                    "frequency and season found, the numeric columns as values (the target first), the "
                    "categorical columns, the missing markers, and a window of a few seasons that fits the "
                    "series. data.path is the file's name: run it with --data-dir the folder that holds it. "
                    "An existing --output is never overwritten.",
        epilog=INIT_EPILOG, **HELP_FORMAT)
    init.add_argument("kind", choices=("timeseries",), help="the dataset kind of the config")
    init.add_argument("csv", metavar="CSV", help="the CSV file (plain, or gzip/bzip2/xz compressed)")
    init.add_argument("--output", required=True, metavar="CONFIG.yaml", help="the config to write (must not exist)")
    init.add_argument("--target", default="", metavar="COLUMN",
                      help="the numeric column to forecast (default: the first numeric column that is not constant)")
    init.add_argument("--name", default="", help="the pipeline's name (default: the CSV's file name)")
    add_json(init, "print what was found and written as JSON")
    add_verbose(init)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="rnnpipe", description=DESCRIPTION, epilog=EPILOG, **HELP_FORMAT)
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="log lines as text (default) or one JSON object per line")
    add_verbose(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_pipeline_commands(commands)
    add_score_command(commands)
    add_generate_command(commands)
    add_root_commands(commands)
    add_serving_commands(commands)
    add_store_command(commands)
    add_init_command(commands)
    return parser
