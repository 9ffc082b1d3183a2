"""One handler per command: each turns the parsed arguments into one API call and prints its result.

A handler returns the exit code of a success, or raises; :func:`pipeline.cli.main` maps what it
raises to its exit code (:func:`pipeline.exit_codes.failure_for`). The API is imported inside each
handler, so that ``rnnpipe runs`` and ``--help`` do not load TensorFlow and Beam.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from pipeline.cli.logs import quiet_tensorflow_startup
from pipeline.cli.output import print_comparison, print_gc, print_run, print_runs, print_summary
from pipeline.errors import RunLookupError, UsageError
from pipeline.exit_codes import ExitCode

LOG = logging.getLogger("rnnpipe")


def pipeline_options(args: argparse.Namespace, beam_args: list[str]) -> dict:
    """The keywords of :func:`pipeline.api.run_pipeline` that ``run`` and ``demo`` share."""
    from pipeline.versions import force_push_option

    return {"force_push_reason": force_push_option(args.force_push, args.reason),
            "beam_args": beam_args, "until": args.until, "sets": args.overrides, "accept_schema": args.accept_schema,
            "tuner_role": args.tuner_role, "chief_address": args.chief_address,
            "force": args.force, "start_from": args.start_from,
            "before_execution": None if args.verbose else load_tensorflow_quietly}


def load_tensorflow_quietly(component: str) -> None:
    """Loads TensorFlow with its start-up noise filtered, before the first component that executes.

    A fully cached run never loads it, so a no-op night stays fast.
    """
    quiet_tensorflow_startup()


def finish_run(summary, as_json: bool) -> int:
    """Prints a run's summary; exit 4 when the run reached the exporter with no blessed model."""
    print_summary(summary.to_dict(), as_json)
    return ExitCode.NOT_BLESSED if summary.not_blessed else ExitCode.OK


def run_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe run``: validate, lock, execute, summarise."""
    from pipeline.api import run_pipeline

    return finish_run(run_pipeline(Path(args.config), args.root, data_dir=args.data_dir,
                                   **pipeline_options(args, beam_args)), args.json)


def demo_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe demo``: the bundled demo config on a generated sine wave."""
    from pipeline.api import run_demo

    return finish_run(run_demo(args.root, data_dir=args.data_dir, **pipeline_options(args, beam_args)), args.json)


def worker_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe tune-worker``: wait for the chief's transform, then run trials until the search ends."""
    from pipeline.api import join_search

    trials = join_search(args.config, args.root, chief=args.chief, worker_id=args.worker_id, sets=args.overrides,
                         data_dir=args.data_dir, beam_args=beam_args, wait_seconds=args.wait_seconds)
    if args.json:
        print(json.dumps({"status": "complete", "worker_id": args.worker_id, "trials": trials}))
    return ExitCode.OK


def score_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe score``: check the model and input, run the scoring job, print the summary."""
    from components.scoring import BulkInferrerParams, GenerationSettings
    from pipeline.api import default_batch_size, score

    given = {name: value for name, value in (("length", args.gen_length), ("temperature", args.temperature),
                                             ("seed", args.seed)) if value is not None}
    params = BulkInferrerParams(args.model, args.input, args.output, args.format, args.output_format,
                                args.text_column,
                                default_batch_size(args.format) if args.batch_size is None else args.batch_size,
                                args.max_error_rate, args.num_shards, tuple(beam_args), args.max_record_bytes,
                                GenerationSettings(**given) if given else None)
    summary = score(params)
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"scored {summary['scored']} records ({summary['dead_letters']} dead letters) with "
              f"{summary['model_name']} version {summary['model_version']} in {summary['seconds']:.1f}s: "
              f"{summary['output']}")
    return ExitCode.OK


def generate_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe generate``: check the arguments and the model, generate, print the text or JSON."""
    from pipeline.api import generate_text

    result = generate_text(args.model, args.prompt, length=args.length, temperature=args.temperature, seed=args.seed)
    if args.seed is None:
        LOG.info("seed %d (pass --seed %d to get this text again)", result["seed"], result["seed"])
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(result["prompt"] + result["generated"])
    return ExitCode.OK


def gc_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe gc``: plan the collection under the root lock, print it, and apply it unless --dry-run."""
    from pipeline.maintenance import collect_garbage

    plan = collect_garbage(args.root, args.keep_runs, args.keep_versions, dry_run=args.dry_run,
                           lock_timeout=args.lock_timeout)
    print_gc(plan, args.dry_run, args.json)
    return ExitCode.OK


def versions_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe versions NAME``: the served model's versions and history."""
    from pipeline.versions import describe_versions, list_versions

    report = list_versions(args.root, args.name, args.config)
    print(json.dumps(report) if args.json else describe_versions(report))
    return ExitCode.OK


def rollback_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe rollback NAME --to V --reason TEXT``: serve V's model again as a new highest version."""
    from pipeline.versions import rollback

    result = rollback(args.root, args.name, args.to, args.reason, args.config)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['model']}: version {result['version']} now serves version {result['source_version']}'s "
              f"model ({result['path']})" + (f"; MLflow alias not moved: {result['tracking_error']}"
                                             if result["tracking_error"] else ""))
    return ExitCode.OK


def runs_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe runs [show RUN_ID | compare RUN_A RUN_B ...]``."""
    from pipeline.maintenance import get_run, list_runs, open_store

    if args.action == "list":
        print_runs(list_runs(args.root), args.json)
        return ExitCode.OK
    open_store(args.root)  # a missing store is named before a missing RUN_ID
    if args.action == "compare":
        from pipeline.compare import compare_runs

        print_comparison(compare_runs(args.root, args.run_ids), args.json)
        return ExitCode.OK
    if not args.run_ids:
        raise RunLookupError("runs show needs a RUN_ID (see: rnnpipe runs)")
    if len(args.run_ids) > 1:
        raise UsageError(f"runs show takes one RUN_ID, got {len(args.run_ids)}; runs compare compares several")
    print_run(get_run(args.root, args.run_ids[0]), args.json)
    return ExitCode.OK


def store_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe store recover``: move a damaged run store aside and re-index the artifact folders."""
    from pipeline.api import recover_store

    report = recover_store(args.root, force=args.force, lock_timeout=args.lock_timeout)
    print(json.dumps(report.summary()) if args.json else report.describe())
    return ExitCode.OK


def init_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """``rnnpipe init timeseries CSV --output CONFIG.yaml``: profile the CSV, write a config, report both."""
    from pipeline.api import init_config

    result = init_config(args.kind, args.csv, args.output, target=args.target, name=args.name)
    print(json.dumps(result.summary()) if args.json else result.describe())
    return ExitCode.OK


HANDLERS = {"run": run_command, "demo": demo_command, "tune-worker": worker_command, "score": score_command,
            "generate": generate_command, "gc": gc_command, "runs": runs_command, "store": store_command,
            "versions": versions_command, "rollback": rollback_command,
            "init": init_command}
# What the traceback of an unexpected failure is logged as.
FAILED = {"run": "run failed", "demo": "run failed", "tune-worker": "worker failed", "score": "scoring failed",
          "generate": "generation failed", "gc": "gc failed", "runs": "runs failed",
          "versions": "versions failed", "rollback": "rollback failed",
          "store": "store recovery failed", "init": "init failed"}
# Commands that always load TensorFlow, quietly, before they start ("run" and "demo" load it only
# when a component executes: see load_tensorflow_quietly).
USES_TENSORFLOW = ("tune-worker", "score", "generate")
