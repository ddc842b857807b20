"""Start values: from what was asked for (plain values) to a chain, samples and η.

Whatever was given — weights and biases, a number of layers and a seed, the
samples or a CSV file of them, a saved session, η and a batch size — is filled
in with the documented defaults (:mod:`defaults`) and checked together. A value
that is refused is a :class:`StartError` naming the value (as the command line
spells its option, without the dashes) and saying what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from . import defaults
from .errors import FileError, ModelError
from .functions import SIGMOID, SQUARED_ERROR, Activation, Cost, activation_named, cost_named
from .limits import MAX_LAYERS, plural

if TYPE_CHECKING:
    from .network import Network, Samples
    from .session import Session
    from .trainer import Trainer

# Start values are resolved before the app draws its first frame: the chain, the
# sessions and the CSV reader (numpy) are imported where a start value needs them.

Numbers = tuple[float, ...]


class StartError(ModelError):
    """A start value refused; ``option`` names it (``"w"``, ``"batch-size"``, …)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


class StartValues(NamedTuple):
    """What was asked for: the parameters, the data and η."""

    w: Numbers
    b: Numbers
    x: Numbers
    y: Numbers
    lr: float
    batch_size: int | None = None
    activation: Activation = SIGMOID
    cost: Cost = SQUARED_ERROR
    seed: int | None = None
    """The seed the random start values came from (``layers``), if they did."""
    session: Session | None = None
    """The session started from, with any overrides applied; then ``w``, ``b``
    are its current parameters and ``x``, ``y`` its samples."""

    def network(self) -> Network:
        """The chain these values describe (the session's network when there is one)."""
        from .network import Network

        if self.session is not None:
            return self.session.network
        return Network.chain(self.w, self.b, self.activation, self.cost)

    def samples(self) -> Samples:
        from .network import Samples

        return Samples(self.x, self.y)

    def to_session(self) -> Session:
        """The session to start from: the loaded one, or a new one from these values."""
        from .session import Session

        if self.session is not None:
            return self.session
        return Session.new(self.network(), self.samples(), self.lr, self.batch_size)

    def trainer(self) -> Trainer:
        """A trainer going on from here (from the session's step count and history, if any)."""
        return self.to_session().trainer()


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


def _chain_functions(activation_name: str | None, cost_name: str | None,
                     y: Numbers) -> tuple[Activation, Cost]:
    """The activation and cost asked for, refusing pairs and targets the cost cannot take."""
    activation = activation_named(activation_name or SIGMOID.name)
    cost = cost_named(cost_name or SQUARED_ERROR.name)
    try:
        cost.check_activation(activation)
    except ModelError as exc:
        raise StartError("cost", str(exc)) from None
    try:
        cost.check_targets(y)
    except ModelError as exc:
        raise StartError("y", str(exc)) from None
    return activation, cost


def _data_samples(data: str, x: Numbers | None, y: Numbers | None,
                  most: int | None = None) -> tuple[Numbers, Numbers]:
    """The samples of the CSV file ``data`` (at most ``most``), refused when ``x`` or ``y``
    is given too."""
    if x is not None or y is not None:
        option = "--x" if x is not None else "--y"
        raise StartError("data", "give the samples either with --data or with "
                                 f"--x/--y, not both ({option} given too)")
    from .csv_data import load_samples_csv

    try:
        samples = load_samples_csv(data, most=most)
    except FileError as exc:
        raise StartError("data", str(exc)) from None
    return tuple(samples.x[:, 0].tolist()), tuple(samples.y[:, 0].tolist())


def resolve_start(
    *,
    w: Numbers | None = None,
    b: Numbers | None = None,
    x: Numbers | None = None,
    y: Numbers | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    takes_batch_size: bool = True,
    layers: int | None = None,
    seed: int | None = None,
    activation: str | None = None,
    cost: str | None = None,
    data: str | None = None,
    session: str | None = None,
    most_samples: int | None = None,
) -> StartValues:
    """The start values from what was given (``None``: not given), defaults filled in, checked.

    ``data`` (a CSV file of samples) and ``session`` (a saved session) are read
    here. ``takes_batch_size`` is false where no batch size can be given (a
    session's batch size is then cut to the samples given). A ``data`` file of more
    than ``most_samples`` samples is refused as soon as one too many is read.
    Refused values raise :class:`StartError`.
    """
    if data is not None:
        x, y = _data_samples(data, x, y, most_samples)
    if session is not None:
        given = {"w": w, "b": b, "layers": layers, "seed": seed, "activation": activation,
                 "cost": cost}
        return _session_start_values(session, given, x, y, lr, batch_size, takes_batch_size)
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
    inputs = x if x is not None else defaults.X
    targets = y if y is not None else defaults.Y
    if y is None and x is not None and len(inputs) != len(targets):
        raise StartError("y", f"{len(inputs)} inputs (--x) need {len(inputs)} targets")
    if len(inputs) != len(targets):
        raise StartError("y", f"{len(targets)} targets for {len(inputs)} inputs (--x): "
                              "give one target per input")
    if lr is None:
        lr = defaults.LR
    if batch_size is not None and batch_size > len(inputs):
        raise StartError("batch-size", f"{batch_size} is more than the "
                                       f"{plural(len(inputs), 'sample')}")
    functions = _chain_functions(activation, cost, targets)
    return StartValues(weights, biases, inputs, targets, lr, batch_size, *functions, drawn_seed)


def _session_start_values(path: str, given: Mapping[str, object], x: Numbers | None,
                          y: Numbers | None, lr: float | None, batch_size: int | None,
                          takes_batch_size: bool) -> StartValues:
    """Start values from the session file ``path``, with ``lr``, ``batch_size`` and samples
    overriding; ``given`` holds the values that cannot be combined with a session."""
    from .network import Samples, shape_text
    from .session import Session, load_session

    for option, value in given.items():
        if value is not None:
            raise StartError(option, "cannot be combined with --session "
                                     "(training goes on from the session's chain)")
    try:
        session = load_session(path)
    except FileError as exc:
        raise StartError("session", str(exc)) from None
    if not session.network.is_chain:
        raise StartError("session", f"{path}: shape {shape_text(session.shape)}: a network "
                                    "with several neurons a layer, where width-1 chains "
                                    "are taken")
    inputs = x if x is not None else tuple(session.samples.x[:, 0].tolist())
    targets = y if y is not None else tuple(session.samples.y[:, 0].tolist())
    if len(inputs) != len(targets):
        if x is not None and y is not None:
            raise StartError("y", f"{len(targets)} targets for {len(inputs)} inputs (--x): "
                                  "give one target per input")
        if x is not None:
            raise StartError("x", f"{len(inputs)} inputs, but the session has {len(targets)} "
                                  "targets: give --y too")
        raise StartError("y", f"{len(targets)} targets, but the session has {len(inputs)} "
                              "inputs: give --x too")
    if lr is None:
        lr = session.lr
    samples = plural(len(inputs), "sample")
    if not takes_batch_size:
        # Where no batch size can be given: never more than the samples given.
        size = min(session.batch_size, len(inputs))
    elif batch_size is None:
        size = session.batch_size
        if size > len(inputs):
            raise StartError("batch-size", f"the session's batch size {size} is more than "
                                           f"the {samples} given: give --batch-size")
    else:
        size = batch_size
        if size > len(inputs):
            raise StartError("batch-size", f"{size} is more than the {samples}")
    session = Session(session.network, session.start, Samples(inputs, targets), lr, size,
                      session.steps, session.history, session.theme)
    network = session.network
    return StartValues(tuple(network.flat_w.tolist()), tuple(network.flat_b.tolist()), inputs,
                       targets, lr, size, network.activation, network.cost, session=session)
