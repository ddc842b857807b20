"""What the app costs a terminal (and an SSH link): measured in a pseudo-terminal.

    python benchmarks/terminal.py            # about a minute and a half
    python benchmarks/terminal.py --runs 3   # fewer start-ups, quicker

Runs ``python -m backprop_tui`` and a minimal Textual app (benchmarks/minimal_app.py:
header, one line of text, footer) in pseudo-terminals of 80×24, the way a
terminal or sshd runs them, and reads what they write:

- first frame: seconds from the spawn until the screen shows the app's own
  text, median of several runs, each app in turn; the ratio to the minimal app;
  and the bytes each writes in its first two seconds (redraws at start count);
- time to interactive: seconds from the spawn until a key pressed the moment the
  first frame shows is answered on screen (``f`` in ours, ``x`` in the minimal
  app), and their ratio;
- key to screen: seconds from typing ``f``, ``b``, ``s``, ``space`` until the
  screen shows the result, against ``x`` in the minimal app (which changes its
  line of text); and the bytes ``tab`` (into the first field) writes;
- bytes written to the terminal per second while training (default settings),
  and while idle after ``f`` and ``b``;
- idle cost: the share of a core the idle app uses (from /proc) and its resident
  memory.

Before timing, the package is compiled to bytecode (``compileall``), as an
installed package is, so that no start-up pays for compiling our modules.
``PYTHONPATH=OTHER_CHECKOUT python benchmarks/terminal.py`` measures another
checkout of the app against the same minimal app.

Linux only (pty, /proc). Nothing here is part of the tests.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import fcntl
import importlib.util
import os
import pty
import re
import select
import signal
import statistics
import struct
import sys
import termios
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OURS = [sys.executable, "-m", "backprop_tui"]
MINIMAL = [sys.executable, str(HERE / "minimal_app.py")]
OURS_READY = "Nothing is computed for the numbers on screen yet."
MINIMAL_READY = "a minimal Textual app"

ESCAPES = re.compile(
    r"\x1b\[[0-9;?<>=!$ ]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1bP[^\x1b]*\x1b\\"  # DCS
    r"|\x1b[()][0-9A-Za-z]"
    r"|\x1b[=>78DEHMNOPZc]"
)
TICK = os.sysconf("SC_CLK_TCK")


class Terminal:
    """A program in a pseudo-terminal of ``cols`` × ``rows``; what it writes is kept."""

    def __init__(self, argv: list[str], cols: int = 80, rows: int = 24) -> None:
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        env.pop("NO_COLOR", None)
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its terminal
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.chdir("/")  # ``python -m`` looks in the current folder first: not here, so
            # that PYTHONPATH=OTHER_CHECKOUT measures that checkout
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        self.lock = threading.Lock()
        self.raw = bytearray()
        self.text = ""
        self.writes: list[tuple[float, int]] = []
        self.found = threading.Condition(self.lock)
        self.alive = True
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        decoder_tail = b""
        while self.alive:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            now = time.perf_counter()
            data = decoder_tail + chunk
            try:
                decoded = data.decode()
                decoder_tail = b""
            except UnicodeDecodeError as exc:
                decoded = data[:exc.start].decode()
                decoder_tail = data[exc.start:]
            with self.lock:
                self.raw += chunk
                self.writes.append((now, len(chunk)))
                self.text += ESCAPES.sub("", decoded)
                self.found.notify_all()
        with self.lock:
            self.alive = False
            self.found.notify_all()

    def mark(self) -> int:
        """A position in the text written so far."""
        with self.lock:
            return len(self.text)

    def wait_for(self, text: str, since: int = 0, timeout: float = 20.0) -> float:
        """perf_counter() when ``text`` first appeared after position ``since``."""
        deadline = time.perf_counter() + timeout
        with self.lock:
            while text not in self.text[since:]:
                left = deadline - time.perf_counter()
                if left <= 0 or not self.alive:
                    raise TimeoutError(f"{text!r} never appeared; last: {self.text[-300:]!r}")
                self.found.wait(min(left, 0.05))
            return time.perf_counter()

    def press(self, key: str) -> float:
        os.write(self.fd, key.encode())
        return time.perf_counter()

    def bytes_between(self, start: float, stop: float) -> int:
        with self.lock:
            return sum(n for t, n in self.writes if start <= t < stop)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def quit(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, b"\x1bq")
        for _ in range(100):
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        self.alive = False
        self.reader.join(1)
        os.close(self.fd)


def compile_package() -> Path:
    """Compile the app's package to bytecode (as installing it does); its folder."""
    spec = importlib.util.find_spec("backprop_tui")
    assert spec is not None and spec.origin is not None, "backprop_tui is not importable"
    folder = Path(spec.origin).parent
    compileall.compile_dir(str(folder), quiet=1)
    return folder


START_BYTES_SECONDS = 2.0
"""The bytes an app writes in this many seconds from its spawn: its first frames."""


def paired_ratios(times: list[float], baseline: list[float]) -> list[float]:
    """Each round's ratio of ``times`` to ``baseline`` (the apps of a round run one after
    another, so a machine slower for a while slows both and the ratio stays)."""
    return [t / b for t, b in zip(times, baseline, strict=True)]


def first_frames(runs: int) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Seconds to the first frame and bytes written in the first two seconds, per app."""
    times: dict[str, list[float]] = {"minimal": [], "minimal + numpy": [], "ours": []}
    sizes: dict[str, list[int]] = {name: [] for name in times}
    apps = ((MINIMAL, MINIMAL_READY, "minimal"),
            (MINIMAL + ["--numpy"], MINIMAL_READY, "minimal + numpy"),
            (OURS, OURS_READY, "ours"))
    for run in range(runs + 1):
        for argv, ready, name in apps:
            term = Terminal(argv)
            try:
                shown = term.wait_for(ready) - term.started
                time.sleep(max(term.started + START_BYTES_SECONDS + 0.2 - time.perf_counter(),
                               0.3))
                if run:  # the first round warms the file cache; it is not counted
                    times[name].append(shown)
                    sizes[name].append(term.bytes_between(
                        term.started, term.started + START_BYTES_SECONDS))
            finally:
                term.quit()
    return times, sizes


def time_to_interactive(runs: int) -> dict[str, list[float]]:
    """Seconds from the spawn to the answer of a key pressed the moment the first frame
    shows: ``f`` (its forward pass on screen) in ours, ``x`` (its echo) in the minimal app."""
    times: dict[str, list[float]] = {"minimal": [], "ours": []}
    apps = ((MINIMAL, MINIMAL_READY, "x", "pressed 1 times", "minimal"),
            (OURS, OURS_READY, "f", "forward pass: z and a of every neuron", "ours"))
    for run in range(runs + 1):
        for argv, ready, key, answer, name in apps:
            term = Terminal(argv)
            try:
                since = term.mark()
                term.wait_for(ready)
                term.press(key)
                answered = term.wait_for(answer, since) - term.started
                if run:  # the first round warms the file cache; it is not counted
                    times[name].append(answered)
            finally:
                term.quit()
    return times


def key_to_screen(runs: int) -> tuple[dict[str, list[float]], list[int]]:
    """Seconds from a key to its result on screen; and the bytes ``tab`` writes."""
    times: dict[str, list[float]] = {"f": [], "b": [], "s": [], "space": [],
                                     "x (minimal app)": []}
    tabs: list[int] = []
    checks = (("f", "f", "forward pass: z and a of every neuron"),
              ("b", "b", "backward pass: output layer"),
              ("s", "s", "every w and b moved by"),
              ("space", " ", "forward pass: z and a of every neuron"))
    for _ in range(runs):
        term = Terminal(OURS)
        try:
            term.wait_for(OURS_READY)
            time.sleep(0.5)
            for name, key, text in checks:
                since = term.mark()
                sent = term.press(key)
                times[name].append(term.wait_for(text, since) - sent)
                time.sleep(0.3)
            sent = term.press("\t")
            time.sleep(0.5)
            tabs.append(term.bytes_between(sent, sent + 0.5))
        finally:
            term.quit()
        term = Terminal(MINIMAL)
        try:
            term.wait_for(MINIMAL_READY)
            time.sleep(0.5)
            for n in (1, 2, 3):
                since = term.mark()
                sent = term.press("x")
                times["x (minimal app)"].append(
                    term.wait_for(f"pressed {n} times", since) - sent)
                time.sleep(0.3)
        finally:
            term.quit()
    return times, tabs


def idle_then_training(train_seconds: float, idle_seconds: float) -> dict[str, float]:
    """Idle after f and b in a fresh app; then bytes/s while training; then idle again."""
    term = Terminal(OURS)
    try:
        term.wait_for(OURS_READY)
        time.sleep(0.5)
        for key, text in (("f", "forward pass: z and a"), ("b", "backward pass: output layer")):
            since = term.mark()
            term.press(key)
            term.wait_for(text, since)
        time.sleep(1.0)
        start, cpu0 = time.perf_counter(), term.cpu_seconds()
        time.sleep(idle_seconds)
        stop, cpu1 = time.perf_counter(), term.cpu_seconds()
        out = {
            "idle bytes": term.bytes_between(start, stop),
            "idle seconds": stop - start,
            "idle CPU %": 100 * (cpu1 - cpu0) / (stop - start),
            "idle RSS MB": term.rss_mb(),
        }
        since = term.mark()
        term.press("t")
        term.wait_for("training on batches", since)
        time.sleep(1.0)  # past the first frames of the curve
        start, cpu0 = time.perf_counter(), term.cpu_seconds()
        time.sleep(train_seconds)
        stop, cpu1 = time.perf_counter(), term.cpu_seconds()
        out["training bytes/s"] = term.bytes_between(start, stop) / (stop - start)
        out["training CPU %"] = 100 * (cpu1 - cpu0) / (stop - start)
        since = term.mark()
        term.press("t")
        term.wait_for("training stopped", since)
        time.sleep(1.0)
        start, cpu0 = time.perf_counter(), term.cpu_seconds()
        time.sleep(idle_seconds / 2)
        stop, cpu1 = time.perf_counter(), term.cpu_seconds()
        out["after training bytes"] = term.bytes_between(start, stop)
        out["after training CPU %"] = 100 * (cpu1 - cpu0) / (stop - start)
        out["after training RSS MB"] = term.rss_mb()
        return out
    finally:
        term.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="start-ups of each app (default 7)")
    parser.add_argument("--train-seconds", type=float, default=10.0)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--only-start", action="store_true",
                        help="measure the first frame only (quicker, for more runs)")
    opts = parser.parse_args()
    med = statistics.median

    print(f"backprop_tui from {compile_package()} (compiled to bytecode first)")
    frames, sizes = first_frames(opts.runs)
    minimal = med(frames["minimal"])
    print(f"first frame, median of {opts.runs} (80×24 pty); ratio to the minimal app, "
          f"median of the rounds' own ratios (lowest–highest), and of the fastest starts "
          f"(a machine busy for a moment slows a start, never speeds it up); bytes written "
          f"in the first {START_BYTES_SECONDS:.0f} s:")
    print(f"  minimal Textual app   {minimal * 1e3:7.0f} ms                                "
          f"          {med(sizes['minimal']):7,} bytes")
    for name, label in (("minimal + numpy", "the same + numpy"), ("ours", "backprop-tui")):
        ratios = paired_ratios(frames[name], frames["minimal"])
        fastest = min(frames[name]) / min(frames["minimal"])
        print(f"  {label:<20}  {med(frames[name]) * 1e3:7.0f} ms   ratio {med(ratios):.2f} "
              f"({min(ratios):.2f}–{max(ratios):.2f}), fastest {fastest:.2f}   "
              f"{med(sizes[name]):7,} bytes"
              + ("   (budgets ≤ 1.3×, ≤ 10 KB)" if name == "ours" else ""))
    ready = time_to_interactive(opts.runs)
    ratios = paired_ratios(ready["ours"], ready["minimal"])
    print(f"time to interactive (from the spawn to the answer of a key pressed as the first "
          f"frame shows: f in ours, x in the minimal app), median of {opts.runs}:")
    print(f"  minimal Textual app   {med(ready['minimal']) * 1e3:7.0f} ms")
    print(f"  backprop-tui          {med(ready['ours']) * 1e3:7.0f} ms   ratio {med(ratios):.2f} "
          f"({min(ratios):.2f}–{max(ratios):.2f})   (budget ≤ 1.3×)")
    if opts.only_start:
        return

    keys, tabs = key_to_screen(max(opts.runs, 2))  # a key's times come in two clusters
    base = med(keys["x (minimal app)"])
    print("key to screen, median:")
    for key, values in keys.items():
        extra = "" if key.startswith("x") else f"   +{(med(values) - base) * 1e3:5.1f} ms " \
            "beyond the minimal app (budget ≤ 12)"
        print(f"  {key:<16} {med(values) * 1e3:6.1f} ms{extra}")
    print(f"  tab (the first field): {med(tabs):,} bytes written (budget ≤ 1 KB)")

    cost = idle_then_training(opts.train_seconds, opts.idle_seconds)
    print(f"idle after f and b, {cost['idle seconds']:.0f} s: {cost['idle bytes']} bytes "
          f"(budget 0), {cost['idle CPU %']:.2f}% of a core (budget ≤ 0.5), "
          f"{cost['idle RSS MB']:.0f} MB resident (budget ≤ 60)")
    print(f"bytes to the terminal while training (80×24, default speed): "
          f"{cost['training bytes/s'] / 1e3:.1f} KB/s (budget ≤ 10), "
          f"{cost['training CPU %']:.0f}% of a core")
    print(f"idle after training: {cost['after training bytes']} bytes, "
          f"{cost['after training CPU %']:.2f}% of a core, "
          f"{cost['after training RSS MB']:.0f} MB resident (plotext loaded for the curve)")


if __name__ == "__main__":
    main()
