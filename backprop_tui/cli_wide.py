"""The start values of a network with a layer wider than one (``--shape``, ``--xor``, a
wide ``--session``): its network, samples (rows of several inputs and targets), η and
batch size, every option checked.

A shape whose every layer (and the input) has width 1 is the chain: its start values
are the chain's (:mod:`backprop_tui.model.start`), so ``--shape 1,1,1,1`` prints what
``--layers 3`` prints. ``trace`` and ``train`` run the same way for both (:mod:`cli`).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from .cli_shape import (
    XOR_DATA,
    Sample,
    Shape,
    WideUsageError,
    is_wide,
    wants_xor,
)
from .model import (
    FileError,
    ModelError,
    Session,
    activation_named,
    cost_named,
    defaults,
    load_session,
)
from .model.csv_data import load_network_csv, network_columns
from .model.network import (
    Network,
    Samples,
    bias_count,
    random_network,
    shape_text,
    split_biases,
    split_weights,
    xor_samples,
)


@dataclass(frozen=True)
class NetworkStart:
    network: Network
    samples: Samples
    lr: float
    batch_size: int | None
    session: Session | None = None
    """The session it goes on from (``--session``), if any."""


def wide_session(args: argparse.Namespace) -> Session | None:
    """The session of ``--session`` (without ``--shape``) when it holds a network with a
    layer wider than one; None without ``--session`` or for a width-1 chain, which goes
    the chain's way. A file that cannot be read or is refused is a :class:`WideUsageError`."""
    path = getattr(args, "session", None)
    if path is None or getattr(args, "shape", None) is not None:
        return None
    try:
        session = load_session(path)
    except FileError as exc:
        raise WideUsageError(f"argument --session: {exc}") from None
    return session if is_wide(session.shape) else None


_NOT_WITH_SESSION = ("w", "b", "seed", "layers", "activation", "cost")
"""Options a session's own values leave no room for."""


def _session_start(args: argparse.Namespace, session: Session) -> NetworkStart:
    """Start values from ``session``; ``--lr``, ``--batch-size`` and samples given too
    override it, as they do a chain's session."""
    for name in _NOT_WITH_SESSION:
        if getattr(args, name, None) is not None:
            raise WideUsageError(f"argument --{name}: cannot be combined with --session "
                                 "(training goes on from the session's network)")
    network = session.network
    given = any(getattr(args, name, None) is not None for name in ("x", "y", "data"))
    samples = session.samples
    if given or wants_xor(args):
        samples = _checked_samples(args, network)
    lr = getattr(args, "lr", None)
    n = len(samples)
    if not hasattr(args, "batch_size"):  # where no batch size can be given
        size = min(session.batch_size, n)
    elif args.batch_size is None:
        size = session.batch_size
        if size > n:
            raise WideUsageError(f"argument --batch-size: the session's batch size {size} is "
                                 f"more than the {n} samples given: give --batch-size")
    else:
        size = args.batch_size
        if size > n:
            raise WideUsageError(f"argument --batch-size: {size} is more than the {n} samples")
    return NetworkStart(network, samples, session.lr if lr is None else lr, size, session)


def _rows(values: tuple[Sample, ...], width: int, option: str, shape: Shape,
          what: str) -> list[list[float]]:
    rows = []
    for i, value in enumerate(values, 1):
        row = list(value) if isinstance(value, tuple) else [value]
        if len(row) != width:
            joined = " (joined by ':')" if width > 1 else ""
            raise WideUsageError(
                f"argument --{option}: shape {shape_text(shape)} takes {width} {what} per "
                f"sample{joined}; sample {i} has {len(row)}")
        rows.append(row)
    return rows


def _samples(args: argparse.Namespace, shape: Shape) -> tuple[list[list[float]],
                                                               list[list[float]]]:
    inputs, outputs = shape[0], shape[-1]
    x, y = getattr(args, "x", None), getattr(args, "y", None)
    data = getattr(args, "data", None)
    if wants_xor(args):
        if x is not None or y is not None or (data is not None and data != XOR_DATA):
            raise WideUsageError("argument --xor: the XOR samples come instead of --x/--y "
                                 "and --data")
        if (inputs, outputs) != (2, 1):
            raise WideUsageError(f"argument --xor: XOR has 2 inputs and 1 output, but shape "
                                 f"{shape_text(shape)} has {inputs} and {outputs}")
        samples = xor_samples()
        return samples.x.tolist(), samples.y.tolist()
    if data is not None:
        if x is not None or y is not None:
            raise WideUsageError("argument --data: give the samples either with --data or "
                                 "with --x/--y, not both")
        try:
            return load_network_csv(data, inputs, outputs)
        except FileError as exc:
            raise WideUsageError(f"argument --data: {exc}") from None
    if x is None and y is None:
        # The chain's default sample, its input on every input and its target on every output.
        return [list(defaults.X) * inputs], [list(defaults.Y) * outputs]
    if x is None:
        example = ",".join(":".join(["0.5"] * inputs) for _ in range(2))
        raise WideUsageError(
            f"argument --y: targets without inputs: give --x too (e.g. --x {example}), "
            f"--data FILE.csv with columns {','.join(network_columns(inputs, outputs))}, "
            "or --xor")
    if y is None:
        raise WideUsageError(f"argument --y: {len(x)} samples (--x) need their targets")
    xs = _rows(x, inputs, "x", shape, "inputs")
    ys = _rows(y, outputs, "y", shape, "targets")
    if len(xs) != len(ys):
        raise WideUsageError(f"argument --y: {len(ys)} targets for {len(xs)} samples (--x): "
                             "give targets for every sample")
    return xs, ys


def _option_error(exc: ModelError) -> WideUsageError:
    """A model refusal as ``argument --w: …`` when it names a value the command line gave."""
    message = str(exc)
    for name in ("w", "b", "x", "y"):
        if message.startswith(f"{name}: "):
            return WideUsageError(f"argument --{name}: {message[len(name) + 2:]}")
    return WideUsageError(message)


def _checked_samples(args: argparse.Namespace, network: Network) -> Samples:
    """The samples asked for, checked with a forward pass of ``network``."""
    xs, ys = _samples(args, network.shape)
    try:
        samples = network.samples(xs, ys)
        network.forward(samples)
    except ModelError as exc:
        raise _option_error(exc) from None
    return samples


def network_start(args: argparse.Namespace, shape: Shape,
                  session: Session | None = None) -> NetworkStart:
    """The network and samples asked for, defaults filled in, everything checked; from
    ``session`` (see :func:`wide_session`) when given."""
    if session is not None:
        return _session_start(args, session)
    if getattr(args, "session", None) is not None:
        raise WideUsageError("argument --session: a session holds its own network: give it "
                             "without --shape")
    try:
        activation = activation_named(getattr(args, "activation", None) or "sigmoid")
        cost = cost_named(getattr(args, "cost", None) or "squared-error")
    except ModelError as exc:
        raise WideUsageError(str(exc)) from None
    w, b, seed = getattr(args, "w", None), getattr(args, "b", None), getattr(args, "seed", None)
    try:
        if w is not None:
            split_weights(shape, w)
        if b is not None:
            split_biases(shape, b)
        if w is not None and b is not None:
            if seed is not None:
                raise WideUsageError("argument --seed: only used for random start values "
                                     "(without --w or --b)")
            network = Network(shape, w, b, activation, cost)
        else:
            drawn = random_network(shape, defaults.SEED if seed is None else seed)
            network = Network(shape, drawn.flat_w if w is None else w,
                              (0.0,) * bias_count(shape) if b is None and w is not None
                              else drawn.flat_b if b is None else b, activation, cost)
    except ModelError as exc:
        raise _option_error(exc) from None
    samples = _checked_samples(args, network)
    lr = getattr(args, "lr", None)
    batch_size = getattr(args, "batch_size", None)
    if batch_size is not None and batch_size > len(samples):
        raise WideUsageError(f"argument --batch-size: {batch_size} is more than the "
                             f"{len(samples)} samples")
    return NetworkStart(network, samples, defaults.LR if lr is None else lr, batch_size)
