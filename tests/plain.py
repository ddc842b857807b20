"""Repeated plain steps: what every fast training step is held to."""

from backprop_tui.model import trace


def plain_steps(model, samples, lr, batch, steps):
    """``steps`` plain steps (every factor kept) of a network (a chain is one of width 1),
    batch k on samples kB … kB+B−1: the model after them, and the loss before each."""
    losses = []
    for k in range(steps):
        bp = trace(model, samples.batch(k, batch))
        losses.append(bp.forward.mean_cost)
        model = model.step(bp, lr)
    return model, losses
