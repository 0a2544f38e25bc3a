"""``python -m scslab`` is the ``scslab`` command."""

import sys

from scslab.cli import main

sys.exit(main())
