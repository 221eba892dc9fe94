"""Fault injection for the interruption tests: hold a step at its riskiest point.

Some steps finish faster than a test can aim a signal at them (checksum, extract, an image build that
Docker's layer cache answers). With PB_HOLD_AT=<point> in the environment, the step that reaches that
point (its work done, its target not yet written) creates the file named by PB_HOLD_MARKER and waits
there for up to ten minutes, so the test can interrupt it exactly there. Users never set these; unset,
`hold` returns at once.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

POINTS = ("checksum", "extract", "image")


def hold(point: str) -> None:
    if os.environ.get("PB_HOLD_AT") != point:
        return
    marker = Path(os.environ.get("PB_HOLD_MARKER", "pb-holding"))
    marker.write_text(str(os.getpid()))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        time.sleep(0.2)
