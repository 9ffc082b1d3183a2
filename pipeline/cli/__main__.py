"""``python -m pipeline.cli``: the ``rnnpipe`` command line."""

import sys

from pipeline.cli import main

sys.exit(main())
