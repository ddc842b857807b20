"""Session files: everything needed to continue a lesson, as one JSON document.

A session holds the current parameters and the ones it started from, the
samples, η, the batch size, the activation and cost (by name), the number of
steps taken and the loss history (thinned as :class:`LossHistory` keeps it).
Floats are written at full precision, so a saved and reloaded session equals
the original bit for bit.

The document (version 2)::

    {"format": "backprop-tui session", "version": 2,
     "shape": [1, 1, 1, 1],                      inputs, then neurons per layer
     "activation": "sigmoid", "cost": "squared-error",
     "w": [...], "b": [...],                     current parameters, input to output
     "start": {"w": [...], "b": [...]},          the parameters it started from
     "samples": {"x": [...], "y": [...]},
     "lr": 0.5, "batch_size": 1, "steps": 1000,
     "history": {...},                           see LossHistory.to_dict
     "theme": "backprop-contrast"}               optional: the app's colours

Version 1 is the same without ``shape`` (a chain: one input, one neuron a
layer); it still loads as it always did.

Every shape is written the same way: ``w`` holds every weight layer by layer,
row j by row j (as ``Network.flat_w``: Σ N_l·N_(l−1) values), ``b`` every bias
(Σ N_l). A sample of several inputs is a list of N0 numbers
(``"x": [[0, 0], [0, 1], …]``), of several targets a list of NL numbers; with
one input or one target the list is flat, as a chain's.

Saving is atomic (:func:`~backprop_tui.model.files.write_atomically`). Loading
reads at most :data:`~backprop_tui.model.files.SESSION_LIMIT` bytes and checks
everything before building anything: a :class:`FileError` names the file and
the problem.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import FileError, ModelError
from .fields import Fields
from .files import ANYWHERE, SESSION_LIMIT, Folder
from .functions import activation_named, cost_named
from .history import LossHistory
from .limits import MAX_LAYERS, check_batch_size, check_learning_rate, check_shape
from .network import Network, Samples, shape_text, split_biases, split_weights
from .trainer import Trainer

FORMAT = "backprop-tui session"
"""The value of the ``format`` field: what kind of file this is."""
VERSION = 2
"""The version of the document this program writes (it reads version 1 too)."""
READS = (1, 2)
"""The versions this program reads."""

_FIELDS_V1 = ("format", "version", "activation", "cost", "w", "b", "start", "samples", "lr",
              "batch_size", "steps", "history")
_FIELDS = _FIELDS_V1[:2] + ("shape",) + _FIELDS_V1[2:]
_OPTIONAL = ("theme",)


@dataclass(frozen=True, eq=False)
class Session:
    """A lesson's whole state, as a session file holds it: the current network, the one
    it started from (same shape, activation and cost), its samples, η, the batch size,
    the steps taken and the loss history (its next step never beyond ``steps``), and
    the app's theme by name (None: the default; the app checks the name).

    Save one with :func:`save_session`, read one with :func:`load_session` (which
    reads every session file this program ever wrote).
    """

    network: Network
    start: Network
    samples: Samples
    lr: float
    batch_size: int
    steps: int = 0
    history: LossHistory = field(default_factory=LossHistory)
    theme: str | None = None

    def __post_init__(self) -> None:
        net, start = self.network, self.start
        if start.shape != net.shape:
            raise ModelError(f"the start has shape {shape_text(start.shape)} but the network "
                             f"has {shape_text(net.shape)}")
        net.check_samples(self.samples)
        if (start.activation, start.cost) != (net.activation, net.cost):
            raise ModelError("the start and the network have different activations or costs")
        object.__setattr__(self, "lr", check_learning_rate(self.lr))
        object.__setattr__(self, "batch_size",
                           check_batch_size(self.batch_size, len(self.samples)))
        steps = self.steps
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ModelError(f"steps: {steps!r} is not a whole number ≥ 0")
        if self.history.next_step > steps:
            raise ModelError(f"the loss history goes up to step {self.history.next_step}, "
                             f"beyond the {steps} steps taken")

    @classmethod
    def new(cls, network: Network, samples: Samples, lr: float,
            batch_size: int | None = None) -> Session:
        """A session that starts now, from ``network``: no steps, no history."""
        return cls(network, network, samples, lr, check_batch_size(batch_size, len(samples)))

    @classmethod
    def from_trainer(cls, trainer: Trainer, start: Network) -> Session:
        """A snapshot of ``trainer`` (its history is copied), which started from ``start``."""
        network = trainer.network
        return cls(network, network.with_params(start.flat_w, start.flat_b),
                   trainer.samples, trainer.lr, trainer.batch_size, trainer.steps_done,
                   trainer.history.copy())

    def trainer(self) -> Trainer:
        """A trainer that goes on from here (with its own copy of the history)."""
        return Trainer(self.network, self.samples, self.lr, self.batch_size,
                       history=self.history.copy(), steps_done=self.steps)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.network.shape

    def to_dict(self) -> dict:
        """The JSON document, as plain Python values."""
        net, start = self.network, self.start
        return _document(self, net.shape, net, net.flat_w, net.flat_b, start.flat_w,
                         start.flat_b, self.samples.x, self.samples.y)

    def dumps(self) -> str:
        """The JSON document as text: one field a line, each list on one line."""
        return _dumps(self.to_dict()) + "\n"

    @classmethod
    def from_dict(cls, data: object) -> Session:
        """The session a document describes (of any shape, or version 1), or a
        :class:`ModelError` naming the field."""
        doc = _read(data)
        network = Network(doc.shape, doc.w, doc.b, doc.activation, doc.cost)
        start = network.with_params(doc.start_w, doc.start_b)
        samples = network.samples(doc.x, doc.y)
        return cls(network, start, samples, doc.lr, doc.batch_size, doc.steps, doc.history,
                   doc.theme)


def _column(values: np.ndarray) -> list[Any]:
    """Samples as the document holds them: plain numbers for one column, else rows."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1 or arr.shape[1] == 1:
        return [float(v) for v in arr.ravel()]
    return [[float(v) for v in row] for row in arr]


def _document(session: Session, shape: Sequence[int], functions: Any,
              w: np.ndarray, b: np.ndarray, start_w: np.ndarray, start_b: np.ndarray,
              x: np.ndarray, y: np.ndarray) -> dict:
    """The JSON document of a session (``functions``: what has its activation and cost)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "shape": [int(n) for n in shape],
        "activation": functions.activation.name,
        "cost": functions.cost.name,
        "w": [float(v) for v in w],
        "b": [float(v) for v in b],
        "start": {"w": [float(v) for v in start_w], "b": [float(v) for v in start_b]},
        "samples": {"x": _column(x), "y": _column(y)},
        "lr": float(session.lr),
        "batch_size": int(session.batch_size),
        "steps": int(session.steps),
        "history": session.history.to_dict(),
    } | ({} if session.theme is None else {"theme": session.theme})


@dataclass(frozen=True)
class _Document:
    """The fields of a session document, each checked, and their sizes against the shape."""

    shape: tuple[int, ...]
    activation: Any
    cost: Any
    w: list[float]
    b: list[float]
    start_w: list[float]
    start_b: list[float]
    x: list[list[float]]
    y: list[list[float]]
    lr: float
    batch_size: int
    steps: int
    history: LossHistory
    theme: str | None


def _read(data: object) -> _Document:
    """Every field of a document, checked."""
    fields = Fields(data)
    if fields.data.get("format") != FORMAT:
        raise ModelError("not a backprop-tui session (its 'format' field is missing "
                         "or different)")
    version = fields.integer("version")
    if version not in READS:
        raise ModelError(f"format version {version} is not supported "
                         f"(this backprop-tui reads version {VERSION} and the older "
                         f"version {READS[0]})")
    fields.only(_FIELDS if version >= 2 else _FIELDS_V1, _OPTIONAL)
    given = _shape(fields) if version >= 2 else None
    activation = activation_named(fields.text("activation"))
    cost = cost_named(fields.text("cost"))
    w = fields.numbers("w", min_length=1)
    start = fields.object("start")
    start.only(("w", "b"))
    if given is None or all(n == 1 for n in given):
        # A chain: one weight and one bias a layer.
        if given is not None and len(w) != len(given) - 1:
            raise ModelError(f"w: {len(w)} values, but shape {shape_text(given)} has "
                             f"{len(given) - 1} weights")
        if given is None and len(w) > MAX_LAYERS:
            raise ModelError(f"w: {len(w)} values, but a chain has at most {MAX_LAYERS} "
                             "layers")
        shape = given or (1,) * (len(w) + 1)
        b = _same_length(fields, "b", "w", w)
        start_w = _same_length(start, "w", "w", w)
        start_b = _same_length(start, "b", "w", w)
    else:
        shape = given
        split_weights(shape, w, "w")
        b = fields.numbers("b")
        split_biases(shape, b, "b")
        start_w, start_b = start.numbers("w"), start.numbers("b")
        split_weights(shape, start_w, "start.w")
        split_biases(shape, start_b, "start.b")
    samples = fields.object("samples")
    samples.only(("x", "y"))
    x = _samples(samples, "x", shape[0], "input")
    y = _samples(samples, "y", shape[-1], "target")
    if len(y) != len(x):
        raise ModelError(f"{samples.name('y')}: {len(y)} values, but {samples.name('x')} has "
                         f"{len(x)}")
    lr = fields.number("lr")
    batch_size = fields.integer("batch_size", minimum=1)
    if batch_size > len(x):
        raise ModelError(f"batch_size: {batch_size} is more than the {len(x)} samples")
    steps = fields.integer("steps", minimum=0)
    history = LossHistory.from_dict(fields.data["history"])
    theme = fields.text("theme") if fields.has("theme") else None
    return _Document(shape, activation, cost, w, b, start_w, start_b, x, y, lr, batch_size,
                     steps, history, theme)


def _shape(fields: Fields) -> tuple[int, ...]:
    """Field ``shape`` of a version-2 document."""
    try:
        shape = check_shape(fields.integers("shape"))
    except ModelError as exc:
        raise ModelError(str(exc) if str(exc).startswith("shape") else f"shape: {exc}") from None
    return shape


def _samples(fields: Fields, key: str, width: int, what: str) -> list[list[float]]:
    """Field ``key``: one number a sample when ``width`` is 1, else lists of ``width``."""
    if width == 1:
        return [[v] for v in fields.numbers(key, min_length=1)]
    return fields.rows(key, width, what, min_length=1)


def _same_length(fields: Fields, key: str, other: str, values: list[float]) -> list[float]:
    """Field ``key``: a list of numbers as long as ``values`` (field ``other``)."""
    numbers = fields.numbers(key)
    if len(numbers) != len(values):
        raise ModelError(f"{fields.name(key)}: {len(numbers)} values, but {other} has "
                         f"{len(values)}")
    return numbers


def _dumps(data: dict, indent: str = "") -> str:
    inner = indent + "  "
    items = []
    for key, value in data.items():
        text = _dumps(value, inner) if isinstance(value, dict) else json.dumps(
            value, allow_nan=False)
        items.append(f"{inner}{json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def loads(text: str, source: str = "session") -> Session:
    """The session in ``text`` (any shape, version 1 too); ``source`` (the file name)
    starts every error message."""
    if not text.strip():
        raise FileError(f"{source}: the file is empty, not a session")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # An unterminated string runs to the end of the text: cut off there too.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise FileError(f"{source}: the file ends too early (truncated?)") from None
        raise FileError(f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg}") from None
    except RecursionError:
        raise FileError(f"{source}: not a session (nested too deeply)") from None
    except ValueError:  # an integer of more digits than Python converts (4300)
        raise FileError(f"{source}: not a session (a number with thousands of digits)") from None
    try:
        return Session.from_dict(data)
    except ModelError as exc:
        raise FileError(f"{source}: {exc}") from None


def load_session(path: str | os.PathLike, folder: Folder = ANYWHERE) -> Session:
    """The session saved at ``path``, or a :class:`FileError` naming the file and the problem.

    The file is read as ``folder`` allows, at most :data:`SESSION_LIMIT` bytes.
    """
    return loads(folder.read_text(path, "session", SESSION_LIMIT), folder.named(path))


def save_session(session: Session, path: str | os.PathLike,
                 folder: Folder = ANYWHERE) -> Path:
    """Write ``session`` to ``path`` atomically, as ``folder`` allows; returns the path.

    On failure a :class:`FileError` says why, and the old file is unchanged.
    """
    return folder.write(path, session.dumps().encode("utf-8"), "session")
