"""Every key of the screen for networks of several neurons a layer, written once: its
bindings, key lines and help come from :data:`WIDE_KEYS` (the registry of
:mod:`backprop_tui.tui.keys`; keys that mean the same as in the chain's app are the
chain's own entries)."""

from __future__ import annotations

from ..keys import KEYS, Key


def _chain(shown: str) -> Key:
    return next(key for key in KEYS if key.shown == shown)


WIDE_KEYS: tuple[Key, ...] = (
    _chain("f"),
    Key("b", "back", "backward pass: every factor of every neuron, output layer first; "
        "b again: the layer below", (("b", "backward", "backward"),), "main"),
    Key("s", "step", "update step: every w_jk, b_j moves by −η·(mean gradient over the "
        "samples); old → new", (("s", "step", "step"),), "main"),
    Key("space", "next", "the next phase: forward → backward, layer by layer from the "
        "output → step → forward …",
        (("space", "next_phase", "next"),), "main"),
    _chain("t"),
    _chain("r"),
    Key("v", "view", "switch the lower half: the derivation ↔ the loss curve",
        (("v", "switch_view", "view"),), "main"),
    _chain("?"),
    _chain("q"),
    Key("← →", "layer", "select a neuron of the layer nearer the input / the output",
        (("left", "layer(-1)", "layer-in"), ("right", "layer(1)", "layer-out"))),
    Key("↑ ↓", "neuron", "select the neuron above / below in the layer",
        (("up", "neuron(-1)", "neuron-up"), ("down", "neuron(1)", "neuron-down"))),
    Key("c", "w_jk", "the next weight w_jk into the selected neuron (k: the neuron below); "
        "the derivation explains it", (("c", "choose_weight", "choose-weight"),)),
    Key("m", "matrix", "the derivation in matrix form: δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l)), the "
        "same sums a layer at a time; m again: term by term",
        (("m", "matrix", "matrix"),)),
    Key("n p", "sample", "show the next / previous sample (the step uses the mean)",
        (("n", "sample(1)", "next-sample"), ("p", "sample(-1)", "previous-sample"))),
    Key("l", "XOR", "the XOR dataset: inputs 00 01 10 11, targets 0 1 1 0 (a 2,2,1 network "
        "when the shape has not 2 inputs and 1 output)", (("l", "xor", "xor"),)),
    Key("d", "decision", "the decision view: the output over the (x1, x2) square with the "
        "samples (○ target 0, ● target 1), redrawn while training; d again hides it (2 "
        "inputs only)", (("d", "decision", "decision"),)),
    Key("e", "symmetry", "symmetry demo: every weight 0.5 and every bias 0; the neurons of a "
        "layer then get identical gradients and stay equal",
        (("e", "symmetry", "symmetry"),)),
    Key("+ −", "speed", "train faster / slower",
        (("plus,equals_sign", "speed(1)", "faster"), ("minus,underscore", "speed(-1)", "slower"))),
    Key("pgup pgdn", "scroll", "scroll the derivation when it does not fit",
        (("pageup", "scroll_rows(-1)", "rows-up"), ("pagedown", "scroll_rows(1)", "rows-down"))),
    Key("ctrl+s", "save", "save the session: to the --session file, else "
        "backprop-session.json here (--session opens it again)",
        (("ctrl+s", "save_session", "save-session"),)),
    Key("j", "more keys", "the second key line's next page (at small sizes)",
        (("j", "more_keys", "more-keys"),), "help"),
    Key("tab", "fields", "move between the selected neuron's fields w_jk, b_j "
        "(shift+tab: back)", (), "help"),
    Key("enter esc", "apply/cancel", "apply / cancel an edit and leave the field", (), "help"),
)
"""Every key of the wide screen: the main line's first, then the second line's, then
those only in the help."""
