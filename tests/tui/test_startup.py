"""The first frame imports only what it needs: plotext waits for the first loss curve."""

import subprocess
import sys

CODE = """
import sys
from backprop_tui.model import Network, Samples, defaults
from backprop_tui.model.lesson import Lesson
from backprop_tui.tui.app import BackpropApp

app = BackpropApp(Lesson(Network.chain(defaults.W, defaults.B), Samples(defaults.X, defaults.Y),
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


BLAS_CODE = """
import os, sys

seen = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and not seen:
            seen.append(os.environ.get("OPENBLAS_NUM_THREADS"))
        return None

sys.meta_path.insert(0, Watch())
import backprop_tui.cli
print(seen[0], "numpy" in sys.modules)
"""


def blas_threads_when_numpy_loads(**env: str) -> str:
    import os

    environment = {k: v for k, v in os.environ.items()
                   if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", BLAS_CODE], capture_output=True, text=True,
                          timeout=60, env={**environment, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_command_line_puts_blas_on_one_thread_before_numpy_loads():
    assert blas_threads_when_numpy_loads() == "1 True"


def test_a_blas_thread_count_the_user_set_is_kept():
    assert blas_threads_when_numpy_loads(OPENBLAS_NUM_THREADS="3") == "3 True"
