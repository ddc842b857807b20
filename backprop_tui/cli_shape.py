"""The command line's options for a network with several neurons a layer: ``--shape``,
samples of several values (``--x 0.1:0.9``), ``--xor``.

Read for every command (the chain's too, which refuses samples of several
values), so this module is light: shapes are checked by :mod:`.model.limits`,
and the networks themselves are built in :mod:`cli_wide`.
"""

from __future__ import annotations

import argparse

from .model import defaults
from .model.defaults import XOR_SHAPE
from .model.errors import ModelError
from .model.limits import Shape, check_shape
from .model.numbers import parse_integer

Sample = float | tuple[float, ...]

XOR_DATA = "xor"
"""``--data xor``: the XOR samples instead of a file (as ``--xor``)."""


class WideUsageError(Exception):
    """Bad input for a network: the message is the one line on stderr."""


def shape_argument(text: str) -> Shape:
    """``"2,2,1"`` → (2, 2, 1): inputs, then neurons per layer."""
    items = [item.strip() for item in text.split(",")]
    sizes = []
    for i, item in enumerate(items, 1):
        if not item:
            raise argparse.ArgumentTypeError(f"item {i} of {text!r} is empty")
        try:
            sizes.append(parse_integer(item))
        except ModelError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    try:
        return check_shape(sizes)
    except ModelError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("shape: ")) from None


def sample_list(text: str, parse_number) -> tuple[Sample, ...]:
    """``"0.1:0.9,0.4:0.2"`` → ((0.1, 0.9), (0.4, 0.2)); without ``:``, plain numbers."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the list is empty")
    out: list[Sample] = []
    for i, item in enumerate(text.split(","), 1):
        if not item.strip():
            raise argparse.ArgumentTypeError(f"item {i} of {text!r} is empty")
        parts = item.split(":")
        if len(parts) == 1:
            out.append(parse_number(item))
            continue
        for part in parts:
            if not part.strip():
                raise argparse.ArgumentTypeError(f"item {i} of {text!r} has an empty value "
                                                 "between ':'")
        out.append(tuple(parse_number(p) for p in parts))
    return tuple(out)


def is_wide(shape: Shape) -> bool:
    """Whether ``shape`` has a layer (or an input) wider than one: not the chain."""
    return any(n != 1 for n in shape)


def network_shape(args: argparse.Namespace) -> Shape | None:
    """The shape of the network asked for, or None for the chain (the chain's options).

    ``--xor`` and ``--data xor`` without ``--shape`` mean shape 2,2,1. Samples of
    several inputs (``--x 0.1:0.9``) need a shape that takes them.
    """
    shape = getattr(args, "shape", None)
    xor = wants_xor(args)
    if shape is None and xor:
        shape = XOR_SHAPE
    if shape is not None and getattr(args, "layers", None) is not None:
        raise WideUsageError("argument --layers: give either --shape or --layers, not both")
    if shape is None or not (is_wide(shape) or xor):
        for name in ("x", "y"):
            values = getattr(args, name, None)
            if values is not None and any(isinstance(v, tuple) for v in values):
                raise WideUsageError(
                    f"argument --{name}: a sample of several values (joined by ':') needs "
                    "--shape with that many inputs or outputs, e.g. --shape 2,2,1")
        return None
    return shape


def wants_xor(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "xor", False)) or getattr(args, "data", None) == XOR_DATA


def chain_layers(args: argparse.Namespace) -> int | None:
    """``--layers`` for a width-1 ``--shape``: None (the note's values) for the note's
    3-layer chain without --w, --b and --seed, so ``--shape 1,1,1,1`` is the default."""
    shape = getattr(args, "shape", None)
    if shape is None:
        return getattr(args, "layers", None)
    layers = len(shape) - 1
    given = (getattr(args, "w", None), getattr(args, "b", None), getattr(args, "seed", None))
    if layers == len(defaults.W) and all(v is None for v in given):
        return None
    return layers


def trace_sample_count(args: argparse.Namespace, count: int) -> None:
    """A :class:`WideUsageError` naming where the samples came from (``--data`` or ``--x``)
    when ``trace`` is given more than it prints; for every shape."""
    from .model.errors import ModelError
    from .model.limits import check_trace_samples

    try:
        check_trace_samples(count)
    except ModelError as exc:
        option = "data" if getattr(args, "data", None) else "x"
        raise WideUsageError(f"argument --{option}: {exc}") from None
