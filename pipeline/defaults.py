"""Defaults that the Python API applies and the command line's help names (a light module: no imports)."""

DEFAULT_CHIEF_ADDRESS = "127.0.0.1:8470"
DEFAULT_BATCH_SIZE = 256  # records per model call when scoring
PROMPTS_BATCH_SIZE = 16  # generation runs the model once per character for every row of a padded batch
GENERATED_DEFAULT_LENGTH = 200  # characters generated per prompt
MAX_SCORE_BATCH_SIZE = 65_536  # the largest --batch-size scoring accepts
MAX_SCORE_SHARDS = 10_000  # the largest --num-shards scoring accepts
