"""The first frame imports only what it needs: plotext waits for the first loss curve."""

import subprocess
import sys

CODE = """
import sys
from backprop_tui.model import Chain, Samples, defaults
from backprop_tui.model.lesson import Lesson
from backprop_tui.tui.app import BackpropApp

app = BackpropApp(Lesson(Chain(defaults.W, defaults.B), Samples(defaults.X, defaults.Y),
                         defaults.LR))
seen = []

async def drive(pilot):
    await pilot.pause()
    seen.append("plotext" in sys.modules)
    await pilot.press("s", "s")  # two steps: the curve has two points to draw
    await pilot.pause()
    seen.append("plotext" in sys.modules)
    app.exit()

app.run(headless=True, size=(120, 36), auto_pilot=drive)
print(seen)
"""


def test_plotext_is_imported_only_when_the_first_curve_is_drawn():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[False, True]"
