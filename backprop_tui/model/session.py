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
layer); it still loads as it always did. A shape with more than one neuron in
a layer is refused here with a message saying so: sessions hold width-1 chains.

Saving is atomic (:func:`~backprop_tui.model.files.write_atomically`). Loading
reads at most :data:`~backprop_tui.model.files.SESSION_LIMIT` bytes and checks
everything before building anything: a :class:`FileError` names the file and
the problem.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .chain import Chain, Samples
from .errors import FileError, ModelError
from .fields import Fields
from .files import ANYWHERE, SESSION_LIMIT, Folder
from .functions import activation_named, cost_named
from .history import LossHistory
from .network import check_shape, shape_text
from .trainer import Trainer, check_batch_size, check_learning_rate

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
    """A lesson's whole state: what a session file holds.

    ``chain`` has the current parameters (and the activation and cost), ``start``
    the parameters it started from, with the same activation and cost. The
    history records the batch-mean cost before each step; its next step is
    never beyond ``steps``.
    """

    chain: Chain
    start: Chain
    samples: Samples
    lr: float
    batch_size: int
    steps: int = 0
    history: LossHistory = field(default_factory=LossHistory)
    theme: str | None = None
    """The app's colour theme by name (None: the app's default); the app checks the name."""

    def __post_init__(self) -> None:
        if self.start.layers != self.chain.layers:
            raise ModelError(f"the start has {self.start.layers} layers but the chain has "
                             f"{self.chain.layers}")
        if (self.start.activation, self.start.cost) != (self.chain.activation, self.chain.cost):
            raise ModelError("the start and the chain have different activations or costs")
        self.chain.cost.check_targets(self.samples.y)
        object.__setattr__(self, "lr", check_learning_rate(self.lr))
        object.__setattr__(self, "batch_size", check_batch_size(self.batch_size, len(self.samples)))
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 0:
            raise ModelError(f"steps: {self.steps!r} is not a whole number ≥ 0")
        if self.history.next_step > self.steps:
            raise ModelError(f"the loss history goes up to step {self.history.next_step}, "
                             f"beyond the {self.steps} steps taken")

    @classmethod
    def new(cls, chain: Chain, samples: Samples, lr: float,
            batch_size: int | None = None) -> Session:
        """A session that starts now, from ``chain``: no steps, no history."""
        return cls(chain, chain, samples, lr, check_batch_size(batch_size, len(samples)))

    @classmethod
    def from_trainer(cls, trainer: Trainer, start: Chain) -> Session:
        """A snapshot of ``trainer`` (its history is copied), which started from ``start``."""
        chain = trainer.chain
        start = Chain(start.w, start.b, chain.activation, chain.cost)
        return cls(chain, start, trainer.samples, trainer.lr, trainer.batch_size,
                   trainer.steps_done, trainer.history.copy())

    def trainer(self) -> Trainer:
        """A trainer that goes on from here (with its own copy of the history)."""
        return Trainer(self.chain, self.samples, self.lr, self.batch_size,
                       history=self.history.copy(), steps_done=self.steps)

    def to_dict(self) -> dict:
        """The JSON document, as plain Python values."""
        chain = self.chain
        return {
            "format": FORMAT,
            "version": VERSION,
            "shape": [1] * (chain.layers + 1),
            "activation": chain.activation.name,
            "cost": chain.cost.name,
            "w": [float(v) for v in chain.w],
            "b": [float(v) for v in chain.b],
            "start": {"w": [float(v) for v in self.start.w],
                      "b": [float(v) for v in self.start.b]},
            "samples": {"x": [float(v) for v in self.samples.x],
                        "y": [float(v) for v in self.samples.y]},
            "lr": float(self.lr),
            "batch_size": int(self.batch_size),
            "steps": int(self.steps),
            "history": self.history.to_dict(),
        } | ({} if self.theme is None else {"theme": self.theme})

    def dumps(self) -> str:
        """The JSON document as text: one field a line, each list on one line."""
        return _dumps(self.to_dict()) + "\n"

    @classmethod
    def from_dict(cls, data: object) -> Session:
        """The session a document describes, or a :class:`ModelError` naming the field."""
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
        shape = _chain_shape(fields) if version >= 2 else None
        activation = activation_named(fields.text("activation"))
        cost = cost_named(fields.text("cost"))
        w = fields.numbers("w", min_length=1)
        if shape is not None and len(w) != len(shape) - 1:
            raise ModelError(f"w: {len(w)} values, but shape {shape_text(shape)} has "
                             f"{len(shape) - 1} weights")
        b = _same_length(fields, "b", "w", w)
        start = fields.object("start")
        start.only(("w", "b"))
        start_w = _same_length(start, "w", "w", w)
        start_b = _same_length(start, "b", "w", w)
        samples = fields.object("samples")
        samples.only(("x", "y"))
        x = samples.numbers("x", min_length=1)
        y = _same_length(samples, "y", samples.name("x"), x)
        lr = fields.number("lr")
        batch_size = fields.integer("batch_size", minimum=1)
        if batch_size > len(x):
            raise ModelError(f"batch_size: {batch_size} is more than the {len(x)} samples")
        steps = fields.integer("steps", minimum=0)
        history = LossHistory.from_dict(fields.data["history"])
        theme = fields.text("theme") if fields.has("theme") else None
        return cls(Chain(w, b, activation, cost), Chain(start_w, start_b, activation, cost),
                   Samples(x, y), lr, batch_size, steps, history, theme)


def _chain_shape(fields: Fields) -> tuple[int, ...]:
    """Field ``shape`` of a version-2 document: a chain's (1, 1, …, 1), else refused."""
    try:
        shape = check_shape(fields.integers("shape"))
    except ModelError as exc:
        raise ModelError(str(exc) if str(exc).startswith("shape") else f"shape: {exc}") from None
    if any(n != 1 for n in shape):
        raise ModelError(f"shape {shape_text(shape)}: a network with several neurons a layer; "
                         "sessions hold width-1 chains for now")
    return shape


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
    """The session in ``text``; ``source`` (the file name) starts every error message."""
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
