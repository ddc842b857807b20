"""A class arriving at once over SSH: forked from the warm process against started anew.

    python benchmarks/ssh_startup.py               # 30 clients, 3 rounds each way (~1 min)
    python benchmarks/ssh_startup.py --clients 10 --rounds 1

Starts ``backprop-tui ssh`` on a free loopback port, once as it runs (each app
forked from the warm "zygote" process that has imported Textual, numpy and the
app) and once with each app started as a new process (``python -m
backprop_tui``, the hidden ``--no-zygote``), then connects N OpenSSH clients
together, each in its own 80×24 pseudo-terminal, and measures the seconds from
the moment they are started until each shows the app's first frame: the last
of them (every screen drawn) and the median. Rounds alternate between the two
ways, so load from elsewhere on the machine hits both alike; the ratio is the
median of the per-round ratios. Also reported: the memory the apps (and the
warm process) hold: the sum of their proportional set sizes, which counts
shared pages once, and of their resident sizes, which counts them in every app.

Needs asyncssh (``pip install -e '.[ssh]'``) and /usr/bin/ssh; Linux only.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from terminal import ESCAPES, OURS_READY

SSH = "/usr/bin/ssh"
CLIENT = [SSH, "-tt", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
          "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-F", "/dev/null"]
TIMEOUT = 180.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path, warm: bool, clients: int,
                 command: str = "ssh") -> tuple[subprocess.Popen, int]:
    """``backprop-tui COMMAND`` (ssh or serve) on a free port, for ``clients`` at once from
    this machine, its apps forked from the warm process or (not ``warm``) started anew."""
    port = free_port()
    args = [sys.executable, "-m", "backprop_tui", command, "--port", str(port),
            "--max-sessions", str(clients), "--max-per-address", str(clients),
            *([] if warm else ["--no-zygote"])]
    server = subprocess.Popen(args, cwd=folder, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    assert server.stdout is not None
    for line in server.stdout:
        if "serving the app" in line:
            return server, port
        if time.monotonic() > deadline:
            break
    server.kill()
    raise SystemExit(f"the server did not start: {server.wait()}")


def spawn_client(port: int) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            env = dict(os.environ, TERM="xterm-256color")
            os.execve(SSH, [*CLIENT, "-p", str(port), "student@127.0.0.1"], env)
        finally:
            os._exit(127)
    return pid, fd


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(text[text.rindex(")") + 2:].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == pid]
        found.extend(kids)
        frontier.extend(kids)
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(proportional set size, resident set size) of ``pid`` in KiB."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def one_round(folder: Path, warm: bool, count: int) -> dict[str, float]:
    server, port = start_server(folder, warm, count)
    clients: list[tuple[int, int]] = []
    try:
        time.sleep(0.5)  # let the server settle after printing its address
        started = time.perf_counter()
        clients = [spawn_client(port) for _ in range(count)]
        texts = {fd: "" for _, fd in clients}
        tails = {fd: b"" for _, fd in clients}
        drawn: dict[int, float] = {}
        deadline = time.monotonic() + TIMEOUT
        while len(drawn) < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(drawn)} of {count} screens drawn in {TIMEOUT} s")
            waiting = [fd for fd in texts if fd not in drawn]
            ready, _, _ = select.select(waiting, [], [], 0.5)
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise SystemExit(f"a client ended before its screen was drawn: "
                                     f"{texts[fd][-300:]!r}")
                data = tails[fd] + data
                text = data.decode(errors="ignore")
                tails[fd] = data[-8:] if not data.endswith(b"\x1b") else data[-1:]
                texts[fd] = (texts[fd] + ESCAPES.sub("", text))[-4000:]
                if OURS_READY in texts[fd]:
                    drawn[fd] = time.perf_counter() - started
        sizes = [memory_kib(pid) for pid in descendants(server.pid)]  # the zygote too
        times = sorted(drawn.values())
        return {"last": times[-1], "median": statistics.median(times),
                "pss": sum(p for p, _ in sizes) / 1024, "rss": sum(r for _, r in sizes) / 1024}
    finally:
        for pid, fd in clients:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(fd)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def report(results: dict[bool, list[dict[str, float]]]) -> None:
    """The table of both ways and their ratios (medians over the rounds)."""
    print(f"{'apps started':<26} {'every screen drawn':>19} {'median screen':>14} "
          f"{'apps PSS':>10} {'apps RSS':>10}")
    for warm, name in ((True, "forked from warm process"), (False, "each a new process")):
        rows = results[warm]
        print(f"{name:<26} {statistics.median(r['last'] for r in rows):>17.2f} s "
              f"{statistics.median(r['median'] for r in rows):>12.2f} s "
              f"{statistics.median(r['pss'] for r in rows):>7.0f} MB "
              f"{statistics.median(r['rss'] for r in rows):>7.0f} MB")
    pairs = list(zip(results[True], results[False]))
    last = statistics.median(w["last"] / c["last"] for w, c in pairs)
    middle = statistics.median(w["median"] / c["median"] for w, c in pairs)
    memory = statistics.median(w["pss"] / c["pss"] for w, c in pairs)
    print(f"forked / new: every screen drawn {last:.2f}×, median screen {middle:.2f}×, "
          f"memory (PSS) {memory:.2f}×")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    if not os.path.exists(SSH):
        print(f"skipped: {SSH} is missing")
        return 0
    from backprop_tui.ssh import asyncssh_missing

    if asyncssh_missing() is not None:
        print("skipped: asyncssh is missing (pip install -e '.[ssh]')")
        return 0
    results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(options.rounds):
            for warm in (True, False):
                results[warm].append(one_round(Path(folder), warm, options.clients))
    print(f"{options.clients} ssh clients connecting together, 80×24, {os.cpu_count()} cores, "
          f"{options.rounds} rounds each way (medians)")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
