"""The lesson: the one object that owns the app's state.

It holds the start values (for a reset), the current network, the samples, η and
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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .check import EPSILON, Nudge, nudge
from .defaults import XOR_SHAPE
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
from .network import BackwardPass, ForwardPass, Network, Samples, random_network, xor_samples
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
    """One update step: the network before, the gradients it used, η, the network after."""

    old: Network
    backward: BackwardPass
    lr: float
    new: Network


@dataclass(frozen=True)
class Start:
    """The values a reset returns to."""

    network: Network
    samples: Samples
    lr: float
    batch_size: int | None


SYMMETRIC_W = 0.5
"""Every weight of the symmetry demo."""
SYMMETRIC_B = 0.0
"""Every bias of the symmetry demo."""


@dataclass(frozen=True)
class LessonState:
    """What the lesson shows, as one value: every change makes a new one, and undo
    keeps the previous ones (with a copy of the loss history, which grows in place)."""

    network: Network
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
        self, network: Network, samples: Samples, lr: float, batch_size: int | None = None
    ) -> None:
        lr = check_start(lr, len(samples), batch_size)
        network.check_samples(samples)
        self.start = Start(network, samples, lr, batch_size)
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
        self.locked: str | None = None
        """Why the lesson takes no change now (a student following the teacher), or None:
        every change is then refused with this line, and only :meth:`follow` changes it."""

    # -- state -------------------------------------------------------------------

    def _restore(self) -> None:
        start = self.start
        self.state = LessonState(start.network, start.samples, start.lr, start.batch_size)
        self.history.clear()
        self._trainer: Trainer | None = None

    def _changed(self, **changes: Any) -> None:
        """Something the results depend on changed: the new values, every result cleared."""
        self.state = self.state.cleared(divergence=None, **changes)
        self._trainer = None
        self.version += 1

    # The state's values, read from it.

    @property
    def network(self) -> Network:
        return self.state.network

    @network.setter
    def network(self, network: Network) -> None:
        """Other parameters (or functions): every result is cleared."""
        network.check_samples(self.samples)
        self._changed(network=network)

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
        return self.network.layers

    @property
    def shape(self) -> tuple[int, ...]:
        return self.network.shape

    @property
    def effective_batch_size(self) -> int:
        """B: the samples each training step uses."""
        return check_batch_size(self.batch_size, len(self.samples))

    # -- the loop ----------------------------------------------------------------

    def forward(self) -> ForwardPass:
        """z, a and C for every sample with the current parameters."""
        self._checkpoint()
        fwd = self.network.forward(self.samples)
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
        old = self.network
        new = old.step(bp, self.lr)
        result = StepResult(old, bp, self.lr, new)
        self.history.append(bp.forward.mean_cost)
        self.state = self.state.cleared(network=new, steps_done=self.steps_done + 1,
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
        if self.locked is not None:
            raise ModelError(self.locked)
        if self.version != self._trained_version:
            self._checkpoint()  # calls with nothing in between are one run: one undo
        if self._trainer is None:
            self._trainer = Trainer(
                self.network, self.samples, self.lr, self.batch_size,
                history=self.history, steps_done=self.steps_done,
            )
        result = self._trainer.run(steps)
        if result.steps:
            self.state = self.state.cleared(network=self._trainer.network,
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

    def _sample_index(self, sample: int) -> int:
        if not 0 <= sample < len(self.samples):
            raise ModelError(f"sample {sample + 1}: there are samples 1 to {len(self.samples)}")
        return sample

    def _set_parameter(self, which: str, layer: int, value: float | str, neuron: int,
                       input: int) -> None:
        self._checkpoint()
        i = self.network.parameter_index(which, layer, neuron, input)
        number = finite_number(value, which)
        w, b = np.array(self.network.flat_w), np.array(self.network.flat_b)
        (w if which == "w" else b)[i] = number
        self._changed(network=self.network.with_params(w, b))

    def set_w(self, layer: int, value: float | str, neuron: int = 1, input: int = 1) -> None:
        """w_jk of layer ``layer`` (1..L; j = ``neuron``, k = ``input``, from 1; a chain's w(l))."""
        self._set_parameter("w", layer, value, neuron, input)

    def set_b(self, layer: int, value: float | str, neuron: int = 1) -> None:
        """b_j of layer ``layer`` (1..L; j = ``neuron`` from 1; a chain's b(l))."""
        self._set_parameter("b", layer, value, neuron, 1)

    def _set_samples(self, x: np.ndarray, y: np.ndarray) -> None:
        self._checkpoint()
        samples = self.network.samples(x, y)
        self.network.check_samples(samples)
        size = self.batch_size
        if size is not None and size > len(samples):
            size = len(samples)
        self._changed(samples=samples, batch_size=size)

    def set_x(self, sample: int, value: float | str, input: int = 1) -> None:
        """Input ``input`` (from 1) of sample ``sample`` (0-based): data, not a parameter."""
        k = self._sample_index(sample)
        if not 1 <= input <= self.network.inputs:
            raise ModelError(f"x{input}: the samples have inputs 1 to {self.network.inputs}")
        x = np.array(self.samples.x)
        x[k, input - 1] = finite_number(value, "x")
        self._set_samples(x, self.samples.y)

    def set_y(self, sample: int, value: float | str, output: int = 1) -> None:
        """Target ``output`` (from 1) of sample ``sample`` (0-based)."""
        k = self._sample_index(sample)
        if not 1 <= output <= self.network.outputs:
            raise ModelError(f"y{output}: the samples have targets 1 to {self.network.outputs}")
        y = np.array(self.samples.y)
        y[k, output - 1] = finite_number(value, "y")
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

    def add_sample(self, x: float | str | Sequence[float | str],
                   y: float | str | Sequence[float | str]) -> int:
        """Append a sample (a number for each input and target, or one number each for
        a network of one input and one output); returns its index."""
        if len(self.samples) >= MAX_SAMPLES:
            raise ModelError(f"samples: at most {MAX_SAMPLES}")
        xs = [finite_number(v, "x") for v in ([x] if isinstance(x, (float, int, str)) else x)]
        ys = [finite_number(v, "y") for v in ([y] if isinstance(y, (float, int, str)) else y)]
        net = self.network
        for name, got, want, what in (("x", xs, net.inputs, "input"),
                                      ("y", ys, net.outputs, "target")):
            if len(got) != want:
                raise ModelError(f"{name}: {len(got)} value{'s' * (len(got) != 1)}, but the "
                                 f"network takes {want} {what}{'s' * (want != 1)}")
        self._set_samples(np.vstack((self.samples.x, [xs])), np.vstack((self.samples.y, [ys])))
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
        check_sample_count(len(xs))
        self._set_samples(xs, ys)

    def use_xor(self) -> bool:
        """The XOR samples, from a fresh start; a network of shape 2,2,1 (the start's seed
        values) when the current one does not take 2 inputs and give 1 output. True when
        the network was replaced."""
        samples = xor_samples()
        network = self.network
        replaced = (network.inputs, network.outputs) != (2, 1)
        if replaced:
            drawn = random_network(XOR_SHAPE)
            network = Network(XOR_SHAPE, drawn.flat_w, drawn.flat_b, network.activation,
                              network.cost)
        network.check_samples(samples)
        self._begin_again(network, samples, None)
        return replaced

    def make_symmetric(self) -> None:
        """Every weight :data:`SYMMETRIC_W` and every bias :data:`SYMMETRIC_B`: the neurons
        of a layer start alike (the symmetry demo); the loss history starts over."""
        net = self.network
        network = net.with_params(np.full(net.flat_w.size, SYMMETRIC_W),
                                  np.full(net.flat_b.size, SYMMETRIC_B))
        self._begin_again(network, self.samples, self.batch_size)

    def _begin_again(self, network: Network, samples: Samples, batch_size: int | None) -> None:
        """A new start (what a reset returns to) from ``network`` and ``samples``."""
        self._checkpoint()
        self.start = Start(network, samples, self.lr, batch_size)
        self.history.clear()
        self._changed(network=network, samples=samples, batch_size=batch_size, steps_done=0)

    def symmetric_layers(self) -> list[int]:
        """The hidden layers (1..L−1) of more than one neuron whose neurons are alike: equal
        weights in, equal biases, equal weights out. They compute the same a for every
        sample and get the same gradients, so a step keeps them alike."""
        out = []
        net = self.network
        for layer in range(1, self.layers):
            w, b, after = net.w[layer - 1], net.b[layer - 1], net.w[layer]
            if (w.shape[0] > 1 and (w == w[0]).all() and (b == b[0]).all()
                    and (after == after[:, :1]).all()):
                out.append(layer)
        return out

    # -- undo and redo -----------------------------------------------------------

    def _checkpoint(self) -> None:
        """Record the state in the timeline unless it is recorded already (every change
        starts here, so a locked lesson refuses it here)."""
        if self.locked is not None:
            raise ModelError(self.locked)
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
        if self.locked is not None:
            raise ModelError(self.locked)
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
        network = self.network.with_functions(activation_named(name), self.network.cost)
        self._checkpoint()
        self._changed(network=network)

    def set_cost(self, name: str) -> None:
        """Another cost; refused (nothing changes) for an activation or targets it cannot take."""
        network = self.network.with_functions(self.network.activation, cost_named(name))
        network.check_samples(self.samples)
        self._checkpoint()
        self._changed(network=network)

    # -- views of the current parameters (computed by the model, changing nothing) ---

    def nudge(self, which: str, layer: int, epsilon: float = EPSILON, neuron: int = 1,
              input: int = 1) -> Nudge:
        """w_jk or b_j of ``layer`` nudged by ±ε: the numeric derivative."""
        return nudge(self.network, self.samples, which, layer, epsilon, neuron, input)

    def cost_slice(self, which: str, layer: int, neuron: int = 1, input: int = 1) -> CostSlice:
        """C over a range of w_jk or b_j of ``layer``, with the tangent at its value."""
        return cost_slice(self.network, self.samples, which, layer, neuron=neuron, input=input)

    def fit(self) -> Fit:
        """a(L) over the range of the data, with the samples."""
        return fit_curve(self.network, self.samples)

    # -- sessions and handouts ---------------------------------------------------

    @classmethod
    def from_session(cls, session: Session, samples: Samples | None = None,
                     lr: float | None = None, batch_size: int | None = None) -> Lesson:
        """A lesson that goes on from ``session``: its parameters, samples, η, batch
        size, step count and loss history; a reset returns to its start parameters.
        ``samples``, ``lr`` and ``batch_size`` given override the session's own.

        A batch size equal to the number of samples means "all of them", so that
        the batch grows with samples added later.
        """
        samples = session.samples if samples is None else samples
        size = session.batch_size if batch_size is None else batch_size
        lesson = cls(session.start, samples, session.lr if lr is None else lr,
                     None if size == len(samples) else size)
        session.network.check_samples(samples)
        lesson.state = replace(lesson.state, network=session.network, steps_done=session.steps)
        lesson.history = session.history.copy()
        return lesson

    def follow(self, session: Session, phase: str, before: Network | None = None) -> None:
        """Show another lesson's state (a class following its teacher): ``session``'s
        parameters, start, samples, η, batch size, steps and history (the session's own
        history object is taken, not copied: a session made for this call), in ``phase``,
        its results computed here from those values (``before``: the parameters the step
        shown started from). Undo starts again from here; :attr:`locked` stays."""
        if phase not in PHASES:
            raise ModelError(f"phase {phase!r} is not one of {', '.join(PHASES)}")
        samples = session.samples
        size = None if session.batch_size == len(samples) else session.batch_size
        network = session.network
        state = LessonState(network, samples, session.lr, size, steps_done=session.steps)
        if phase in ("forward", "backward"):
            fwd = network.forward(samples)
            state = replace(state, forward_pass=fwd, phase="forward")
            if phase == "backward":
                state = replace(state, backward_pass=fwd.backward(), phase="backward")
        elif phase == "step" and before is not None:
            bp = before.forward(samples).backward()
            state = replace(state, phase="step",
                            last_step=StepResult(before, bp, session.lr, network))
        self.start = Start(session.start, samples, session.lr, size)
        self.state = state
        self.history = session.history
        self._trainer = None
        self._timeline = Timeline()
        self.version += 1
        self._recorded_version = None

    def to_session(self) -> Session:
        """The session to save: the current state, with the start parameters for a reset."""
        network = self.network
        start = self.start.network
        return Session(network, network.with_params(start.flat_w, start.flat_b),
                       self.samples, self.lr, self.effective_batch_size, self.steps_done,
                       self.history.copy())

    def current_trace(self) -> BackwardPass:
        """Every factor for the current parameters and samples (for a handout).

        The backward pass already computed when there is one; otherwise a fresh one,
        without changing the phase or anything shown.
        """
        if self.backward_pass is not None:
            return self.backward_pass
        return self.network.forward(self.samples).backward()
