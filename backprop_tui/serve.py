"""``backprop-tui serve``: the app in a web browser, one app process per visitor.

The server is textual-serve's: every browser that opens the page gets its own
``python -m backprop_tui …`` process, whose screen is drawn by a terminal
emulator in the page. The page here is a local copy of textual-serve's own,
changed in two ways: it loads nothing from the internet (the font comes from
textual-serve's static files, not from a font CDN), and its links are taken
from the request, so the page works under whatever address a visitor used
(``--host 0.0.0.0`` serves a whole classroom).
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .listen import bind_error_message

PAGE_FOLDER = Path(__file__).parent / "web"
"""Where the page template lives."""
PAGE = "page.html"
"""The page every visitor gets: a terminal connected to their own app process."""
TITLE = "backprop-tui"
SHUTDOWN_SECONDS = 5
"""How long Ctrl+C waits for the visitors' apps to quit."""
DEFAULT_FONT_SIZE = 16
"""Pixels; ``?fontsize=N`` in the address changes it (8 to 64)."""


class ServeError(Exception):
    """The server cannot start; the message names the option (``--host``, ``--port``)."""


def app_command(arguments: Sequence[str]) -> str:
    """The shell command each visitor's app runs: this Python, this package, ``arguments``.

    Every part is quoted, so file names with spaces or quotes reach the app unchanged.
    """
    return shlex.join([sys.executable, "-m", "backprop_tui", *arguments])


def url_for(host: str, port: int) -> str:
    """The address to open in a browser, for a server listening on ``host``."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def font_size(text: str) -> int:
    """The page's font size in pixels from ``?fontsize=N`` (a projector wants it bigger)."""
    try:
        size = int(text)
    except ValueError:
        return DEFAULT_FONT_SIZE
    return min(max(size, 8), 64)


def _bind_error(exc: OSError, host: str, port: int) -> ServeError:
    """One line saying why the server could not listen on ``host``:``port``."""
    return ServeError(bind_error_message(exc, host, port))


def serve(command: str, host: str, port: int,
          announce: Callable[[str], None] | None = None) -> None:
    """Serve the app until Ctrl+C (SIGINT) or SIGTERM; each visitor's app runs ``command``.

    ``announce`` is called with the URL once the server listens. A host or port
    the server cannot listen on raises :class:`ServeError`.
    """
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.server import Server

    class AppServer(Server):
        """textual-serve's server with the local page and addresses taken from the request."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.visits: set[asyncio.Task] = set()
            """The connections of the visitors, each with its own app process."""

        async def on_startup(self, app: web.Application) -> None:
            """Quiet: the URL is announced once the server really listens."""

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            visit = asyncio.current_task()
            assert visit is not None  # a request is handled in a task
            self.visits.add(visit)
            try:
                return await super().handle_websocket(request)
            finally:
                self.visits.discard(visit)

        async def on_shutdown(self, app: web.Application) -> None:
            """Stop every visitor's app (textual-serve asks it to quit) before the server."""
            visits = list(self.visits)
            for visit in visits:
                visit.cancel()
            if visits:
                await asyncio.wait(visits, timeout=SHUTDOWN_SECONDS)

        @aiohttp_jinja2.template(PAGE)
        async def handle_index(self, request: web.Request) -> dict[str, Any]:
            scheme = "wss" if request.secure else "ws"
            return {
                "title": TITLE,
                "font_size": font_size(request.query.get("fontsize", "")),
                "static_url": "/static/",
                "websocket_url": f"{scheme}://{request.host}/ws",
            }

    server = AppServer(command, host=host, port=port, title=TITLE,
                       templates_path=PAGE_FOLDER)
    logging.basicConfig(level=logging.WARNING, format=f"{TITLE} serve: %(message)s")

    def listening(*_: object) -> None:
        if announce is not None:
            announce(url_for(host, port))

    loop = asyncio.new_event_loop()
    if sys.platform != "win32":  # on Windows, Ctrl+C arrives as KeyboardInterrupt instead
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.request_exit)
    try:
        web.run_app(server._make_app(), host=host, port=port, loop=loop,
                    handle_signals=False, print=listening, access_log=None,
                    shutdown_timeout=SHUTDOWN_SECONDS)
    except OSError as exc:
        raise _bind_error(exc, host, port) from None
