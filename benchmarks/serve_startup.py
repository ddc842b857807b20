"""A class arriving at once in the browser: forked from the warm process against started anew.

    python benchmarks/serve_startup.py               # 30 visitors, 3 rounds each way (~1 min)
    python benchmarks/serve_startup.py --visitors 10 --rounds 1

The browser's counterpart of ssh_startup.py. Starts ``backprop-tui serve`` on a
free loopback port, once as it runs (each visitor's app forked from the warm
process that has imported Textual with its web driver, numpy and the app) and
once with each app started as a new process (the hidden ``--no-zygote``), then
opens N websockets together, as N browsers loading the page would, and measures
the seconds from the moment they connect until each has received the app's first
frame (its title): the last of them (every screen drawn) and the median. Rounds
alternate between the two ways, so load from elsewhere on the machine hits both
alike; the ratio is the median of the per-round ratios. Also reported: the memory
the apps (and the warm process) hold, as proportional and resident set sizes.

Needs the serve extra (``pip install -e '.[serve]'``); Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ssh_startup import descendants, memory_kib, report, start_server

TIMEOUT = 180.0
TITLE = b"backprop-tui"


async def visit(port: int, started: float, drawn: list[float], sockets: list) -> None:
    import aiohttp

    session = aiohttp.ClientSession()
    ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24",
                                  origin=f"http://127.0.0.1:{port}")
    sockets.append((session, ws))
    screen = b""
    while TITLE not in screen:
        message = await ws.receive(timeout=TIMEOUT)
        if message.type != aiohttp.WSMsgType.BINARY:
            raise SystemExit(f"the server sent {message.type!r} {message.extra!r}")
        screen += message.data
    drawn.append(time.perf_counter() - started)


async def arrive(port: int, count: int, server_pid: int) -> dict[str, float]:
    drawn: list[float] = []
    sockets: list = []
    started = time.perf_counter()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(visit(port, started, drawn, sockets) for _ in range(count))),
            TIMEOUT)
        sizes = [memory_kib(pid) for pid in descendants(server_pid)]  # the warm process too
    finally:
        for session, ws in sockets:
            await ws.close()
            await session.close()
    times = sorted(drawn)
    return {"last": times[-1], "median": statistics.median(times),
            "pss": sum(p for p, _ in sizes) / 1024, "rss": sum(r for _, r in sizes) / 1024}


def one_round(folder: Path, warm: bool, count: int) -> dict[str, float]:
    server, port = start_server(folder, warm, count, "serve")
    try:
        time.sleep(0.5)  # let the server settle after printing its address
        return asyncio.run(arrive(port, count, server.pid))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        print("skipped: aiohttp is missing (pip install -e '.[serve]')")
        return 0
    load_before = os.getloadavg()
    results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(options.rounds):
            for warm in (True, False):
                results[warm].append(one_round(Path(folder), warm, options.visitors))
    print(f"{options.visitors} browser visitors connecting together, 80×24, {os.cpu_count()} cores, "
          f"{options.rounds} rounds each way (medians); load average before "
          + " ".join(f"{v:.2f}" for v in load_before) + ", after "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
