"""Atomic file writes: a reader sees the old file or the new one, never a partial one.

The lowest layer's helper, so models (the tuner's state files), components and the pipeline
share the one implementation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json(path: str | os.PathLike, payload: Any) -> None:
    """Writes JSON atomically: to a sibling temporary file, then renamed into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str))
    os.replace(tmp, path)
