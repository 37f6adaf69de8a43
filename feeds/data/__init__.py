"""Package data: the bundled demo recording and its metadata.

``scripts/make_demo.py`` writes both files; pyproject ships them as package
data, so they sit next to this module in a checkout and in an installed wheel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_RECORDING = Path(__file__).with_name("demo.jsonl.gz")
DEMO_METADATA = Path(__file__).with_name("demo.json")


def demo_metadata() -> dict[str, Any]:
    """``demo.json``: replay timing (``instant_until_ts``), story hours and the generator's truth."""
    return json.loads(DEMO_METADATA.read_text(encoding="utf-8"))
