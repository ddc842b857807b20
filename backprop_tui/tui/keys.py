"""Every key of the app, written once: the bindings, the key lines and the help screen are
built from :data:`KEYS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from textual.binding import Binding

from ..present.formulas import NUDGE_FORMULA


class Key(NamedTuple):
    """One entry of the key registry: one key (or a pair, like ``[ ]``) and what it does."""

    shown: str
    """The key as the key lines and the help write it: ``f``, ``space``, ``[ ]``."""
    label: str
    """A word or two for a key line."""
    help: str
    """The help screen's sentence."""
    bindings: tuple[tuple[str, str, str], ...] = ()
    """(Textual key names, action, id) of each binding; none for keys that a widget
    handles (tab, enter, escape)."""
    line: str = "more"
    """Where a key line shows it: ``main`` (the bottom line), ``more`` (the second line,
    which pages at small sizes), or ``help`` (only in the help)."""
    priority: bool = False


KEYS: tuple[Key, ...] = (
    Key("f", "fwd", "forward pass: z, a of every neuron and the cost C (per sample and mean)",
        (("f", "forward", "forward"),), "main"),
    Key("b", "back", "backward pass: every chain-rule factor of every neuron, output layer "
        "first; b again: the next layer down (in a chain's reveal mode, the next factor)",
        (("b", "backward", "backward"),), "main"),
    Key("s", "step", "update step: every weight and bias moves by −η·(the mean gradient "
        "over the samples); old → new",
        (("s", "step", "step"),), "main"),
    Key("space", "next", "the next phase: forward → backward, layer by layer from the output "
        "→ step → forward …",
        (("space", "next_phase", "next"),), "main"),
    Key("t", "train", "start / stop training on batches; the loss curve grows",
        (("t", "train", "train"),), "main"),
    Key("r", "reset", "reset to the start values; clears the loss history",
        (("r", "reset", "reset"),), "main"),
    Key("l", "data", "load the lesson's dataset: in a chain the built-in 8 samples, x in "
        "[0, 1], y = 1 when x > 0.5; with several neurons a layer XOR, inputs 00 01 10 11, "
        "targets 0 1 1 0 (a 2,2,1 network when the shape has not 2 inputs and 1 output)",
        (("l", "dataset", "dataset"),)),
    Key("v", "view", "at small sizes: switch between the derivation and the loss curve "
        "(a chain's with the batch table)",
        (("v", "switch_view", "view"),), "main"),
    Key("?", "help", "this help (escape or ? closes it)",
        (("question_mark", "help", "help"),), "main"),
    Key("q", "quit", "quit (ctrl+c too)",
        (("q", "quit", "quit"), ("ctrl+c", "quit", "quit-ctrl-c")), "main", priority=True),
    # -- the second line: teaching keys, then the rest
    Key("x", "reveal", "reveal mode on/off: b shows one factor of the layer at a time, so "
        "that the class can say it before it appears (no score)",
        (("x", "reveal", "reveal"),)),
    Key("e", "nudge", f"nudge check: the selected parameter θ ± ε, {NUDGE_FORMULA} beside the "
        "chain rule's ∂C/∂θ and their relative difference (in a chain a panel, which e "
        "again hides; with several neurons a layer for the selected w_jk, on the message "
        "line)",
        (("e", "nudge", "nudge"),)),
    Key("E", "ε÷10", "nudge with ε ten times smaller (1e−1 … 1e−10, then round again)",
        (("E", "nudge_epsilon", "nudge-epsilon"),)),
    Key("c", "param", "choose the parameter θ the derivation explains: in a chain w or b of "
        "the layer shown (the nudge and the slope view use it too); with several neurons a "
        "layer the next weight w_jk into the selected neuron (k: the neuron below)",
        (("c", "choose_parameter", "choose-parameter"),)),
    Key("[ ]", "layer", "show the layer nearer the input / nearer the output",
        (("left_square_bracket", "layer(-1)", "layer-in"),
         ("right_square_bracket", "layer(1)", "layer-out"))),
    Key("← →", "layer", "the layer nearer the input / nearer the output, as [ ] (with several "
        "neurons a layer, the neuron selected there)",
        (("left", "layer(-1)", "layer-in-arrow"), ("right", "layer(1)", "layer-out-arrow"))),
    Key("{ }", "neuron", "select the neuron above / below in the layer (a layer wider than one)",
        (("left_curly_bracket", "neuron(-1)", "neuron-up"),
         ("right_curly_bracket", "neuron(1)", "neuron-down"))),
    Key("g", "plot", "plot area: loss curve → C against the selected parameter with its "
        "tangent (slope ∂C/∂θ) → the fit, a(L) against x with the samples → …",
        (("g", "plot_view", "plot-view"),)),
    Key("G", "log C", "the loss curve's cost axis: linear ↔ logarithmic",
        (("G", "log_axis", "log-axis"),)),
    Key("z", "quiz", "quiz on/off (--quiz starts in it): in the backward pass the next factor "
        "is hidden; type its value and enter (accepted within 1%, or 1e−6 near 0); enter on "
        "an empty answer reveals it; escape leaves the answer field",
        (("z", "quiz", "quiz"),)),
    Key("h", "vanishing", "vanishing gradient: per layer |∂C/∂w| and the product of the "
        "activation derivatives (with several neurons a layer, the mean |∂C/∂w_jk| and "
        "|∂C/∂z_j|) on a log scale; h again: the derivation",
        (("h", "vanishing", "vanishing"),)),
    Key("M", "matrix", "the derivation in matrix form: δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l)), the "
        "same sums a layer at a time; M again: term by term (a layer wider than one)",
        (("M", "matrix", "matrix"),)),
    Key("D", "decision", "the decision view: the output over the (x1, x2) square with the "
        "samples (○ target 0, ● target 1), redrawn while training; D again hides it (2 "
        "inputs)", (("D", "decision", "decision"),)),
    Key("S", "symmetry", "symmetry demo: every weight 0.5 and every bias 0; the neurons of a "
        "layer then get identical gradients and stay equal (a layer wider than one)",
        (("S", "symmetry", "symmetry"),)),
    Key("o", "activation", "next activation: sigmoid → tanh → ReLU (refused when the cost "
        "cannot take it)", (("o", "cycle_activation", "activation"),)),
    Key("k", "cost", "next cost: squared error ↔ cross-entropy (needs sigmoid and targets "
        "in [0, 1])", (("k", "cycle_cost", "cost"),)),
    Key("u U", "undo/redo", "undo / redo: phases, steps, edits, switches and training runs "
        "(200 back), the loss curve with them",
        (("u", "undo", "undo"), ("U", "redo", "redo"))),
    Key("n p", "sample", "show the next / previous sample (the step uses the mean)",
        (("n", "sample(1)", "next-sample"), ("p", "sample(-1)", "previous-sample"))),
    Key("a", "add", "add a sample: in a chain a copy of the one shown, type its x, tab, its "
        "y; with several neurons a layer a dialog, its inputs ; its targets (the values of "
        "the sample shown to start with)",
        (("a", "add_sample", "add-sample"),)),
    Key("d", "delete", "delete the sample shown (the last one stays)",
        (("d", "remove_sample", "remove-sample"),)),
    Key("+ −", "speed", "train faster / slower (from single steps to thousands a second)",
        (("plus,equals_sign", "speed(1)", "faster"), ("minus,underscore", "speed(-1)", "slower"))),
    Key("↑ ↓", "scroll", "scroll the derivation (or the graph, T) when it does not fit",
        (("up", "scroll_rows(-1)", "rows-up"), ("down", "scroll_rows(1)", "rows-down"))),
    Key("m", "handout", "write the current trace as a Markdown handout "
        "(backprop-handout-N.md here)", (("m", "handout", "handout"),)),
    Key("i", "screenshot", "save a screenshot of the screen as SVG "
        "(backprop-screenshot-N.svg here)", (("i", "app.screenshot", "screenshot"),)),
    Key("ctrl+s", "save", "save the session: to the --session file, else "
        "backprop-session.json here (--session opens it again)",
        (("ctrl+s", "app.save_session", "save-session"),)),
    Key("T", "graph", "the computation graph in place of the panels and the derivation: a "
        "tree from C down, each node's value and, once b has reached it, ∂C/∂node = the "
        "product its edge up adds (◀━━: this step's edges; a value feeding several neurons: "
        "Σ of its edges'); ● the selected parameter's way to C and its derivation row; "
        "T again: the derivation", (("T", "graph", "graph"),)),
    Key("j", "more keys", "the second key line's next page (at small sizes)",
        (("j", "more_keys", "more-keys"),), "help"),
    Key("tab", "fields", "move between the editable fields: in a chain w, b, x, y, η; with "
        "several neurons a layer the selected neuron's w_jk, b_j (shift+tab: back)", (),
        "help"),
    Key("enter esc", "apply/cancel", "apply / cancel an edit and leave the field", (), "help"),
    Key("ctrl+p", "commands", "commands: save session (as…), load CSV data, write handout, "
        "screenshot", (), "help"),
)
"""Every key: the main line's first, then the second line's, then those only in the help."""


def bindings(keys: tuple[Key, ...] = KEYS,
             absent: Mapping[str, str] | None = None) -> list[Binding]:
    """The bindings of ``keys`` (the app's: :data:`KEYS`). A key named in ``absent`` (its
    ``shown`` text, and what it lacks) is bound to the action ``absent`` instead, which says
    in one line that the key does nothing here and why."""
    absent = absent or {}
    return [
        Binding(names, f"absent({key.shown!r})" if key.shown in absent else action,
                key.label, id=ident, show=False, priority=key.priority)
        for key in keys for names, action, ident in key.bindings
    ]


def screen_bindings(absent: Mapping[str, str]) -> list[Binding]:
    """A lesson screen's bindings: every key of :data:`KEYS` but q (the app's own, so that
    it quits from every screen), those in ``absent`` saying why they do nothing there."""
    return bindings(tuple(key for key in KEYS if not key.priority), absent)


def app_bindings() -> list[Binding]:
    """The app's bindings: the keys that act on every screen (q, ctrl+c)."""
    return bindings(tuple(key for key in KEYS if key.priority))


def shown_keys(hidden: Iterable[str] = ()) -> tuple[Key, ...]:
    """The keys of :data:`KEYS` that a screen's key lines and help show: all but those
    named in ``hidden`` (their ``shown`` text), which do nothing on that screen."""
    left_out = set(hidden)
    return tuple(key for key in KEYS if key.shown not in left_out)


def on_line(line: str, keys: tuple[Key, ...] = KEYS) -> list[Key]:
    """The keys a key line shows: ``main`` or ``more`` (of :data:`KEYS` unless ``keys``)."""
    return [key for key in keys if key.line == line]


def pages(keys: list[Key], width: int, tail: str) -> list[list[Key]]:
    """``keys`` in pages that fit ``width`` cells each, with room for ``tail`` on every page
    when there is more than one."""

    def cells(group: list[Key]) -> int:
        return sum(len(k.shown) + 1 + len(k.label) for k in group) + 2 * max(len(group) - 1, 0)

    if cells(keys) <= width:
        return [keys]
    room = width - len(tail) - 2
    out: list[list[Key]] = [[]]
    for key in keys:
        if out[-1] and cells(out[-1] + [key]) > room:
            out.append([])
        out[-1].append(key)
    return out
