"""``python -m sknn_hp``: the ``sknn-hp`` command line (see :mod:`sknn_hp.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
