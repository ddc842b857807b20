"""Start values: from what was asked for (plain values) to a network, samples and η.

One resolution for every shape, the chain (every layer one neuron wide) being the
network of width 1. Whatever was given — weights and biases, a number of layers or
a shape and a seed, the samples or a CSV file of them (or XOR), a saved session, η
and a batch size — is filled in with the documented defaults (:mod:`defaults`) and
checked together. A value that is refused is a :class:`StartError` naming the value
(as the command line spells its option, without the dashes) and saying what is wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from . import defaults
from .errors import FileError, ModelError
from .functions import SIGMOID, SQUARED_ERROR, Activation, Cost, activation_named, cost_named
from .limits import MAX_LAYERS, Shape, plural

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .network import Network, Samples
    from .session import Session
    from .trainer import Trainer

# Start values are resolved before the app draws its first frame: the networks, the
# sessions and the CSV readers (numpy) are imported where a start value needs them.

Numbers = tuple[float, ...]
Sample = float | tuple[float, ...]
"""A sample's input or target: a number, or several (a network of several inputs)."""

XOR_DATA = "xor"
"""``data="xor"``: the XOR samples instead of a file (as ``xor``)."""

_NOT_WITH_SESSION = ("w", "b", "seed", "layers", "activation", "cost")
"""Values a session's own leave no room for."""


class StartError(ModelError):
    """A start value refused; ``option`` names it (``"w"``, ``"batch-size"``, …), or is
    None when the message names what is wrong itself."""

    def __init__(self, option: str | None, message: str) -> None:
        super().__init__(message)
        self.option = option


class StartValues(NamedTuple):
    """What was asked for: the parameters, the data and η."""

    w: Numbers
    """Every weight, layer by layer, neuron by neuron (a chain's w(l))."""
    b: Numbers
    x: Numbers
    """Every input, sample by sample (a sample's inputs together)."""
    y: Numbers
    lr: float
    batch_size: int | None = None
    activation: Activation = SIGMOID
    cost: Cost = SQUARED_ERROR
    seed: int | None = None
    """The seed the random start values came from, if they did."""
    session: Session | None = None
    """The session started from, with any overrides applied; then ``w``, ``b``
    are its current parameters and ``x``, ``y`` its samples."""
    shape: Shape | None = None
    """The network's shape; None for the chain of ``len(w)`` layers (then no value
    needs numpy until the network is made)."""

    def network(self) -> Network:
        """The network these values describe (the session's network when there is one)."""
        from .network import Network

        if self.session is not None:
            return self.session.network
        if self.shape is None:
            return Network.chain(self.w, self.b, self.activation, self.cost)
        return Network(self.shape, self.w, self.b, self.activation, self.cost)

    def samples(self) -> Samples:
        from .network import Samples

        if self.session is not None:
            return self.session.samples
        inputs, outputs = (1, 1) if self.shape is None else (self.shape[0], self.shape[-1])
        return Samples(_rows(self.x, inputs), _rows(self.y, outputs), inputs, outputs)

    def to_session(self) -> Session:
        """The session to start from: the loaded one, or a new one from these values."""
        from .session import Session

        if self.session is not None:
            return self.session
        return Session.new(self.network(), self.samples(), self.lr, self.batch_size)

    def trainer(self) -> Trainer:
        """A trainer going on from here (from the session's step count and history, if any)."""
        return self.to_session().trainer()


def _rows(values: Numbers, width: int) -> list[Numbers] | Numbers:
    if width == 1:
        return values
    return [values[i:i + width] for i in range(0, len(values), width)]


def is_wide(shape: Shape) -> bool:
    """Whether ``shape`` has a layer (or an input) wider than one: not the chain."""
    return any(n != 1 for n in shape)


def resolve_start(
    *,
    w: Numbers | None = None,
    b: Numbers | None = None,
    x: tuple[Sample, ...] | None = None,
    y: tuple[Sample, ...] | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    takes_batch_size: bool = True,
    layers: int | None = None,
    shape: Shape | None = None,
    xor: bool = False,
    seed: int | None = None,
    activation: str | None = None,
    cost: str | None = None,
    data: str | None = None,
    session: str | None = None,
    most_samples: int | None = None,
    wide: bool = False,
) -> StartValues:
    """The start values from what was given (``None``: not given), defaults filled in, checked.

    ``shape`` (inputs, then neurons per layer) or ``layers`` says the network; a
    width-1 shape is the chain of that many layers (1,1,1,1 the note's). ``xor`` (or
    ``data="xor"``) takes the XOR samples, on shape 2,2,1 unless told. ``data`` (a CSV
    file of samples) and ``session`` (a saved session, which holds its own network) are
    read here. ``takes_batch_size`` is false where no batch size can be given (a
    session's batch size is then cut to the samples given). A chain's ``data`` file of
    more than ``most_samples`` samples is refused as soon as one too many is read. A
    network with a layer wider than one is taken with ``wide`` only (refused otherwise,
    saying why). Refused values raise :class:`StartError`.
    """
    if data == XOR_DATA:
        xor, data = True, None
    elif xor and data is not None:
        raise StartError("xor", "the XOR samples come instead of --x/--y and --data")
    if session is not None:
        if shape is not None:
            raise StartError("session", "a session holds its own network: give it without "
                                        "--shape")
        given = {"w": w, "b": b, "seed": seed, "layers": layers, "activation": activation,
                 "cost": cost}
        for option, value in given.items():
            if value is not None:
                raise StartError(option, "cannot be combined with --session (training goes "
                                         "on from the session's network)")
        return _session_start(session, x, y, lr, batch_size, takes_batch_size, data, xor,
                              most_samples, wide)
    if shape is None and xor:
        shape = defaults.XOR_SHAPE
    if shape is not None and layers is not None:
        raise StartError("layers", "give either --shape or --layers, not both")
    if shape is not None and (is_wide(shape) or xor):
        _check_wide(wide, "shape", f"shape {','.join(map(str, shape))}")
        return _network_start(shape, w, b, seed, activation, cost, x, y, data, xor, lr,
                              batch_size)
    if shape is not None:
        layers = len(shape) - 1
        if layers == len(defaults.W) and w is None and b is None and seed is None:
            layers = None  # 1,1,1,1 is the note's chain
    try:
        return _chain_start(w, b, x, y, lr, batch_size, layers, seed, activation, cost, data,
                            most_samples)
    except StartError as exc:
        if exc.option == "layers" and shape is not None:
            exc.option = "shape"
        raise


def _check_wide(wide: bool, option: str, what: str) -> None:
    if not wide:
        raise StartError(option, f"{what}: a network with several neurons a layer, where "
                                 "width-1 chains are taken")


def _chain_start(w: Numbers | None, b: Numbers | None, x: tuple[Sample, ...] | None,
                 y: tuple[Sample, ...] | None, lr: float | None, batch_size: int | None,
                 layers: int | None, seed: int | None, activation: str | None,
                 cost: str | None, data: str | None, most: int | None) -> StartValues:
    """The chain's start values: nothing here needs numpy (the app's first frame)."""
    random_w, random_b, drawn_seed = _random_start(layers, seed, w, b)
    weights = w if w is not None else random_w if random_w is not None else defaults.W
    if b is not None:
        biases = b
    elif random_b is not None:
        biases = random_b
    elif w is None:
        biases = defaults.B
    else:
        biases = (0.0,) * len(weights)
    if len(weights) > MAX_LAYERS:
        raise StartError("w", f"{len(weights)} weights, but a chain has at most "
                              f"{MAX_LAYERS} layers")
    if len(biases) != len(weights):
        raise StartError("b", f"{len(biases)} biases for {len(weights)} weights (--w): "
                              "give one bias per layer")
    inputs, targets = _samples((1, 1), x, y, data, False, most)
    if lr is None:
        lr = defaults.LR
    if batch_size is not None and batch_size > len(inputs):
        raise StartError("batch-size", f"{batch_size} is more than the "
                                       f"{plural(len(inputs), 'sample')}")
    functions = _functions(activation, cost, targets)
    return StartValues(weights, biases, inputs, targets, lr, batch_size, *functions, drawn_seed)


def _random_start(layers: int | None, seed: int | None, w: Numbers | None,
                  b: Numbers | None) -> tuple[Numbers | None, Numbers | None, int | None]:
    """(w, b, seed) drawn for ``layers`` layers, or Nones; checked against ``w`` and ``b``."""
    if layers is None:
        if seed is not None:
            raise StartError("seed", "only used with --layers (random start values)")
        return None, None, None
    if layers > MAX_LAYERS:
        raise StartError("layers", f"{layers} is more than {MAX_LAYERS}")
    for option, given in (("--w", w), ("--b", b)):
        if given is not None and len(given) != layers:
            raise StartError("layers", f"{layers} layers but {option} has "
                                       f"{plural(len(given), 'value')}")
    if w is not None and b is not None:
        return None, None, None
    seed = defaults.SEED if seed is None else seed
    random_w, random_b = defaults.random_start(layers, seed)
    return random_w, random_b, seed


def _functions(activation_name: str | None, cost_name: str | None,
               y: Numbers | None) -> tuple[Activation, Cost]:
    """The activation and cost asked for, refusing pairs and targets (``y``) the cost
    cannot take."""
    activation = activation_named(activation_name or SIGMOID.name)
    cost = cost_named(cost_name or SQUARED_ERROR.name)
    try:
        cost.check_activation(activation)
    except ModelError as exc:
        raise StartError("cost", str(exc)) from None
    try:
        if y is not None:
            cost.check_targets(y)
    except ModelError as exc:
        raise StartError("y", str(exc)) from None
    return activation, cost


def _network_start(shape: Shape, w: Numbers | None, b: Numbers | None, seed: int | None,
                   activation: str | None, cost: str | None, x: tuple[Sample, ...] | None,
                   y: tuple[Sample, ...] | None, data: str | None, xor: bool,
                   lr: float | None, batch_size: int | None) -> StartValues:
    """The start values of a network with a layer wider than one (numpy is imported)."""
    from .network import Network, bias_count, random_network

    if w is not None and b is not None and seed is not None:
        raise StartError("seed", "only used for random start values (without --w or --b)")
    functions = _functions(activation, cost, None)
    seed = defaults.SEED if seed is None else seed
    drawn = random_network(shape, seed)
    if w is not None and b is None:
        b = (0.0,) * bias_count(shape)
    try:
        network = Network(shape, drawn.flat_w if w is None else w,
                          drawn.flat_b if b is None else b, *functions)
    except ModelError as exc:
        raise _named(exc, "cost") from None
    inputs, targets = _samples(shape, x, y, data, xor)
    n = _checked_samples(network, inputs, targets)
    if batch_size is not None and batch_size > n:
        raise StartError("batch-size", f"{batch_size} is more than the {plural(n, 'sample')}")
    return StartValues(_numbers(network.flat_w), _numbers(network.flat_b), inputs, targets,
                       defaults.LR if lr is None else lr, batch_size, *functions,
                       None if w is not None and b is not None else seed, shape=shape)


def _session_start(path: str, x: tuple[Sample, ...] | None, y: tuple[Sample, ...] | None,
                   lr: float | None, batch_size: int | None, takes_batch_size: bool,
                   data: str | None, xor: bool, most: int | None, wide: bool) -> StartValues:
    """Start values from the session file ``path``: its network, samples, η, batch size,
    steps and history, with ``lr``, ``batch_size`` and samples given overriding."""
    from .network import shape_text
    from .session import Session, load_session

    try:
        session = load_session(path)
    except FileError as exc:
        raise StartError("session", str(exc)) from None
    network = session.network
    if is_wide(network.shape):
        _check_wide(wide, "session", f"{path}: shape {shape_text(network.shape)}")
    own = _numbers(session.samples.x), _numbers(session.samples.y)
    if x is None and y is None and data is None and not xor:
        inputs, targets = own
    else:
        inputs, targets = _samples(network.shape, x, y, data, xor, most, own)
        _checked_samples(network, inputs, targets)
    n = len(inputs) // network.inputs
    samples = plural(n, "sample")
    if not takes_batch_size:
        # Where no batch size can be given: never more than the samples given.
        size = min(session.batch_size, n)
    elif batch_size is None:
        size = session.batch_size
        if size > n:
            raise StartError("batch-size", f"the session's batch size {size} is more than "
                                           f"the {samples} given: give --batch-size")
    else:
        size = batch_size
        if size > n:
            raise StartError("batch-size", f"{size} is more than the {samples}")
    lr = session.lr if lr is None else lr
    values = StartValues(_numbers(network.flat_w), _numbers(network.flat_b), inputs, targets,
                         lr, size, network.activation, network.cost,
                         shape=network.shape if is_wide(network.shape) else None)
    session = Session(network, session.start, values.samples(), lr, size, session.steps,
                      session.history, session.theme)
    return values._replace(session=session)


def _samples(shape: Shape, x: tuple[Sample, ...] | None, y: tuple[Sample, ...] | None,
             data: str | None, xor: bool, most: int | None = None,
             own: tuple[Numbers, Numbers] | None = None) -> tuple[Numbers, Numbers]:
    """The samples given for ``shape`` (every input, then every target, sample by sample);
    what is not given is the session's (``own``) or the default."""
    inputs, outputs = shape[0], shape[-1]
    text = ",".join(map(str, shape))
    if xor:
        if x is not None or y is not None:
            raise StartError("xor", "the XOR samples come instead of --x/--y and --data")
        if (inputs, outputs) != (2, 1):
            raise StartError("xor", f"XOR has 2 inputs and 1 output, but shape {text} has "
                                    f"{inputs} and {outputs}")
        from .network import xor_samples

        return _numbers(xor_samples().x), _numbers(xor_samples().y)
    if data is not None and (x is not None or y is not None):
        option = "--x" if x is not None else "--y"
        raise StartError("data", "give the samples either with --data or with --x/--y, not "
                                 f"both ({option} given too)")
    if not is_wide(shape):
        return _chain_samples(x, y, data, most, own)
    if data is not None:
        from .csv_data import load_network_csv

        try:
            rows = load_network_csv(data, inputs, outputs)
        except FileError as exc:
            raise StartError("data", str(exc)) from None
        return _numbers(rows[0]), _numbers(rows[1])
    if x is None and y is None:
        # The chain's default sample, its input on every input and its target on every output.
        return own or (defaults.X * inputs, defaults.Y * outputs)
    if x is None:
        from .csv_data import network_columns

        example = ",".join(":".join(["0.5"] * inputs) for _ in range(2))
        raise StartError("y", f"targets without inputs: give --x too (e.g. --x {example}), "
                              "--data FILE.csv with columns "
                              f"{','.join(network_columns(inputs, outputs))}, or --xor")
    if y is None:
        raise StartError("y", f"{len(x)} samples (--x) need their targets")
    xs = _sample_values(x, inputs, "x", text, "inputs")
    ys = _sample_values(y, outputs, "y", text, "targets")
    if len(x) != len(y):
        raise StartError("y", f"{len(y)} targets for {len(x)} samples (--x): give targets "
                              "for every sample")
    return xs, ys


def _sample_values(values: tuple[Sample, ...], width: int, option: str, shape: str,
                   what: str) -> Numbers:
    """Every value of ``values``, each sample checked to have ``width`` of them."""
    out: list[float] = []
    for i, value in enumerate(values, 1):
        row = value if isinstance(value, tuple) else (value,)
        if len(row) != width:
            joined = " (joined by ':')" if width > 1 else ""
            raise StartError(option, f"shape {shape} takes {width} {what} per sample{joined}; "
                                     f"sample {i} has {len(row)}")
        out.extend(row)
    return tuple(out)


def _chain_samples(x: tuple[Sample, ...] | None, y: tuple[Sample, ...] | None,
                   data: str | None, most: int | None,
                   own: tuple[Numbers, Numbers] | None) -> tuple[Numbers, Numbers]:
    """A chain's samples: one input and one target each."""
    for option, values in (("x", x), ("y", y)):
        if values is not None and any(isinstance(v, tuple) for v in values):
            raise StartError(option, "a sample of several values (joined by ':') needs "
                                     "--shape with that many inputs or outputs, e.g. "
                                     "--shape 2,2,1")
    if data is not None:
        from .csv_data import load_samples_csv

        try:
            samples = load_samples_csv(data, most=most)
        except FileError as exc:
            raise StartError("data", str(exc)) from None
        x, y = _numbers(samples.x), _numbers(samples.y)
    default_x, default_y = own or (defaults.X, defaults.Y)
    inputs = default_x if x is None else x
    targets = default_y if y is None else y
    if len(inputs) == len(targets):
        return inputs, targets  # type: ignore[return-value]
    if own is None and y is None:
        raise StartError("y", f"{len(inputs)} inputs (--x) need {len(inputs)} targets")
    if own is None or (x is not None and y is not None):
        raise StartError("y", f"{len(targets)} targets for {len(inputs)} inputs (--x): "
                              "give one target per input")
    if x is not None:
        raise StartError("x", f"{len(inputs)} inputs, but the session has {len(targets)} "
                              "targets: give --y too")
    raise StartError("y", f"{len(targets)} targets, but the session has {len(inputs)} "
                          "inputs: give --x too")


def _checked_samples(network: Network, x: Numbers, y: Numbers) -> int:
    """How many samples ``x``, ``y`` are, checked with a forward pass of ``network``."""
    from .network import Samples

    inputs, outputs = network.inputs, network.outputs
    try:
        samples = Samples(_rows(x, inputs), _rows(y, outputs), inputs, outputs)
        network.forward(samples)
    except ModelError as exc:
        raise _named(exc, None) from None
    return len(samples)


def _named(exc: ModelError, default: str | None) -> StartError:
    """A model refusal naming the value given (``w: …``) as a :class:`StartError`."""
    message = str(exc)
    for name in ("w", "b", "x", "y", "shape"):
        if message.startswith(f"{name}: "):
            return StartError(name, message[len(name) + 2:])
    return StartError(default, message)


def _numbers(values: ArrayLike) -> Numbers:
    """Every number of ``values`` (an array or rows of numbers), in order."""
    import numpy as np

    return tuple(np.asarray(values, dtype=float).ravel().tolist())
