"""`scslab` with the test models registered: ``python toy_cli.py sweep ...``.

The kill test runs a real sweep through this script in a subprocess.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import conftest  # noqa: E402,F401  (registers the toy model)
from scslab.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
