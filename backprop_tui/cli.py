"""The command line: ``backprop-tui`` (the app), ``trace`` and ``train``.

Bad input never ends in a traceback: exit status 2 and one line on stderr that
names the option and says what is wrong. A training run that diverges exits 3.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from typing import NoReturn, Sequence

from . import __version__
from .model import Chain, ModelError, Samples, Trainer, defaults

PROG = "backprop-tui"

EXIT_USAGE = 2
"""Bad input on the command line."""
EXIT_DIVERGED = 3
"""Training stopped because the numbers would stop being finite."""

VALUE_OPTIONS = ("--w", "--b", "--x", "--y", "--lr", "--steps", "--batch-size")
"""Options that take a value, which may start with a minus sign."""


class UsageError(Exception):
    """Bad input: the message is printed as the one line on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse with errors on one line and exit status 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a finite number")
    return value


def number_list(text: str) -> tuple[float, ...]:
    """``"0.5, -0.3,1"`` → (0.5, −0.3, 1.0); refuses empty items and non-finite numbers."""
    items = text.split(",")
    if not text.strip():
        raise argparse.ArgumentTypeError("the list is empty")
    values = []
    for i, item in enumerate(items, 1):
        if not item.strip():
            raise argparse.ArgumentTypeError(f"item {i} of {text!r} is empty")
        values.append(_number(item))
    return tuple(values)


def learning_rate(text: str) -> float:
    return _number(text)


def whole(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

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


@dataclass(frozen=True)
class StartValues:
    """What the command line asked for: the parameters, the data and η."""

    w: tuple[float, ...]
    b: tuple[float, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    lr: float
    batch_size: int | None = None

    def chain(self) -> Chain:
        return Chain(self.w, self.b)

    def samples(self) -> Samples:
        return Samples(self.x, self.y)


def _add_start_options(parser: argparse.ArgumentParser, *, lr: bool = True) -> None:
    group = parser.add_argument_group("start values (lists are comma-separated)")
    group.add_argument("--w", type=number_list, metavar="W1,W2,...",
                       help="weights, input to output; their number is the number of layers "
                            f"(default {','.join(map(str, defaults.W))})")
    group.add_argument("--b", type=number_list, metavar="B1,B2,...",
                       help=f"biases, one per weight (default {','.join(map(str, defaults.B))}; "
                            "zeros when only --w is given)")
    group.add_argument("--x", type=number_list, metavar="X1,X2,...",
                       help=f"inputs, one per sample (default {','.join(map(str, defaults.X))})")
    group.add_argument("--y", type=number_list, metavar="Y1,Y2,...",
                       help=f"targets, one per input (default {','.join(map(str, defaults.Y))})")
    if lr:
        group.add_argument("--lr", type=learning_rate, metavar="ETA",
                           default=defaults.LR, help=f"learning rate η (default {defaults.LR})")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="See backpropagation number by number: a chain of one-neuron layers.",
        epilog="Without a command, opens the app. "
               "Example: backprop-tui trace --w -0.3,0.5,1 --b 0,0,0 --x 0.7 --y 1",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_start_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    trace = commands.add_parser(
        "trace", help="print one forward and backward pass, every factor with its numbers",
        description="Print the forward pass, then every chain-rule factor as "
                    "formula = numbers = value, from the output layer back.",
    )
    _add_start_options(trace, lr=False)
    trace.add_argument("--json", action="store_true", help="print one JSON object instead")

    train = commands.add_parser(
        "train", help="run gradient descent and print the result",
        description="Train with gradient descent on mini-batches: step k uses samples "
                    "kB … kB+B−1 (mod n).",
    )
    _add_start_options(train)
    train.add_argument("--steps", type=whole(0), default=defaults.STEPS, metavar="K",
                       help=f"number of steps (default {defaults.STEPS})")
    train.add_argument("--batch-size", type=whole(1), metavar="B",
                       help="samples per step (default: all samples)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead")
    return parser


def start_values(args: argparse.Namespace) -> StartValues:
    """The start values from parsed options, with defaults filled in and checked."""
    w = args.w if args.w is not None else defaults.W
    if args.b is not None:
        b = args.b
    elif args.w is None:
        b = defaults.B
    else:
        b = (0.0,) * len(w)
    if len(b) != len(w):
        raise UsageError(f"argument --b: {len(b)} biases for {len(w)} weights (--w): "
                         "give one bias per layer")
    x = args.x if args.x is not None else defaults.X
    y = args.y if args.y is not None else defaults.Y
    if args.y is None and args.x is not None and len(x) != len(y):
        raise UsageError(f"argument --y: {len(x)} inputs (--x) need {len(x)} targets")
    if len(x) != len(y):
        raise UsageError(f"argument --y: {len(y)} targets for {len(x)} inputs (--x): "
                         "give one target per input")
    lr = getattr(args, "lr", defaults.LR)
    batch_size = getattr(args, "batch_size", None)
    if batch_size is not None and batch_size > len(x):
        raise UsageError(f"argument --batch-size: {batch_size} is more than the "
                         f"{len(x)} sample{'s' * (len(x) != 1)}")
    return StartValues(w, b, x, y, lr, batch_size)


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def run_trace(args: argparse.Namespace) -> int:
    from .report import trace_json, trace_text

    values = start_values(args)
    bp = values.chain().forward(values.samples()).backward()
    if args.json:
        _emit(json.dumps(trace_json(bp), ensure_ascii=False) + "\n")
    else:
        _emit(trace_text(bp))
    return 0


def run_train(args: argparse.Namespace) -> int:
    from .report import train_json, train_text

    values = start_values(args)
    samples = values.samples()
    trainer = Trainer(values.chain(), samples, values.lr, values.batch_size)
    initial = trainer.mean_cost()
    trainer.run(args.steps)
    if args.json:
        _emit(json.dumps(train_json(trainer, initial), ensure_ascii=False) + "\n")
    else:
        _emit(train_text(trainer, initial))
    if trainer.divergence is not None:
        print(f"{PROG}: {trainer.divergence}", file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def run_app(args: argparse.Namespace) -> int:
    values = start_values(args)  # refuse bad values before anything else
    from .model.lesson import Lesson
    from .tui.app import run_app as run

    lesson = Lesson(values.chain(), values.samples(), values.lr, values.batch_size)
    return run(lesson)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(join_negative_values(argv))
        if args.command == "trace":
            return run_trace(args)
        if args.command == "train":
            return run_train(args)
        return run_app(args)
    except (UsageError, ModelError) as exc:
        message = str(exc).replace("\n", " ")
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (``trace | head``): not an error worth a traceback.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The console script."""
    sys.exit(main())
