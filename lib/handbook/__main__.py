"""`python -m handbook ...` runs the `handbook` command (for a fresh process in a lab or a bench)."""

import sys

from .cli import main

sys.exit(main())
