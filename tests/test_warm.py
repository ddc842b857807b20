"""The warm process both servers fork their apps from: a terminal or three pipes handed
over, a request it cannot take failing alone, and the launcher falling back."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from backprop_tui import __version__
from backprop_tui.warm import Launcher, NotHandedOver, ZygoteLauncher

WAIT = 60.0


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 120))


async def read_all(fd: int) -> bytes:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0))
    try:
        return await asyncio.wait_for(reader.read(), WAIT)
    finally:
        transport.close()


def pipes() -> tuple[list[int], list[int]]:
    """(the app's ends: stdin, stdout, stderr; ours: stdin, stdout, stderr)."""
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    return [stdin_r, stdout_w, stderr_w], [stdin_w, stdout_r, stderr_r]


async def started_on_pipes(launch, tmp_path: Path, *args: str) -> tuple[int, bytes, bytes, int]:
    theirs, ours = pipes()
    try:
        app = await launch(list(args), dict(os.environ), str(tmp_path), theirs)
    finally:
        for fd in theirs:
            os.close(fd)
    os.close(ours[0])
    out, err = await asyncio.gather(read_all(ours[1]), read_all(ours[2]))
    status = await asyncio.wait_for(app.exited, WAIT)
    return app.pid, out, err, status


def test_an_app_forked_on_three_pipes_writes_to_them_in_its_own_session(tmp_path: Path) -> None:
    async def main() -> None:
        zygote = ZygoteLauncher()
        try:
            await asyncio.wait_for(zygote.attach(asyncio.get_running_loop()), WAIT)
            pid, out, err, status = await started_on_pipes(zygote.start, tmp_path, "--version")
            assert status == 0 and __version__ in out.decode() and err == b""
            pid, out, err, status = await started_on_pipes(zygote.start, tmp_path, "--nonsense")
            assert status == 2 and out == b"" and "--nonsense" in err.decode()
            assert pid != zygote.process.pid
        finally:
            zygote.close()

    run(main())


def test_a_request_the_warm_process_cannot_take_fails_alone(tmp_path: Path) -> None:
    async def main() -> None:
        zygote = ZygoteLauncher()
        try:
            await asyncio.wait_for(zygote.attach(asyncio.get_running_loop()), WAIT)
            master, slave = os.openpty()
            try:
                env = dict(os.environ, HUGE="x" * 300_000)
                with pytest.raises(NotHandedOver):
                    await zygote.start(["--version"], env, str(tmp_path), [slave])
                assert not zygote.gone
                app = await zygote.start(["--version"], dict(os.environ), str(tmp_path), [slave])
                assert app.controlling_terminal
                assert await asyncio.wait_for(app.exited, WAIT) == 0
            finally:
                os.close(slave)
                os.close(master)
        finally:
            zygote.close()

    run(main())


def test_the_launcher_starts_apps_anew_once_the_warm_process_is_gone(tmp_path: Path) -> None:
    said: list[str] = []

    async def main() -> None:
        launcher = await Launcher.open(True, said.append)
        try:
            assert launcher.zygote is not None
            # more than the warm process takes at once, and still what exec takes
            huge = dict(os.environ, **{f"HUGE{n}": "x" * 100_000 for n in range(3)})
            theirs, ours = pipes()

            async def with_huge(args, env, cwd, fds):
                return await launcher.start(args, huge, cwd, fds)

            _, out, _, status = await started_on_pipes(with_huge, tmp_path, "--version")
            assert status == 0 and __version__ in out.decode()
            assert "this one starts on its own" in said[-1] and launcher.zygote is not None
            for fd in theirs + ours:
                os.close(fd)
            os.kill(launcher.zygote.process.pid, signal.SIGKILL)
            launcher.zygote.process.wait(timeout=WAIT)
            _, out, _, status = await started_on_pipes(launcher.start, tmp_path, "--version")
            assert status == 0 and __version__ in out.decode()
            assert "apps now start on their own" in said[-1] and launcher.zygote is None
        finally:
            launcher.close()

    run(main())


def test_without_warmth_no_warm_process_is_started(tmp_path: Path) -> None:
    async def main() -> None:
        launcher = await Launcher.open(False, lambda line: None)
        assert launcher.zygote is None
        _, out, _, status = await started_on_pipes(launcher.start, tmp_path, "--version")
        assert status == 0 and __version__ in out.decode()

    run(main())
