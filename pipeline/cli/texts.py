"""The long texts of ``rnnpipe --help``: what rnnpipe is, examples, and the exit codes."""

DESCRIPTION = """\
rnnpipe: a batch pipeline for recurrent sequence models (Beam, tf.Transform, Keras 3).

Each run goes example_gen -> statistics -> transform -> [tuner ->] trainer -> evaluator -> exporter.
Outputs live under the pipeline root (--root): artifacts/, the run store runs.sqlite, schema/
(the data schema that new data is validated against; the first run infers it) and serving/,
where blessed models are published as <model_name>/<version>/ for TensorFlow Serving.
A component whose code, params and inputs are unchanged is reused from cache. A data.path with
{SPAN} or {YYYY}{MM}{DD} reads the latest span (or spans.first..spans.last); in --set, quote it
for YAML: --set 'data.path="drops/{SPAN}/x.csv"'.
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
  rnnpipe runs compare RUN_A RUN_B               # config keys that differ, metrics side by side
  rnnpipe run CONFIG.yaml --force trainer        # ignore the cache for a step and what follows it
  rnnpipe run CONFIG.yaml --from evaluator       # reuse the newest run's outputs up to a step
  rnnpipe versions NAME                          # every served version: when, by which run, why
  rnnpipe rollback NAME --to 3 --reason "v4 drifts"   # serve version 3 again, as a new version
  rnnpipe run CONFIG.yaml --force-push --reason "hotfix"   # push a model the gate refused
  rnnpipe store recover --root ROOT              # the run store is damaged: move it aside, re-index
  rnnpipe init timeseries data/sales.csv --output sales.yaml   # a config from what a CSV holds

exit codes:
  0  success (or nothing new to do)
  1  other error
  2  usage or config error (the message names the file and the key)
  3  data error: missing input, bad records over the error budget, empty split, or data validation
     failed against the schema (the report is in ROOT/schema/NAME/; --accept-schema accepts the change),
     a corrupt archive, or a damaged run store (rnnpipe store recover)
  4  model not blessed (nothing was pushed)
  5  the pipeline root is locked by another run
  130  interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (systemd, Airflow, kill): the step ended cleanly,
       its partial outputs were removed and the run is marked interrupted; a second signal ends at once
"""


INIT_EPILOG = """\
examples:
  rnnpipe init timeseries ../shared/datasets/timeseries/pollution.csv --output pollution.yaml
  rnnpipe run pollution.yaml --data-dir ../shared/datasets/timeseries
  rnnpipe init timeseries sales.csv --output sales.yaml --target revenue --json

exit codes: 0 written; 2 --output exists, its folder does not, or --target is not a numeric column;
3 the CSV is missing, unreadable, or has no time-like or no numeric column; 1 other error
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
3 no input, or dead letters over --max-error-rate (nothing published); 1 other error;
130/143 interrupted by SIGINT/SIGTERM (nothing published)
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
charlm model or has no generate signature; 1 other error; 130/143 interrupted by SIGINT/SIGTERM
"""
