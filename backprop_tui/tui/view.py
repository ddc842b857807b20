"""What the lower half of the screen shows: one enum for every view."""

from __future__ import annotations

from enum import Enum


class View(Enum):
    """A view of the lower half of the screen.

    The upper views explain the numbers (the derivation, or in its place the vanishing
    gradient or the computation graph); the plots draw them (the loss curve, the cost
    against one parameter with its tangent, the fit, the decision view of a network of two
    inputs). At small sizes one view is shown at
    a time; from 110×32 an upper view and a plot show together.
    """

    DERIVATION = "derivation"
    VANISHING = "vanishing"
    GRAPH = "graph"
    LOSS = "loss"
    SLOPE = "slope"
    FIT = "fit"
    DECISION = "decision"

    @property
    def upper(self) -> bool:
        """Whether this is an upper view (else a plot)."""
        return self in (View.DERIVATION, View.VANISHING, View.GRAPH)


PLOTS: tuple[View, ...] = (View.LOSS, View.SLOPE, View.FIT)
"""The plots, in the order ``g`` cycles through them (the fit for a network of one input
and one output; the decision view has a key of its own, D)."""
