"""``python -m tui`` is ``liqwatch``."""

import sys

from tui.cli import main

sys.exit(main())
