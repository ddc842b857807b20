"""What the wide screen shows, as one object: a network, its samples, η, the phase and its
results, the loss history and a trainer.

The counterpart of :class:`~backprop_tui.model.lesson.Lesson` for a network of several
neurons a layer. It computes nothing itself: every number comes from
:mod:`backprop_tui.model.network`. Every change goes through a method that checks
the value (a :class:`ModelError` fit for the user, the state unchanged) and clears
what was computed from the old values; ``version`` grows with every change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...model import ModelError
from ...model.defaults import XOR_SHAPE
from ...model.history import LossHistory
from ...model.lesson import finite_number
from ...model.limits import check_batch_size, check_learning_rate, check_sample_count
from ...model.network import (
    Network,
    NetworkBackward,
    NetworkForward,
    NetworkSamples,
    NetworkTrainer,
    random_network,
    xor_samples,
)
from ...model.session import NetworkSession
from ...model.trainer import Divergence, RunResult

SYMMETRIC_W = 0.5
"""Every weight of the symmetry demo."""
SYMMETRIC_B = 0.0
"""Every bias of the symmetry demo."""


@dataclass(frozen=True)
class WideStep:
    """One update: the network before, the gradients it used, η, the network after."""

    old: Network
    backward: NetworkBackward
    lr: float
    new: Network


@dataclass(frozen=True)
class WideStart:
    """What a reset returns to."""

    network: Network
    samples: NetworkSamples
    lr: float
    batch_size: int | None


class WideLesson:
    """The network on screen, its samples and η; the phase of f → b → s and its results."""

    def __init__(self, network: Network, samples: NetworkSamples, lr: float,
                 batch_size: int | None = None) -> None:
        network.forward(samples)  # refuse samples of the wrong shape or targets
        check_sample_count(len(samples))  # as many as the chain's app shows
        lr = check_learning_rate(lr)
        check_batch_size(batch_size, len(samples))
        self.start = WideStart(network, samples, lr, batch_size)
        self.history = LossHistory()
        """The batch-mean cost before every step (single steps and training)."""
        self.version = 0
        self._restore()

    @classmethod
    def from_session(cls, session: NetworkSession, samples: NetworkSamples | None = None,
                     lr: float | None = None, batch_size: int | None = None) -> WideLesson:
        """A lesson that goes on from ``session``: its network, step count and loss history
        (a reset returns to its start); ``samples``, ``lr`` and ``batch_size`` given
        override its own. A batch size of every sample means "all of them"."""
        samples = session.samples if samples is None else samples
        size = session.batch_size if batch_size is None else batch_size
        lesson = cls(session.start, samples, session.lr if lr is None else lr,
                     None if size == len(samples) else size)
        session.network.forward(samples)
        lesson.network = session.network
        lesson.steps_done = session.steps
        lesson.history = session.history.copy()
        return lesson

    def to_session(self) -> NetworkSession:
        """The session to save: the current state, with the start parameters for a reset."""
        return NetworkSession(self.network, self.start.network, self.samples, self.lr,
                              self.effective_batch_size, self.steps_done, self.history.copy())

    def _restore(self) -> None:
        start = self.start
        self.network = start.network
        self.samples = start.samples
        self.lr = start.lr
        self.batch_size = start.batch_size
        self.steps_done = 0
        self.divergence: Divergence | None = None
        self.history.clear()
        self._clear()

    def _clear(self) -> None:
        self.phase = "none"
        self.forward_pass: NetworkForward | None = None
        self.backward_pass: NetworkBackward | None = None
        self.last_step: WideStep | None = None
        self._trainer: NetworkTrainer | None = None

    def _changed(self) -> None:
        self._clear()
        self.divergence = None
        self.version += 1

    @property
    def layers(self) -> int:
        return self.network.layers

    @property
    def shape(self) -> tuple[int, ...]:
        return self.network.shape

    @property
    def effective_batch_size(self) -> int:
        return check_batch_size(self.batch_size, len(self.samples))

    # -- the loop ----------------------------------------------------------------

    def forward(self) -> NetworkForward:
        fwd = self.network.forward(self.samples)
        self._clear()
        self.forward_pass, self.phase = fwd, "forward"
        self.version += 1
        return fwd

    def backward(self) -> NetworkBackward:
        """Every factor; the forward pass first when it is missing."""
        fwd = self.forward_pass if self.forward_pass is not None else self.forward()
        bp = fwd.backward()
        self.backward_pass, self.last_step, self.phase = bp, None, "backward"
        self.version += 1
        return bp

    def step(self) -> WideStep:
        """Every w and b moves by −η·(the mean gradient over the samples)."""
        bp = self.backward_pass if self.backward_pass is not None else self.backward()
        old = self.network
        new = old.step(bp, self.lr)
        self.history.append(bp.forward.mean_cost)
        self._clear()
        self.network, self.steps_done = new, self.steps_done + 1
        self.last_step, self.phase = WideStep(old, bp, self.lr, new), "step"
        self.version += 1
        return self.last_step

    def train(self, steps: int) -> RunResult:
        """``steps`` steps on batches, recorded in the history; stops on divergence."""
        if self._trainer is None:
            trainer = NetworkTrainer(self.network, self.samples, self.lr, self.batch_size,
                                     history=self.history, steps_done=self.steps_done)
            self._clear()
            self._trainer = trainer
        result = self._trainer.run(steps)
        if result.steps:
            self.network = self._trainer.network
            self.steps_done = self._trainer.steps_done
            self.forward_pass = self.backward_pass = self.last_step = None
            self.phase = "none"
        self.divergence = result.divergence
        self.version += 1
        return result

    def current_trace(self) -> NetworkBackward:
        """The forward and backward pass of the current parameters (whatever the phase)."""
        if self.backward_pass is not None:
            return self.backward_pass
        return self.network.forward(self.samples).backward()

    def reset(self) -> None:
        """Back to the start values; the loss history and the step count start over."""
        self._restore()
        self.version += 1

    # -- edits -------------------------------------------------------------------

    def _check_neuron(self, layer: int, j: int, k: int | None = None) -> None:
        shape = self.shape
        if not 1 <= layer <= self.layers:
            raise ModelError(f"layer {layer}: there are layers 1 to {self.layers}")
        if not 1 <= j <= shape[layer]:
            raise ModelError(f"neuron {j}: the layer has neurons 1 to {shape[layer]}")
        if k is not None and not 1 <= k <= shape[layer - 1]:
            raise ModelError(f"weight {k}: the neuron has weights 1 to {shape[layer - 1]}")

    def set_w(self, layer: int, j: int, k: int, value: float | str) -> None:
        """w_jk of ``layer`` (1..L; j, k from 1)."""
        self._check_neuron(layer, j, k)
        number = finite_number(value, "w")
        w = [np.array(m) for m in self.network.w]
        w[layer - 1][j - 1, k - 1] = number
        self._set_network(self.network.with_params(w, list(self.network.b)))

    def set_b(self, layer: int, j: int, value: float | str) -> None:
        """b_j of ``layer``."""
        self._check_neuron(layer, j)
        number = finite_number(value, "b")
        b = [np.array(v) for v in self.network.b]
        b[layer - 1][j - 1] = number
        self._set_network(self.network.with_params(list(self.network.w), b))

    def set_lr(self, value: float | str) -> None:
        self.lr = check_learning_rate(finite_number(value, "η"))
        self._trainer = None
        self.divergence = None
        self.version += 1

    def _set_network(self, network: Network) -> None:
        network.forward(self.samples)  # refuse what the samples cannot go through
        self.network = network
        self._changed()

    def use_xor(self) -> bool:
        """The XOR samples; a network of shape 2,2,1 (the start's seed values) when the
        current one does not take 2 inputs and give 1 output. True when it was replaced."""
        samples = xor_samples()
        replaced = (self.network.inputs, self.network.outputs) != (2, 1)
        network = self.network
        if replaced:
            drawn = random_network(XOR_SHAPE)
            network = Network(XOR_SHAPE, drawn.flat_w, drawn.flat_b,
                              self.network.activation, self.network.cost)
        network.forward(samples)
        self.network, self.samples = network, samples
        self.batch_size = None
        self.steps_done = 0
        self.history.clear()
        self.start = WideStart(network, samples, self.lr, None)
        self._changed()
        return replaced

    def make_symmetric(self) -> None:
        """Every weight :data:`SYMMETRIC_W` and every bias :data:`SYMMETRIC_B`: the neurons
        of a layer start alike (the symmetry demo); the loss history starts over."""
        net = self.network
        network = net.with_params(np.full(net.flat_w.size, SYMMETRIC_W),
                                  np.full(net.flat_b.size, SYMMETRIC_B))
        network.forward(self.samples)
        self.network = network
        self.steps_done = 0
        self.history.clear()
        self.start = WideStart(network, self.samples, self.lr, self.batch_size)
        self._changed()

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
