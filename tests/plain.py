"""Repeated plain steps: what every fast training step is held to."""

from backprop_tui.model import Chain, trace
from backprop_tui.model.network import trace_network


def plain_steps(model, samples, lr, batch, steps):
    """``steps`` plain steps (every factor kept) of a chain or a network, batch k on
    samples kB … kB+B−1: the model after them, and the loss before each."""
    traced = trace if isinstance(model, Chain) else trace_network
    losses = []
    for k in range(steps):
        bp = traced(model, samples.batch(k, batch))
        losses.append(bp.forward.mean_cost)
        model = model.step(bp, lr)
    return model, losses
