"""The lesson: the one object that owns the app's state.

It holds the start values (for a reset), the current chain, the samples, η and
the batch size, the phase of the forward → backward → step loop with the
results of each phase, the loss history and a trainer for continuous training.
Widgets only show what it holds; keys only ask it to change.

Every change of w, b, x, y or η goes through a setter that validates the value
(a :class:`ModelError` with a message fit for the user, the state unchanged)
and clears every result computed from the old values, so nothing stale is
ever shown. ``version`` grows by one with every change, for anyone watching.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .chain import BackwardPass, Chain, ForwardPass, Samples
from .check import EPSILON, Nudge, nudge
from .errors import ModelError
from .functions import activation_named, cost_named
from .history import LossHistory
from .landscape import CostSlice, Fit, cost_slice, fit_curve
from .limits import (
    MAX_SAMPLES,
    MIN_SAMPLES,
    check_batch_size,
    check_learning_rate,
    check_sample_count,
    check_start,
)
from .numbers import parse_number
from .quiz import Quiz
from .session import Session
from .trainer import Divergence, RunResult, Trainer
from .undo import Snapshot, Timeline

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

PHASES: tuple[str, ...] = ("none", "forward", "backward", "step")
"""The phases of the loop; ``none`` until something has been computed."""

def finite_number(value: float | str, name: str) -> float:
    """``value`` as a float, or a :class:`ModelError` naming ``name`` when it is not finite.

    Text (what a field holds) is read by :func:`parse_number`, the program's one parser.
    """
    if isinstance(value, str):
        return parse_number(value, name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{value!r} is not a number", subject=name) from None
    if not math.isfinite(number):
        raise ModelError(f"{value!r} is not a finite number", subject=name)
    return number


@dataclass(frozen=True)
class StepResult:
    """One update step: the chain before, the gradients it used, η, the chain after."""

    old: Chain
    backward: BackwardPass
    lr: float
    new: Chain


@dataclass(frozen=True)
class Start:
    """The values a reset returns to."""

    chain: Chain
    samples: Samples
    lr: float
    batch_size: int | None


@dataclass(frozen=True)
class LessonState:
    """What the lesson shows, as one value: every change makes a new one, and undo
    keeps the previous ones (with a copy of the loss history, which grows in place)."""

    chain: Chain
    samples: Samples
    lr: float
    batch_size: int | None
    """Samples per training step; None means all of them."""
    steps_done: int = 0
    """Steps taken since the start or the last reset."""
    divergence: Divergence | None = None
    """Why training stopped, if it diverged."""
    phase: str = "none"
    """The last phase computed: one of :data:`PHASES`."""
    forward_pass: ForwardPass | None = None
    backward_pass: BackwardPass | None = None
    last_step: StepResult | None = None

    def cleared(self, **changes: Any) -> LessonState:
        """This state with ``changes`` and no results (phase none, no passes, no step)."""
        none: dict[str, Any] = {"phase": "none", "forward_pass": None, "backward_pass": None,
                                "last_step": None}
        return replace(self, **{**none, **changes})


class Lesson:
    """The state of the app: parameters, data, η, the phase and its results.

    :attr:`state` holds them as one frozen value; the attributes below read it.
    """

    def __init__(
        self, chain: Chain, samples: Samples, lr: float, batch_size: int | None = None
    ) -> None:
        lr = check_start(lr, len(samples), batch_size)
        chain.cost.check_targets(samples.y)
        self.start = Start(chain, samples, lr, batch_size)
        """The values ``reset`` returns to."""
        self.history = LossHistory()
        """The batch-mean cost before every step taken (single steps and training)."""
        self.version = 0
        """Grows by one with every change of the state."""
        self._restore()
        self.quiz = Quiz()
        """The score of the quiz and the factor it hides next."""
        self._timeline: Timeline[LessonState] = Timeline()
        self._recorded_version: int | None = None
        self._trained_version: int | None = None

    # -- state -------------------------------------------------------------------

    def _restore(self) -> None:
        start = self.start
        self.state = LessonState(start.chain, start.samples, start.lr, start.batch_size)
        self.history.clear()
        self._trainer: Trainer | None = None

    def _changed(self, **changes: Any) -> None:
        """Something the results depend on changed: the new values, every result cleared."""
        self.state = self.state.cleared(divergence=None, **changes)
        self._trainer = None
        self.version += 1

    # The state's values, read from it.

    @property
    def chain(self) -> Chain:
        return self.state.chain

    @chain.setter
    def chain(self, chain: Chain) -> None:
        """Other parameters (or functions): every result is cleared."""
        self._changed(chain=chain)

    @property
    def samples(self) -> Samples:
        return self.state.samples

    @property
    def lr(self) -> float:
        return self.state.lr

    @property
    def batch_size(self) -> int | None:
        return self.state.batch_size

    @property
    def steps_done(self) -> int:
        return self.state.steps_done

    @property
    def divergence(self) -> Divergence | None:
        return self.state.divergence

    @property
    def phase(self) -> str:
        return self.state.phase

    @property
    def forward_pass(self) -> ForwardPass | None:
        return self.state.forward_pass

    @property
    def backward_pass(self) -> BackwardPass | None:
        return self.state.backward_pass

    @property
    def last_step(self) -> StepResult | None:
        return self.state.last_step

    @property
    def layers(self) -> int:
        return self.chain.layers

    @property
    def effective_batch_size(self) -> int:
        """B: the samples each training step uses."""
        return check_batch_size(self.batch_size, len(self.samples))

    # -- the loop ----------------------------------------------------------------

    def forward(self) -> ForwardPass:
        """z, a and C for every sample with the current parameters."""
        self._checkpoint()
        fwd = self.chain.forward(self.samples)
        self.state = self.state.cleared(forward_pass=fwd, phase="forward")
        self.version += 1
        return fwd

    def backward(self) -> BackwardPass:
        """Every chain-rule factor; runs the forward pass first when it is missing."""
        self._checkpoint()
        fwd = self.forward_pass if self.forward_pass is not None else self.forward()
        bp = fwd.backward()
        self.state = replace(self.state, backward_pass=bp, last_step=None, phase="backward")
        self.version += 1
        return bp

    def step(self) -> StepResult:
        """Every w, b moves by −η·(batch-mean gradient); runs the missing phases first."""
        self._checkpoint()
        bp = self.backward_pass if self.backward_pass is not None else self.backward()
        old = self.chain
        new = old.step(bp, self.lr)
        result = StepResult(old, bp, self.lr, new)
        self.history.append(bp.forward.mean_cost)
        self.state = self.state.cleared(chain=new, steps_done=self.steps_done + 1,
                                        last_step=result, phase="step")
        self._trainer = None
        self.version += 1
        return result

    def next_phase(self) -> str:
        """The phase after the current one: forward → backward → step → forward …"""
        if self.phase in ("none", "step"):
            self.forward()
        elif self.phase == "forward":
            self.backward()
        else:
            self.step()
        return self.phase

    def train(self, steps: int) -> RunResult:
        """``steps`` steps on mini-batches, recorded in the history; stops on divergence."""
        if self.version != self._trained_version:
            self._checkpoint()  # calls with nothing in between are one run: one undo
        if self._trainer is None:
            self._trainer = Trainer(
                self.chain, self.samples, self.lr, self.batch_size,
                history=self.history, steps_done=self.steps_done,
            )
        result = self._trainer.run(steps)
        if result.steps:
            self.state = self.state.cleared(chain=self._trainer.chain,
                                            steps_done=self._trainer.steps_done)
        self.state = replace(self.state, divergence=result.divergence)
        self.version += 1
        self._trained_version = self.version
        return result

    def reset(self) -> None:
        """Back to the start values; the loss history and the step count start over."""
        self._checkpoint()
        self._restore()
        self.version += 1

    # -- edits -------------------------------------------------------------------

    def _layer_index(self, layer: int) -> int:
        if not 1 <= layer <= self.layers:
            raise ModelError(f"layer {layer}: there are layers 1 to {self.layers}")
        return layer - 1

    def _sample_index(self, sample: int) -> int:
        if not 0 <= sample < len(self.samples):
            raise ModelError(f"sample {sample + 1}: there are samples 1 to {len(self.samples)}")
        return sample

    def set_w(self, layer: int, value: float | str) -> None:
        """w of layer ``layer`` (1..N)."""
        self._checkpoint()
        i = self._layer_index(layer)
        number = finite_number(value, "w")
        w = np.array(self.chain.w)
        w[i] = number
        self._changed(chain=self.chain.with_params(w, self.chain.b))

    def set_b(self, layer: int, value: float | str) -> None:
        """b of layer ``layer`` (1..N)."""
        self._checkpoint()
        i = self._layer_index(layer)
        number = finite_number(value, "b")
        b = np.array(self.chain.b)
        b[i] = number
        self._changed(chain=self.chain.with_params(self.chain.w, b))

    def _set_samples(self, x: np.ndarray, y: np.ndarray) -> None:
        self._checkpoint()
        samples = Samples(x, y)
        self.chain.cost.check_targets(samples.y)
        size = self.batch_size
        if size is not None and size > len(samples):
            size = len(samples)
        self._changed(samples=samples, batch_size=size)

    def set_x(self, sample: int, value: float | str) -> None:
        """x of sample ``sample`` (0-based): data, not a parameter."""
        k = self._sample_index(sample)
        x = np.array(self.samples.x)
        x[k] = finite_number(value, "x")
        self._set_samples(x, self.samples.y)

    def set_y(self, sample: int, value: float | str) -> None:
        """The target y of sample ``sample`` (0-based)."""
        k = self._sample_index(sample)
        y = np.array(self.samples.y)
        y[k] = finite_number(value, "y")
        self._set_samples(self.samples.x, y)

    def set_lr(self, value: float | str) -> None:
        """The learning rate η. The forward and backward results stay: they do not depend
        on η (the next step uses the new η; a step already taken keeps the η it used)."""
        self._checkpoint()
        lr = check_learning_rate(finite_number(value, "η"))
        self.state = replace(self.state, lr=lr, divergence=None)
        self._trainer = None
        self.version += 1

    def set_batch_size(self, size: int | None) -> None:
        """Samples per training step (None: all)."""
        self._checkpoint()
        self._changed(batch_size=None if size is None else check_batch_size(size, len(self.samples)))

    def add_sample(self, x: float | str, y: float | str) -> int:
        """Append a sample; returns its index."""
        if len(self.samples) >= MAX_SAMPLES:
            raise ModelError(f"samples: at most {MAX_SAMPLES}")
        xv, yv = finite_number(x, "x"), finite_number(y, "y")
        self._set_samples(np.append(self.samples.x, xv), np.append(self.samples.y, yv))
        return len(self.samples) - 1

    def remove_sample(self, sample: int) -> None:
        """Remove sample ``sample`` (0-based); the last one stays."""
        k = self._sample_index(sample)
        if len(self.samples) <= MIN_SAMPLES:
            raise ModelError("samples: the batch needs at least one sample")
        keep = np.arange(len(self.samples)) != k
        self._set_samples(self.samples.x[keep], self.samples.y[keep])

    def set_samples(self, x: ArrayLike, y: ArrayLike) -> None:
        """Replace the whole batch (e.g. with the built-in dataset)."""
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        check_sample_count(xs.size)
        self._set_samples(xs, ys)

    # -- undo and redo -----------------------------------------------------------

    def _checkpoint(self) -> None:
        """Record the state in the timeline unless it is recorded already."""
        if self.version != self._recorded_version:
            self._timeline.record(self.state, self.history)
            self._recorded_version = self.version

    @property
    def can_undo(self) -> int:
        """How many changes undo can take back."""
        dirty = self.version != self._recorded_version
        return self._timeline.can_undo + (1 if dirty and len(self._timeline) else 0)

    @property
    def can_redo(self) -> int:
        """How many undone changes redo can bring back."""
        return self._timeline.can_redo if self.version == self._recorded_version else 0

    def undo(self) -> None:
        """Back to the state before the last change: phases, steps, edits, training runs."""
        self._checkpoint()
        if not self._timeline.can_undo:
            raise ModelError("undo: nothing to undo")
        self._apply(self._timeline.back())

    def redo(self) -> None:
        """Forward again to the state undo left."""
        if not self.can_redo:
            raise ModelError("redo: nothing to redo")
        self._apply(self._timeline.forth())

    def _apply(self, snapshot: Snapshot[LessonState]) -> None:
        self.state = snapshot.state
        self.history = snapshot.history.copy()  # the snapshot's copy stays as it was
        self._trainer = None
        self.version += 1
        self._recorded_version = self.version

    # -- activation and cost -----------------------------------------------------

    def set_activation(self, name: str) -> None:
        """Another activation for every neuron; refused (nothing changes) if the cost cannot take it."""
        chain = Chain(self.chain.w, self.chain.b, activation_named(name), self.chain.cost)
        self._checkpoint()
        self._changed(chain=chain)

    def set_cost(self, name: str) -> None:
        """Another cost; refused (nothing changes) for an activation or targets it cannot take."""
        cost = cost_named(name)
        chain = Chain(self.chain.w, self.chain.b, self.chain.activation, cost)
        cost.check_targets(self.samples.y)
        self._checkpoint()
        self._changed(chain=chain)

    # -- views of the current parameters (computed by the model, changing nothing) ---

    def nudge(self, which: str, layer: int, epsilon: float = EPSILON) -> Nudge:
        """Parameter ``which`` (w or b) of ``layer`` nudged by ±ε: the numeric derivative."""
        return nudge(self.chain, self.samples, which, layer, epsilon)

    def cost_slice(self, which: str, layer: int) -> CostSlice:
        """C over a range of parameter ``which`` of ``layer``, with the tangent at its value."""
        return cost_slice(self.chain, self.samples, which, layer)

    def fit(self) -> Fit:
        """a(L) over the range of the data, with the samples."""
        return fit_curve(self.chain, self.samples)

    # -- sessions and handouts ---------------------------------------------------

    @classmethod
    def from_session(cls, session: Session) -> Lesson:
        """A lesson that goes on from ``session``: its parameters, samples, η, batch
        size, step count and loss history; a reset returns to its start parameters.

        A batch size equal to the number of samples means "all of them", so that
        the batch grows with samples added later.
        """
        n = len(session.samples)
        batch_size = None if session.batch_size == n else session.batch_size
        lesson = cls(session.start, session.samples, session.lr, batch_size)
        lesson.state = replace(lesson.state, chain=session.chain, steps_done=session.steps)
        lesson.history = session.history.copy()
        return lesson

    def to_session(self) -> Session:
        """The session to save: the current state, with the start parameters for a reset."""
        chain = self.chain
        start = self.start.chain
        return Session(chain, Chain(start.w, start.b, chain.activation, chain.cost),
                       self.samples, self.lr, self.effective_batch_size, self.steps_done,
                       self.history.copy())

    def current_trace(self) -> BackwardPass:
        """Every factor for the current parameters and samples (for a handout).

        The backward pass already computed when there is one; otherwise a fresh one,
        without changing the phase or anything shown.
        """
        if self.backward_pass is not None:
            return self.backward_pass
        return self.chain.forward(self.samples).backward()
