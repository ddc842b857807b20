"""Every key of the screen for networks of several neurons a layer, written once: its
bindings, key lines and help come from :data:`WIDE_KEYS` (the registry of
:mod:`backprop_tui.tui.keys`).

One set of keys for every shape (docs/design: "the same keys mean the same thing"): a key
that both apps have is the chain's own entry, whose help says what it does in each. The
wide app's own features have keys the chain's app leaves free (``← →``, ``{ }``, ``M``,
``D``, ``S``); the chain's keys that need what this shape lacks (:data:`CHAIN_ONLY`) say so
in one line instead of doing something else."""

from __future__ import annotations

from textual.binding import Binding

from ..keys import KEYS, Key


def _chain(shown: str) -> Key:
    return next(key for key in KEYS if key.shown == shown)


WIDE_KEYS: tuple[Key, ...] = (
    _chain("f"),
    _chain("b"),
    _chain("s"),
    _chain("space"),
    _chain("t"),
    _chain("r"),
    _chain("v"),
    _chain("?"),
    _chain("q"),
    Key("← →", "layer", "select a neuron of the layer nearer the input / the output",
        (("left", "layer(-1)", "layer-in-arrow"), ("right", "layer(1)", "layer-out-arrow"))),
    Key("{ }", "neuron", "select the neuron above / below in the layer",
        (("left_curly_bracket", "neuron(-1)", "neuron-up"),
         ("right_curly_bracket", "neuron(1)", "neuron-down"))),
    _chain("c"),
    Key("M", "matrix", "the derivation in matrix form: δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l)), the "
        "same sums a layer at a time; M again: term by term",
        (("M", "matrix", "matrix"),)),
    _chain("n p"),
    _chain("l"),
    Key("D", "decision", "the decision view: the output over the (x1, x2) square with the "
        "samples (○ target 0, ● target 1), redrawn while training; D again hides it (2 "
        "inputs only)", (("D", "decision", "decision"),)),
    Key("S", "symmetry", "symmetry demo: every weight 0.5 and every bias 0; the neurons of a "
        "layer then get identical gradients and stay equal",
        (("S", "symmetry", "symmetry"),)),
    _chain("e"),
    _chain("E"),
    _chain("g"),
    _chain("h"),
    _chain("x"),
    _chain("z"),
    _chain("d"),
    _chain("m"),
    _chain("o"),
    _chain("k"),
    _chain("u U"),
    _chain("+ −"),
    _chain("[ ]"),  # as ← → (the chain's way to the next layer)
    _chain("↑ ↓"),
    _chain("ctrl+s"),
    _chain("i"),
    _chain("G"),
    _chain("j"),
    _chain("tab"),
    _chain("enter esc"),
)
"""Every key of the wide screen: the main line's first, then the second line's, then
those only in the help."""

CHAIN_ONLY: dict[str, str] = {
    "a": "adding a sample",
}
"""The chain's keys whose feature this shape lacks, and what it is: each says in one line
that it is not available here (never something else). Adding a sample needs its values
typed, and this screen has no fields for a sample's inputs and targets."""


def chain_only_bindings() -> list[Binding]:
    """A binding per key of :data:`CHAIN_ONLY` to ``absent``, which says so."""
    return [Binding(key, f"absent({key!r})", CHAIN_ONLY[key], id=f"absent-{key}", show=False)
            for key in CHAIN_ONLY]
