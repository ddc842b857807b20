"""The command line: ``backprop-tui`` (the app), ``trace``, ``train``, ``serve`` and ``ssh``.

Bad input never ends in a traceback: exit status 2 and one line on stderr that
names the option and says what is wrong. A training run that diverges exits 3.

``--session FILE`` starts from a saved session: its parameters, samples, η,
batch size and step count. ``--lr``, ``--batch-size`` and the samples
(``--data`` or ``--x``/``--y``) given too override the session's; ``--w`` and
``--b`` are refused with it, since the session's parameters are what it goes on
from. ``--data FILE.csv`` reads the samples from a CSV file instead of ``--x``
and ``--y`` (not both).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from . import __version__, blas  # noqa: F401  (blas: before numpy loads)
from .gate import LOGIN_SECONDS, PER_ADDRESS
from .model import defaults
from .model.errors import FileError, ModelError
from .model.files import VISITOR_BYTES, VISITOR_FILES, Folder, MiB, shown_name, writable_target
from .model.functions import ACTIVATIONS, COSTS, SIGMOID, SQUARED_ERROR
from .model.limits import (
    MAX_LAYERS,
    MAX_SAMPLES,
    MAX_TRACE_SAMPLES,
    Shape,
    check_shape,
    check_trace_samples,
)
from .model.numbers import parse_integer, parse_number
from .model.start import XOR_DATA, Sample, StartError, StartValues, resolve_start
from .present.formulas import NUDGE_FORMULA

# The app's path imports what its first frame needs and no more (numpy, the chain and
# the sessions come after it is drawn): what only trace, train and the servers use is
# imported where they run.

PROG = "backprop-tui"

DEFAULT_HOST = "127.0.0.1"
"""Where ``serve`` listens unless told: this machine only."""
DEFAULT_PORT = 8000
"""The port ``serve`` listens on unless told."""
DEFAULT_SSH_PORT = 2222
"""The port ``ssh`` listens on unless told."""
DEFAULT_MAX_SESSIONS = 40
"""How many visitors a server (``serve``, ``ssh``) lets in at once unless told."""
DEFAULT_IDLE_MINUTES = 30.0
"""A server ends a visitor's app after this long without input unless told."""
HOST_KEY_NAME = "backprop-tui-ssh-host-key"
"""The ``ssh`` host key's file, in the folder the server starts in, unless ``--host-key``."""
VISITOR_DIR_OPTION = "--visitor-dir"
"""The app option that keeps a visitor's files in their own folder."""
SERVE_EXTRA = ("aiohttp", "textual_serve")
"""What ``serve`` needs beyond the app: ``pip install 'backprop-tui[serve]'``."""

EXIT_USAGE = 2
"""Bad input on the command line."""
EXIT_DIVERGED = 3
"""Training stopped because the numbers would stop being finite."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl+C (128 + SIGINT, as shells report it)."""

VALUE_OPTIONS = ("--w", "--b", "--x", "--y", "--lr", "--steps", "--batch-size")
"""Options that take a value, which may start with a minus sign."""


class UsageError(Exception):
    """Bad input: the message is printed as the one line on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse with errors on one line and exit status 2, never a usage dump; it keeps
    the option strings it takes (its groups' too) in :attr:`option_strings`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.option_strings: set[str] = set()
        """Every option string of this parser (a command's parser keeps its own)."""
        super().__init__(*args, **kwargs)  # adds --help

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.option_strings.update(action.option_strings)
        return action

    def group(self, title: str) -> Group:
        """A titled group of options in the help, counted in :attr:`option_strings`."""
        return Group(self, title)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class Group:
    """Options shown together under a title in a :class:`_Parser`'s help."""

    def __init__(self, parser: _Parser, title: str) -> None:
        self._parser = parser
        self._group = parser.add_argument_group(title)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = self._group.add_argument(*args, **kwargs)
        self._parser.option_strings.update(action.option_strings)
        return action


def _number(text: str) -> float:
    """One number of an option, read by the program's one parser (:mod:`.model.numbers`)."""
    try:
        return parse_number(text)
    except ModelError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def number_list(text: str) -> tuple[float, ...]:
    """``"0.5, −0.3,1"`` → (0.5, −0.3, 1.0); refuses empty items and what is not a number."""
    items = text.split(",")
    if not text.strip():
        raise argparse.ArgumentTypeError("the list is empty")
    values = []
    for i, item in enumerate(items, 1):
        if not item.strip():
            raise argparse.ArgumentTypeError(f"item {i} of {text!r} is empty")
        values.append(_number(item))
    return tuple(values)


def samples_list(text: str) -> tuple[Sample, ...]:
    """``"0.1:0.9,0.4:0.2"`` → ((0.1, 0.9), (0.4, 0.2)): samples, a sample's values joined
    by ``:`` (see ``--shape``); without ``:``, plain numbers."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the list is empty")
    out: list[Sample] = []
    for i, item in enumerate(text.split(","), 1):
        parts = item.split(":")
        if not item.strip():
            raise argparse.ArgumentTypeError(f"item {i} of {text!r} is empty")
        if len(parts) > 1 and not all(part.strip() for part in parts):
            raise argparse.ArgumentTypeError(f"item {i} of {text!r} has an empty value "
                                             "between ':'")
        values = tuple(_number(part) for part in parts)
        out.append(values if len(parts) > 1 else values[0])
    return tuple(out)


def shape_argument(text: str) -> Shape:
    """``"2,2,1"`` → (2, 2, 1): inputs, then neurons per layer."""
    sizes = []
    for i, item in enumerate(text.split(","), 1):
        if not item.strip():
            raise argparse.ArgumentTypeError(f"item {i} of {text!r} is empty")
        try:
            sizes.append(parse_integer(item))
        except ModelError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    try:
        return check_shape(sizes)
    except ModelError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("shape: ")) from None


def learning_rate(text: str) -> float:
    return _number(text)


def whole(minimum: int, maximum: int | None = None):
    """The type of an option taking a whole number from ``minimum`` (to ``maximum``) on."""
    def parse(text: str) -> int:
        try:
            return parse_integer(text, minimum=minimum, maximum=maximum)
        except ModelError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--w -0.3,0.5`` → ``--w=-0.3,0.5``, so argparse does not take ``-0.3,…`` for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if (
            arg in VALUE_OPTIONS
            and i + 1 < len(argv)
            and argv[i + 1].startswith("-")
            and not argv[i + 1].startswith("--")
        ):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


APP = "the app"
"""Who takes the options given without a command: the app (``backprop-tui --theme …``)."""

TAKEN_BY: dict[str, tuple[str, ...]] = {
    "lr": (APP, "train", "serve", "ssh"),
    "xor": (APP, "trace", "train", "serve", "ssh"),
    "app_batch_size": (APP, "train", "serve", "ssh"),
    "theme": (APP, "serve", "ssh"),
    "quiz": (APP, "serve", "ssh"),
    "plain": (APP, "ssh"),
    "visitor_dir": (APP,),
}
"""The options (by dest) that not every command takes, and who takes them; the parser is
built from it. A command that takes one has it after its name too (``backprop-tui ssh --xor``
means ``backprop-tui --xor ssh``), unless it has a copy of its own (train's ``--batch-size``);
given before a command that does not take it (``backprop-tui --lr 2 trace``) it is refused,
never ignored. ``serve`` and ``ssh`` hand each visitor's app all they take
(:data:`APP_OPTIONS`)."""


def _takes(command: str, dest: str) -> bool:
    return command in TAKEN_BY[dest]


def _add_taken(parser: _Parser, group: Group, command: str, dest: str, flag: str,
               **kwargs: Any) -> None:
    """Option ``flag`` of :data:`TAKEN_BY` in ``group`` when ``command`` takes it and has no
    copy of its own. A command's copy has no default: it keeps a value given before it."""
    if not _takes(command, dest) or flag in parser.option_strings:
        return
    if command != APP:
        kwargs.pop("default", None)
    group.add_argument(flag, dest=dest, **kwargs)


def _add_chain_options(parser: _Parser) -> None:
    group = parser.group("the network")
    group.add_argument("--layers", type=whole(1), metavar="N",
                       help=f"number of layers, 1 to {MAX_LAYERS}; without --w, random start "
                            "values from --seed (default: the length of --w, else 3)")
    group.add_argument("--shape", type=shape_argument, metavar="N0,N1,...",
                       help="inputs, then neurons per layer (1 to 64 each, 1 to "
                            f"{MAX_LAYERS} layers), e.g. 2,2,1; --w and --b then go layer by "
                            "layer, neuron by neuron; 1,1,1,1 is the note's chain")
    group.add_argument("--seed", type=whole(0), metavar="S",
                       help=f"seed of the random start values of --layers (default {defaults.SEED})")
    group.add_argument("--activation", choices=list(ACTIVATIONS),
                       help=f"activation of every neuron (default {SIGMOID.name})")
    group.add_argument("--cost", choices=list(COSTS),
                       help=f"cost of the output (default {SQUARED_ERROR.name}); "
                            "cross-entropy needs sigmoid and targets in [0, 1]")


def _add_start_options(parser: _Parser, command: str) -> None:
    _add_chain_options(parser)
    group = parser.group("start values (lists are comma-separated)")
    group.add_argument("--w", type=number_list, metavar="W1,W2,...",
                       help="weights, input to output; their number is the number of layers "
                            f"(default {','.join(map(str, defaults.W))})")
    group.add_argument("--b", type=number_list, metavar="B1,B2,...",
                       help=f"biases, one per weight (default {','.join(map(str, defaults.B))}; "
                            "zeros when only --w is given)")
    group.add_argument("--x", type=samples_list, metavar="X1,X2,...",
                       help=f"inputs, one per sample (default {','.join(map(str, defaults.X))}); "
                            "with --shape, a sample's inputs joined by ':' (0.1:0.9,0.4:0.2)")
    group.add_argument("--y", type=samples_list, metavar="Y1,Y2,...",
                       help=f"targets, one per input (default {','.join(map(str, defaults.Y))})")
    _add_taken(parser, group, command, "lr", "--lr", type=learning_rate, metavar="ETA",
               help=f"learning rate η (default {defaults.LR})")
    _add_taken(parser, group, command, "xor", "--xor", action="store_true", default=False,
               help="the XOR samples 00→0, 01→1, 10→1, 11→0 (also --data xor); "
                    "shape 2,2,1 unless --shape is given")
    _add_file_options(parser)


def _add_file_options(parser: _Parser) -> None:
    files = parser.group("files")
    files.add_argument("--data", metavar="FILE.csv",
                       help="read the samples from a CSV file with columns x and y "
                            "(a header line x,y is optional); instead of --x and --y")
    files.add_argument("--session", metavar="FILE",
                       help="start from a saved session (parameters, samples, η, batch size, "
                            "steps, loss history); --lr, --batch-size and the samples given "
                            "too override it")


def _add_app_options(parser: _Parser, command: str) -> None:
    """The app's own options that ``command`` takes (see :data:`TAKEN_BY`)."""
    app = parser.group(APP if command == APP else "each visitor's app")
    _add_taken(parser, app, command, "app_batch_size", "--batch-size", type=whole(1),
               metavar="B", default=None,
               help="samples per training step in the app (default: all samples)")
    _add_taken(parser, app, command, "theme", "--theme", metavar="NAME", default=None,
               help="colours: backprop-contrast (white on black, for projectors), "
                    "backprop-okabe-ito (safe for colour-blind readers) or a Textual "
                    "theme such as textual-light; saved with the session")
    _add_taken(parser, app, command, "plain", "--plain", action="store_true", default=False,
               help="the lesson in plain lines for a screen reader or a braille display: "
                    "no full screen, one fact a line in ASCII, appended (also when "
                    "TERM=dumb; over ssh for every visitor)")
    _add_taken(parser, app, command, "quiz", "--quiz", action="store_true", default=False,
               help="open the app in quiz mode: in the backward pass the next factor "
                    "is hidden until you type its value (within 1%%) or reveal it")
    _add_taken(parser, app, command, "visitor_dir", VISITOR_DIR_OPTION, metavar="DIR",
               default=None,
               help="for servers: keep every file the app reads or writes inside DIR "
                    "(an existing folder; plain file names only, at most "
                    f"{VISITOR_FILES} files and {VISITOR_BYTES // MiB} MiB); the "
                    "--session and --data files are read as given, and never written")


def build_parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="See backpropagation number by number: a chain of one-neuron layers, "
                    "or a network of a few neurons a layer (--shape, --xor).",
        epilog="Without a command, opens the app. "
               "Example: backprop-tui trace --w -0.3,0.5,1 --b 0,0,0 --x 0.7 --y 1",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_start_options(parser, APP)
    _add_app_options(parser, APP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    # Options a command shares with the app may also come before the command
    # (``backprop-tui --w 1,2 trace``): a command's own copy must not reset them.
    shared: dict[str, Any] = {"argument_default": argparse.SUPPRESS}
    trace = commands.add_parser(
        "trace", **shared, help="print one forward and backward pass, every factor with its numbers",
        description="Print the forward pass, then every chain-rule factor as "
                    "formula = numbers = value, from the output layer back.",
    )
    _add_start_options(trace, "trace")
    trace.add_argument("--format", choices=TRACE_FORMATS, metavar="{text,json,markdown,dot}",
                       default=None,
                       help="text for reading (the default), json for programs, markdown "
                            "for a handout: the factors as tables; dot: the computation "
                            "graph of sample 1 in Graphviz's language (dot -Tsvg makes a "
                            "picture), each node with its value and gradient")
    trace.add_argument("--json", action="store_true", default=False,
                       help="the same as --format json")
    trace.add_argument("--check", action="store_true", default=False,
                       help=f"beside each gradient, the nudge check {NUDGE_FORMULA} "
                            "with its relative difference")
    _add_app_options(trace, "trace")

    train = commands.add_parser(
        "train", **shared, help="run gradient descent and print the result",
        description="Train with gradient descent on mini-batches: step k uses samples "
                    "kB … kB+B−1 (mod n).",
    )
    _add_start_options(train, "train")
    train.add_argument("--steps", type=whole(0), default=defaults.STEPS, metavar="K",
                       help=f"number of steps (default {defaults.STEPS})")
    train.add_argument("--batch-size", type=whole(1), metavar="B", default=None,
                       help="samples per step (default: all samples)")
    train.add_argument("--json", action="store_true", default=False,
                       help="print one JSON object instead")
    train.add_argument("--save", metavar="FILE", default=None,
                       help="write the trained session to FILE (atomically: a failed save "
                            "leaves an existing FILE as it was)")
    _add_app_options(train, "train")

    serve = commands.add_parser(
        "serve", **shared, help="serve the app to web browsers (one app per visitor)",
        description="Serve the app to web browsers: every visitor gets their own app, "
                    "started with the options given here, in a private folder of its own. "
                    f"Needs the serve extra: pip install '{PROG}[serve]'. Stop with Ctrl+C.",
    )
    _add_start_options(serve, "serve")
    _add_app_options(serve, "serve")
    _add_server_options(serve, DEFAULT_PORT)
    group = serve.group("a class that follows the teacher")
    group.add_argument("--class", dest="class_", action="store_true", default=False,
                       help="one lesson for the room: the teacher (the secret address printed "
                            "at start, also kept in ./backprop-tui-teacher-url.txt) leads, and "
                            "every student (who joins with a name on the server's page) sees "
                            "it on their own screen, answers the teacher's questions, and may "
                            "go their own way (F)")
    _add_class_files(group, "the class code students type to join")

    ssh = commands.add_parser(
        "ssh", **shared, help="serve the app over SSH (one app per connection; no accounts)",
        description="Serve the app over SSH: students type ssh -p PORT HOST and each gets "
                    "their own app, started with the options given here, in a private "
                    "folder removed when they leave. Any user name is accepted; "
                    "--password-file asks for one password. Needs "
                    "pip install 'backprop-tui[ssh]'. Stop with Ctrl+C.",
    )
    _add_start_options(ssh, "ssh")
    _add_app_options(ssh, "ssh")
    server = _add_server_options(ssh, DEFAULT_SSH_PORT)
    server.add_argument("--password-file", metavar="FILE", default=None,
                        help="a file holding one password that clients must give "
                             "(default: no password, any user name)")
    server.add_argument("--host-key", metavar="FILE", default=HOST_KEY_NAME,
                        help="the server's host key, made on first start and kept, so "
                             "clients see the same key after a restart "
                             f"(default ./{HOST_KEY_NAME})")
    server.add_argument("--login-seconds", type=positive_number, default=None,
                        help=argparse.SUPPRESS)
    group = ssh.group("a class that follows the teacher")
    group.add_argument("--class", dest="class_", action="store_true", default=False,
                       help="one lesson for the room: the teacher (--teacher-key) leads, and "
                            "every student (ssh -p PORT NAME@HOST) sees it on their own "
                            "screen, answers the teacher's questions, and may go their own "
                            "way (F)")
    group.add_argument("--teacher-key", metavar="KEYS", default=None,
                       help="with --class: an OpenSSH public-key file (authorized_keys "
                            "format); whoever connects with one of its keys is the teacher")
    _add_class_files(group, "the class code students type as the password (the teacher's "
                            "key needs none)")
    return parser


def _add_class_files(group: Group, code: str) -> None:
    """--class-code-file (``code`` says what it is) and --answers, of a class."""
    group.add_argument("--class-code-file", metavar="FILE", default=None,
                       help=f"with --class: a file holding {code}")
    group.add_argument("--answers", metavar="FILE.csv", default=None,
                       help="with --class: append every answer to this CSV file (time, "
                            "name, question, answer, right or wrong)")


def _add_server_options(parser: _Parser, port: int) -> Group:
    """--host and --port of a server listening on ``port`` unless told; returns their group."""
    server = parser.group("server")
    server.add_argument("--host", default=DEFAULT_HOST, metavar="HOST",
                        help=f"address to listen on (default {DEFAULT_HOST}, this machine "
                             "only; 0.0.0.0 for every network interface)")
    server.add_argument("--port", type=port_number, default=port, metavar="PORT",
                        help=f"port to listen on (default {port})")
    server.add_argument("--max-sessions", type=whole(1), default=DEFAULT_MAX_SESSIONS,
                        metavar="N",
                        help=f"visitors at once; a newcomer beyond them is told the "
                             f"class is full (default {DEFAULT_MAX_SESSIONS})")
    server.add_argument("--idle-minutes", type=positive_number, default=DEFAULT_IDLE_MINUTES,
                        metavar="M",
                        help=f"end a visitor's app after M minutes without input "
                             f"(default {DEFAULT_IDLE_MINUTES:g})")
    server.add_argument("--idle-seconds", type=positive_number, default=None,
                        help=argparse.SUPPRESS)
    server.add_argument("--max-per-address", type=whole(1), default=PER_ADDRESS, metavar="N",
                        help="visitors one address may connect at once (default "
                             f"{PER_ADDRESS}; raise it when a whole class reaches the "
                             "server through one address, behind NAT)")
    # Each app started anew instead of forked from the warm process (for measuring).
    server.add_argument("--no-zygote", action="store_true", default=False,
                        help=argparse.SUPPRESS)
    return server


def positive_number(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not more than 0")
    return value


port_number = whole(1, 65535)
"""The type of ``--port``: a whole number from 1 to 65535."""


def start_values(args: argparse.Namespace) -> StartValues:
    """The start values from parsed options, for every shape, with defaults filled in and
    checked (:func:`.model.start.resolve_start`).

    ``--data`` and ``--session`` files are read here; a value refused is a
    :class:`UsageError` naming the option.
    """
    try:
        return resolve_start(
            w=args.w, b=args.b, x=args.x, y=args.y, lr=getattr(args, "lr", None),
            batch_size=getattr(args, "batch_size", None),
            takes_batch_size=hasattr(args, "batch_size"),
            layers=getattr(args, "layers", None), shape=getattr(args, "shape", None),
            xor=getattr(args, "xor", False), seed=getattr(args, "seed", None),
            activation=getattr(args, "activation", None), cost=getattr(args, "cost", None),
            data=getattr(args, "data", None), session=getattr(args, "session", None),
            # The app takes a few samples only: a larger file is refused as soon as it shows.
            most_samples=(MAX_SAMPLES if args.command in (None, "serve", "ssh")
                          else MAX_TRACE_SAMPLES + 1 if args.command == "trace" else None),
            wide=True,
        )
    except StartError as exc:
        raise UsageError(str(exc) if exc.option is None
                         else f"argument --{exc.option}: {exc}") from None


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def run_trace(args: argparse.Namespace) -> int:
    import json

    from .model import check_gradients
    from .present.report import trace_json, trace_markdown, trace_text

    form = trace_format(args)
    start = start_values(args)
    samples = start.samples()
    try:
        check_trace_samples(len(samples))
    except ModelError as exc:
        raise UsageError(f"argument --{'data' if args.data else 'x'}: {exc}") from None
    bp = start.network().forward(samples).backward()
    check = None
    if getattr(args, "check", False):
        if form in ("markdown", "dot"):
            raise UsageError(f"argument --check: not available with --format {form}")
        check = check_gradients(bp)
    if form == "json":
        _emit(json.dumps(trace_json(bp, check), ensure_ascii=False) + "\n")
    elif form == "markdown":
        _emit(trace_markdown(bp))
    elif form == "dot":
        from .present.graph import graph_dot

        _emit(graph_dot(bp))
    else:
        _emit(trace_text(bp, check))
    return 0


TRACE_FORMATS = ("text", "json", "markdown", "dot")
"""What ``trace --format`` can print."""


def trace_format(args: argparse.Namespace) -> str:
    """The output format of ``trace``: ``--format``, or json for ``--json``; text by default."""
    form = getattr(args, "format", None)
    if getattr(args, "json", False):
        if form not in (None, "json"):
            raise UsageError(f"argument --json: not allowed with --format {form}")
        return "json"
    return form or "text"


def run_train(args: argparse.Namespace) -> int:
    import json

    from .long_run import LongRun, StopOnCtrlC, TooLong
    from .model.trainer import Trainer
    from .present.report import train_json, train_text, train_warnings

    save = getattr(args, "save", None)
    if save is not None:
        _check_save_path(save)
    begun = start_values(args)
    going_on = begun.session
    network = begun.network()
    start = network if going_on is None else going_on.start
    trainer = Trainer(network, begun.samples(), begun.lr, begun.batch_size,
                      history=None if going_on is None else going_on.history.copy(),
                      steps_done=0 if going_on is None else going_on.steps)
    initial = trainer.mean_cost()
    run = LongRun(trainer, args.steps)
    with StopOnCtrlC(run):
        run.measure()  # the first steps, which tell how long the rest would take
        try:
            run.check_length()
        except TooLong as exc:
            raise UsageError(f"argument --steps: {exc}") from None
        for warning in train_warnings(trainer):
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
        _train_on(run, show_bar=not args.json and _on_a_terminal())
    if save is not None:
        from .model.session import Session, save_session

        saved = Session.from_trainer(trainer, start)
        if going_on is not None:
            saved = dataclasses.replace(saved, theme=going_on.theme)
        try:
            save_session(saved, save)
        except FileError as exc:
            raise UsageError(f"argument --save: {exc}") from None
    if args.json:
        _emit(json.dumps(train_json(trainer, initial, run.done), ensure_ascii=False) + "\n")
    else:
        _emit(train_text(trainer, initial, run.done))
        if going_on is not None:
            _emit(f"went on from step {going_on.steps} of {shown_name(args.session)}\n")
        if save is not None:
            _emit(f"session saved to {shown_name(save)}\n")
    if trainer.divergence is not None:
        print(f"{PROG}: {trainer.divergence}", file=sys.stderr)
        return EXIT_DIVERGED
    if run.interrupted and run.done < run.steps:
        print(f"{PROG}: interrupted after {run.done} of {run.steps} steps", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _on_a_terminal() -> bool:
    """Whether a progress bar belongs on stderr: it is a terminal and stdout is not piped."""
    import os
    import stat

    try:
        piped = stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        piped = True
    return sys.stderr.isatty() and not piped


def _train_on(run, show_bar: bool) -> None:
    """The rest of ``run``, with a progress bar on stderr when ``show_bar``."""
    if not show_bar or run.finished:
        run.run()
        return
    from .long_run import ProgressBar

    with ProgressBar(run, sys.stderr) as bar:
        run.run(bar.update)


def _check_save_path(path: str) -> None:
    """Refuse a ``--save`` path that cannot work before spending time on training: a
    folder, a device, a FIFO, a socket, a link to nothing, a folder that does not exist."""
    try:
        writable_target(path, "session")
    except FileError as exc:
        raise UsageError(f"argument --save: {exc}") from None


def _lesson(args: argparse.Namespace, values: StartValues, *, opening: bool = False):
    """The app's lesson from ``values``; a :class:`UsageError` naming the option when the
    app cannot take them (more samples than it shows).

    With ``opening``, fresh start values (not a session) give an :class:`Opening`,
    checked as the lesson would be: the app draws its first frame from it and makes
    the lesson (numpy, the model) after that frame.
    """
    try:
        if opening and values.session is None and values.shape is None:
            from .model.opening import Opening

            return Opening(values)
        from .model.lesson import Lesson

        if values.session is not None:
            return Lesson.from_session(values.session)
        return Lesson(values.network(), values.samples(), values.lr, values.batch_size)
    except ModelError as exc:
        given = [option for option in ("x", "data", "session")
                 if getattr(args, option, None) is not None]
        raise UsageError(f"argument --{given[0] if given else 'x'}: {exc}") from None


def _checked_theme(args: argparse.Namespace, saved: str | None) -> str | None:
    """``--theme``, else the session's (``saved``); a :class:`UsageError` for no theme."""
    from .tui.themes import theme_names

    theme = getattr(args, "theme", None)
    if theme is None:
        theme = saved
    if theme is not None and theme not in theme_names():
        raise UsageError(f"argument --theme: {theme!r} is not a theme; one of: "
                         + ", ".join(theme_names()))
    return theme


def app_lesson(args: argparse.Namespace, *, opening: bool = False):
    """What the app opens for ``args``: ``(lesson, theme)``, every value checked as the app
    checks it (a :class:`UsageError` naming the option otherwise). With ``opening``, see
    :func:`_lesson`."""
    values = start_values(args)  # refuse bad values before anything else
    theme = _checked_theme(args, None if values.session is None else values.session.theme)
    return _lesson(args, values, opening=opening), theme


def _visitor_folder(args: argparse.Namespace) -> Folder:
    folder = Folder(args.visitor_dir)
    try:
        folder.check()
    except FileError as exc:
        raise UsageError(f"argument --visitor-dir: {exc}") from None
    return folder


def plain_wanted(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the app runs in plain lines: ``--plain``, or a terminal that says it can do
    nothing else (``TERM=dumb``, as a screen reader's terminal or ``ssh`` from one sends)."""
    return bool(getattr(args, "plain", False)) or environ.get("TERM") == "dumb"


def run_app(args: argparse.Namespace) -> int:
    if plain_wanted(args):
        from .plain import run_plain

        lesson, _ = app_lesson(args)
        _visitor_folder(args)
        return run_plain(lesson, sys.stdin, sys.stdout, quiz=getattr(args, "quiz", False),
                         link=_plain_class_link())
    lesson, theme = app_lesson(args, opening=True)
    folder = _visitor_folder(args)
    session_path = getattr(args, "session", None)
    from .tui.app import run_app as run

    return run(lesson, session_path=session_path, quiz=getattr(args, "quiz", False),
               theme=theme, folder=folder, link=_class_link())


def _plain_class_link():
    """The plain mode's class, as :func:`_class_link` (None when it cannot be joined)."""
    from .hub import ENV_SOCKET, ENV_TOKEN

    path, token = os.environ.get(ENV_SOCKET), os.environ.get(ENV_TOKEN)
    if not path or not token:
        return None
    from .plain import PlainLink

    try:
        return PlainLink(path, token)
    except OSError:
        return None


def _class_link():
    """The app's class, when a class server started it (its hub's socket and this app's
    token in the environment), else None."""
    from .hub import ENV_SOCKET, ENV_TOKEN

    path, token = os.environ.get(ENV_SOCKET), os.environ.get(ENV_TOKEN)
    if not path or not token:
        return None
    from .tui.class_link import ClassLink

    return ClassLink(path, token)


def option_string(dest: str) -> str:
    """The option string of ``dest`` (the app's ``--batch-size`` is kept apart from train's)."""
    return "--batch-size" if dest == "app_batch_size" else "--" + dest.replace("_", "-")


def refuse_options_not_taken(args: argparse.Namespace) -> None:
    """A :class:`UsageError` for an option given before a command that does not take it."""
    if args.command is None:
        return
    for dest, takers in TAKEN_BY.items():
        given = getattr(args, dest, None)
        if given not in (None, False) and args.command not in takers:
            raise UsageError(f"argument {option_string(dest)}: for {_who(takers)}, not {args.command}")


def refuse_unknown(args: argparse.Namespace, unknown: Sequence[str]) -> None:
    """A :class:`UsageError` for what the command line does not take: an option of
    :data:`TAKEN_BY` after a command that does not take it is named as before it."""
    if not unknown:
        return
    for dest, takers in TAKEN_BY.items():
        flag = option_string(dest)
        if any(arg == flag or arg.startswith(flag + "=") for arg in unknown):
            raise UsageError(f"argument {flag}: for {_who(takers)}, not {args.command}")
    raise UsageError(f"unrecognized arguments: {' '.join(unknown)}")


def _who(takers: tuple[str, ...]) -> str:
    if len(takers) == 1:
        return f"{takers[0]} only"
    return ", ".join(takers[:-1]) + f" and {takers[-1]}"


def _app_batch_size(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` with the app's ``--batch-size`` where the command reads it (given before
    ``train``, it counts as train's own unless train has its own)."""
    size = getattr(args, "app_batch_size", None)
    if size is None or (args.command == "train" and args.batch_size is not None):
        return args
    return argparse.Namespace(**{**vars(args), "batch_size": size})


APP_OPTIONS = ("w", "b", "x", "y", "lr", "xor", "layers", "shape", "seed", "activation",
               "cost", "data", "session", "app_batch_size", "theme", "quiz", "plain")
"""The options of ``serve`` and ``ssh`` (by dest: see :func:`option_string`) that are
passed on to each visitor's app: every one of the app's options the servers take
(:data:`TAKEN_BY`)."""


def _sample_text(value: float | tuple[float, ...]) -> str:
    if isinstance(value, tuple):
        return ":".join(repr(float(v)) for v in value)
    return repr(float(value))


def app_arguments(args: argparse.Namespace) -> list[str]:
    """The app's command-line arguments for the options given to ``serve`` or ``ssh``.

    Numbers are written so that they read back exactly (``repr``), each as
    ``--option=value`` (a negative value is not taken for an option), and file
    names are made absolute: the app does not depend on the folder it runs in.
    """
    from pathlib import Path

    out: list[str] = []
    for name in APP_OPTIONS:
        value = getattr(args, name, None)
        if value is None or value is False:
            continue
        flag = option_string(name)
        if value is True:
            out.append(flag)
            continue
        if name == "shape":
            text = ",".join(str(v) for v in value)
        elif isinstance(value, tuple):
            text = ",".join(_sample_text(v) for v in value)
        elif isinstance(value, float):
            text = repr(value)
        elif name == "data" and value == XOR_DATA:
            text = value
        elif name in ("data", "session"):
            text = str(Path(value).absolute())
        else:
            text = str(value)
        out.append(f"{flag}={text}")
    return out


def checked_app_arguments(args: argparse.Namespace) -> list[str]:
    """The app's arguments for a server's options, each value checked once, as the app
    checks it, before any visitor: what the app would refuse, the server refuses."""
    app_lesson(args)
    return app_arguments(args)


def idle_seconds(args: argparse.Namespace) -> float:
    """How long a server's visitor may send nothing: ``--idle-minutes`` (``--idle-seconds``)."""
    return args.idle_seconds if args.idle_seconds is not None else args.idle_minutes * 60


def run_serve(args: argparse.Namespace) -> int:
    try:
        from .serve import (
            Limits,
            ServeError,
            address_for_others,
            listens_everywhere,
            serve,
            url_for,
        )
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in SERVE_EXTRA:
            raise
        raise UsageError(f"serve needs {exc.name}, which is not installed: "
                         f"pip install '{PROG}[serve]'") from None

    arguments = checked_app_arguments(args)
    _check_class_options(args)
    limits = Limits(max_sessions=args.max_sessions, idle_seconds=idle_seconds(args),
                    per_address=args.max_per_address)
    class_ = {}  # without --class, serve is called as it always was
    if args.class_:
        from .serve import ClassSettings, read_class_code

        try:
            code = (None if args.class_code_file is None
                    else read_class_code(args.class_code_file))
        except ServeError as exc:
            raise UsageError(str(exc)) from None
        class_["class_"] = ClassSettings(
            code=code, answers=args.answers,
            tell=lambda line: print(f"{PROG}: {line}", flush=True))
    visitor_dir = VISITOR_DIR_OPTION if app_takes(VISITOR_DIR_OPTION) else None
    everywhere = listens_everywhere(args.host)

    def announce() -> None:
        if everywhere:
            print(f"{PROG}: warning: --host {args.host!r} listens on every network "
                  f"interface: anyone on the network can open the app on port {args.port}",
                  file=sys.stderr, flush=True)
            where = (f"every network interface ({address_for_others(args.port)} for the "
                     f"class, {url_for(args.host, args.port)} here)")
        else:
            where = url_for(args.host, args.port)
        print(f"{PROG}: serving the app on {where} (every visitor gets their own, "
              f"{args.max_sessions} at most); Ctrl+C stops", flush=True)

    try:
        serve(arguments, visitor_dir, args.host, args.port, limits, announce,
              warm=not args.no_zygote, **class_)
    except ServeError as exc:
        raise UsageError(str(exc)) from None
    print(f"{PROG}: stopped serving", flush=True)
    return 0


def app_takes(option: str) -> bool:
    """Whether the app's command line (``backprop-tui`` without a command) has ``option``."""
    return option in build_parser().option_strings


def _check_class_options(args: argparse.Namespace) -> None:
    """A class's options go together: ssh's --class needs --teacher-key, the others need
    --class; the class code replaces ssh's --password-file; a class is not --plain.
    Refused in one line otherwise (``serve`` has no --teacher-key: its teacher has the
    secret address printed at start)."""
    command = args.command
    if not args.class_:
        for dest, flag in (("teacher_key", "--teacher-key"),
                           ("class_code_file", "--class-code-file"), ("answers", "--answers")):
            if getattr(args, dest, None) is not None:
                raise UsageError(f"{flag} is for a class: add --class")
        return
    if command == "ssh" and args.teacher_key is None:
        raise UsageError("ssh --class needs --teacher-key KEYS: the public key(s) of the "
                         "teacher, whose lesson the class follows")
    if getattr(args, "password_file", None) is not None:
        raise UsageError("ssh --class: use --class-code-file for the students' password, "
                         "not --password-file")
    if args.plain:
        followed = ("a student whose TERM is dumb follows in lines" if command == "ssh"
                    else "the browser's terminal is the full app")
        raise UsageError(f"{command} --class: the teacher leads from the full app, so not "
                         f"every visitor can have --plain ({followed})")


def run_ssh(args: argparse.Namespace) -> int:
    from . import ssh

    missing = ssh.asyncssh_missing()
    if missing is not None:
        raise UsageError(missing)
    arguments = checked_app_arguments(args)
    _check_class_options(args)
    code_file = args.class_code_file if args.class_ else args.password_file
    try:
        password = None if code_file is None else ssh.read_password(code_file)
        settings = ssh.Settings(
            app_arguments=tuple(arguments), host=args.host, port=args.port,
            max_sessions=args.max_sessions, idle_seconds=idle_seconds(args), password=password,
            host_key=args.host_key,
            visitor_dir_option=VISITOR_DIR_OPTION if app_takes(VISITOR_DIR_OPTION) else None,
            zygote=not args.no_zygote,
            per_address=args.max_per_address,
            login_seconds=args.login_seconds or LOGIN_SECONDS,
            teacher_keys=args.teacher_key if args.class_ else None,
            answers=args.answers if args.class_ else None,
        )
        ssh.serve(settings, lambda line: print(f"{PROG}: {line}", flush=True))
    except ssh.SshError as exc:
        raise UsageError(str(exc)) from None
    print(f"{PROG}: stopped serving", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(join_negative_values(argv))
        refuse_unknown(args, unknown)
        refuse_options_not_taken(args)
        args = _app_batch_size(args)
        if args.command == "trace":
            return run_trace(args)
        if args.command == "train":
            return run_train(args)
        if args.command == "serve":
            return run_serve(args)
        if args.command == "ssh":
            return run_ssh(args)
        return run_app(args)
    except (UsageError, ModelError) as exc:
        message = shown_name(str(exc).replace("\n", " "))  # no control character reaches
        # the terminal, whatever a file name or value held
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (``trace | head``): not an error worth a traceback.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def run() -> None:
    """The console script."""
    sys.exit(main())
