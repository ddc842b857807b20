"""``serve`` and ``ssh`` serve every shape and data set the app runs (``--shape``, ``--xor``,
``--data``, ``--session``), with each option meaning the same before or after the command.

Each visitor's app is started with :func:`cli.app_arguments` of the server's options:
the tests parse those arguments with the app's own parser and find the network the
server checked. Two real servers show the XOR network on a visitor's first frame.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pytest

from backprop_tui import cli
from backprop_tui.cli import (
    APP,
    APP_OPTIONS,
    TAKEN_BY,
    app_arguments,
    app_lesson,
    app_takes,
    build_parser,
    checked_app_arguments,
    join_negative_values,
    main,
)

from .test_cli import one_error_line, run

SERVERS = ("serve", "ssh")


def parsed(*argv: str) -> argparse.Namespace:
    """``argv`` as main reads it, up to the point where it runs the command."""
    args, unknown = build_parser().parse_known_args(join_negative_values(argv))
    cli.refuse_unknown(args, unknown)
    cli.refuse_options_not_taken(args)
    return cli._app_batch_size(args)


def opened(args: argparse.Namespace) -> tuple:
    """What the app opens for ``args``, as plain values to compare."""
    lesson, theme = app_lesson(args)
    assert not lesson.network.is_chain
    net = lesson.network
    return (net.shape, net.flat_w.tolist(), net.flat_b.tolist(), net.activation.name,
            net.cost.name, lesson.samples.x.tolist(), lesson.samples.y.tolist(), lesson.lr,
            lesson.batch_size, lesson.steps_done, theme)


def visitor(argv: tuple[str, ...]) -> tuple[list[str], argparse.Namespace]:
    """The arguments a server started with ``argv`` hands each visitor's app, and the
    app's parse of them (the app's parser: no command)."""
    server = parsed(*argv)
    arguments = checked_app_arguments(server)
    app = parsed(*arguments)
    assert app.command is None
    assert opened(app) == opened(server)
    return arguments, app


# --- what each visitor's app is given ------------------------------------------------


@pytest.mark.parametrize(("argv", "expected"), [
    (("--xor", "ssh"), ["--xor"]),
    (("ssh", "--xor"), ["--xor"]),
    (("--xor", "serve", "--lr", "2"), ["--lr=2.0", "--xor"]),
    (("--shape", "2,3,1", "serve"), ["--shape=2,3,1"]),
    (("serve", "--shape", "2,2,1", "--w", "-0.5,1,0.25,-2,3,1e-7", "--b", "0,-0.1,0.3",
      "--x", "0:1,1:0", "--y", "1,0"),
     ["--w=-0.5,1.0,0.25,-2.0,3.0,1e-07", "--b=0.0,-0.1,0.3", "--x=0.0:1.0,1.0:0.0",
      "--y=1.0,0.0", "--shape=2,2,1"]),
    (("ssh", "--data", "xor", "--activation", "tanh", "--seed", "4"),
     ["--seed=4", "--activation=tanh", "--data=xor"]),
    (("--batch-size", "2", "ssh", "--xor", "--theme", "textual-light"),
     ["--xor", "--batch-size=2", "--theme=textual-light"]),
])
def test_a_visitors_app_gets_the_network_the_server_was_given(argv, expected):
    arguments, app = visitor(argv)
    assert arguments == expected
    assert app_arguments(app) == arguments  # read back, written the same


def test_xor_before_or_after_the_command_is_the_apps_xor():
    served = opened(parsed(*visitor(("--xor", "ssh"))[0]))
    assert served == opened(parsed(*visitor(("ssh", "--xor"))[0])) == opened(parsed("--xor"))
    shape, _, _, _, _, x, y, *_ = served
    assert shape == (2, 2, 1)
    assert x == [[0, 0], [0, 1], [1, 0], [1, 1]] and y == [[0], [1], [1], [0]]


def test_a_wide_session_is_served(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--shape", "2,3,1", "--xor", "--steps", "20", "--lr", "1.5",
                 "--save", "class.json"]) == 0
    capsys.readouterr()
    arguments, app = visitor(("serve", "--session", "class.json"))
    assert arguments == [f"--session={tmp_path / 'class.json'}"]
    monkeypatch.chdir("/")  # the app does not depend on the folder it starts in
    assert opened(app)[0] == (2, 3, 1) and opened(app)[9] == 20  # steps done
    assert opened(app) == opened(parsed("--session", str(tmp_path / "class.json")))


def test_every_option_the_servers_take_reaches_the_app():
    """The one table (TAKEN_BY) says who takes what; the servers pass on all they take."""
    for dest, takers in TAKEN_BY.items():
        assert APP in takers
        assert app_takes(cli.option_string(dest))
        for server in SERVERS:
            if server in takers:
                assert dest in APP_OPTIONS
    assert all(app_takes(cli.option_string(name)) for name in APP_OPTIONS)
    assert not app_takes("--max-sessions") and not app_takes("--steps")


# --- refusals: one line, exit 2, before anyone connects -------------------------------

# Each value is one the app would take with no option before it: given to a command
# that does not take it, before or after the command, it is refused in the same words.
TAKEN_VALUES = {"lr": ["0.2"], "xor": [], "app_batch_size": ["1"], "theme": ["textual-light"],
                "quiz": [], "plain": [], "visitor_dir": ["."]}
COMMANDS = ("trace", "train", "serve", "ssh")
NOT_TAKEN = [(dest, command) for dest, takers in TAKEN_BY.items() for command in COMMANDS
             if command not in takers]


@pytest.mark.parametrize(("dest", "command"), NOT_TAKEN)
def test_an_option_a_command_does_not_take_is_refused_before_and_after_it(dest, command, capsys,
                                                                          monkeypatch):
    for name in ("run_trace", "run_train", "run_serve", "run_ssh"):
        monkeypatch.setattr(cli, name, lambda args: pytest.fail("not refused"))
    option = [cli.option_string(dest), *TAKEN_VALUES[dest]]
    lines = []
    own = ["--port", "1"] if command in SERVERS else []
    for argv in ([*option, command, *own], [command, *own, *option]):
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        (line,) = captured.err.strip().splitlines()
        assert cli.option_string(dest) in line and f"not {command}" in line
        lines.append(line)
    assert lines[0] == lines[1]


@pytest.mark.parametrize(("command", "option"), [
    (command, option) for command in SERVERS
    for option in sorted(set(TAKEN_VALUES) - {"visitor_dir"}) if command in TAKEN_BY[option]])
def test_a_server_takes_the_apps_options_before_and_after_it(command, option):
    given = [cli.option_string(option), *TAKEN_VALUES[option]]
    before = app_arguments(parsed(*given, command))
    assert before == app_arguments(parsed(command, *given)) != []


@pytest.mark.parametrize(("argv", "words"), [
    (("ssh", "--shape", "2,65,1"), ["--shape", "65 neurons", "1 to 64"]),
    (("serve", "--shape", "2,2,1", "--w", "1,2"), ["--w", "6 weights"]),
    (("ssh", "--shape", "3,2,1", "--xor"), ["--xor", "2 inputs"]),
    (("serve", "--xor", "--batch-size", "5"), ["--batch-size", "4 samples"]),
    (("ssh", "--theme", "no-such-theme"), ["--theme", "not a theme"]),
])
def test_a_server_refuses_what_its_visitors_app_would_refuse(argv, words):
    one_error_line(run(*argv, "--port", "1"), *words)


# --- real servers: the XOR network on the visitor's first frame -----------------------

XOR_FRAME = ("shape 2,2,1", "x₂", "sample 1/4")
"""What the app's first frame of the XOR network shows (its header, its second input,
the four samples)."""


def test_ssh_xor_shows_the_xor_network_and_q_ends_with_status_0(tmp_path):
    pytest.importorskip("pyte")
    from .test_ssh import SSH, Client, SshServer

    if not os.path.exists(SSH):
        pytest.skip(f"{SSH} is missing")
    try:
        from backprop_tui.ssh import import_asyncssh

        import_asyncssh()
    except ImportError:
        pytest.skip("asyncssh is not installed")
    server = SshServer(tmp_path, "--xor")
    client = Client(server.port)
    try:
        for text in XOR_FRAME:
            client.wait_for(text)
        client.press("q")
        assert client.wait_exit() == 0
    finally:
        client.close()
        server.stop()
    assert server.process.returncode == 0


WAIT = 30.0


async def test_serve_shape_shows_the_xor_network_in_the_browsers_terminal(tmp_path):
    aiohttp = pytest.importorskip("aiohttp")
    pyte = pytest.importorskip("pyte")
    pytest.importorskip("textual_serve")
    from .test_serve import Server, origin_of

    server = Server("--shape", "2,2,1", "--xor", cwd=tmp_path)
    try:
        server.wait_until_it_answers()
        screen = pyte.Screen(80, 24)
        stream = pyte.ByteStream(screen)
        async with aiohttp.ClientSession() as session, session.ws_connect(
                f"{origin_of(server)}/ws?width=80&height=24", origin=origin_of(server)) as ws:
            deadline = time.monotonic() + WAIT
            while not all(text in "\n".join(screen.display) for text in XOR_FRAME):
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail("the XOR network not on screen within "
                                f"{WAIT} s:\n" + "\n".join(screen.display))
                message = await ws.receive(timeout=left)
                assert message.type == aiohttp.WSMsgType.BINARY, (message.type, message.data)
                stream.feed(message.data)
            await ws.send_str(json.dumps(["stdin", "q"]))
            while True:  # the app quits, and the server closes the connection
                message = await ws.receive(timeout=max(deadline - time.monotonic(), 0.01))
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                    aiohttp.WSMsgType.CLOSING):
                    break
        deadline = time.monotonic() + WAIT
        while server.app_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.app_processes() == []
    finally:
        code, out, err = server.stop()
    assert code == 0 and "Traceback" not in err
    assert "the app ended with status" not in err, err  # q: status 0


def test_the_help_of_each_server_lists_the_apps_options():
    for command in SERVERS:
        done = run(command, "--help")
        assert done.returncode == 0
        for flag in ("--xor", "--shape", "--batch-size", "--theme", "--quiz"):
            assert flag in done.stdout, (command, flag)
        assert "--visitor-dir" not in done.stdout
    source = Path(cli.__file__).read_text()
    assert "argparse._" not in source and "_option_string_actions" not in source
