"""Every key of backprop-tui, written once: what it does in the app (its bindings, key
lines and help, :mod:`backprop_tui.tui.keys`) and in the plain mode (its help,
:mod:`backprop_tui.plain`), for every shape. Plain data: no terminal library here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from .formulas import NUDGE_FORMULA


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
    """Whether it acts on every screen (q): bound by the app, not the lesson's screen."""
    plain: str | None = None
    """What it does in the plain mode (``--plain``), in the project's notation (the plain
    mode writes it in ASCII); None: the plain mode has no such key. ``{steps}`` stands for
    the length of a training run there."""


KEYS: tuple[Key, ...] = (
    Key("f", "fwd", "forward pass: z, a of every neuron and the cost C (per sample and mean)",
        (("f", "forward", "forward"),), "main",
        plain='forward pass: z and a of every neuron, then the cost C'),
    Key("b", "back", "backward pass: every chain-rule factor of every neuron, output layer "
        "first; b again: the next layer down (in reveal mode, the next factor)",
        (("b", "backward", "backward"),), "main",
        plain=("backward pass: the chain-rule factors of one layer, the output layer first; b "
               "again: the next layer down")),
    Key("s", "step", "update step: every weight and bias moves by −η·(the mean gradient "
        "over the samples); old → new",
        (("s", "step", "step"),), "main",
        plain='update step: every w and b moves by −η·its mean gradient, old value to new'),
    Key("space", "next", "the next phase: forward → backward, layer by layer from the output "
        "→ step → forward …",
        (("space", "next_phase", "next"),), "main",
        plain='the next phase: forward, backward layer by layer, step'),
    Key("t", "train", "start / stop training on batches; the loss curve grows",
        (("t", "train", "train"),), "main",
        plain=("train {steps}, saying how C changes every tenth of the run; t or q during "
               "the run stops it")),
    Key("r", "reset", "reset to the start values; clears the loss history",
        (("r", "reset", "reset"),), "main",
        plain='reset to the start values'),
    Key("l", "data", "load the lesson's dataset: in a chain the built-in 8 samples, x in "
        "[0, 1], y = 1 when x > 0.5; with several neurons a layer XOR, inputs 00 01 10 11, "
        "targets 0 1 1 0 (a 2,2,1 network when the shape has not 2 inputs and 1 output)",
        (("l", "dataset", "dataset"),)),
    Key("v", "view", "at small sizes: switch between the derivation and the loss curve "
        "(a chain's with the batch table)",
        (("v", "switch_view", "view"),), "main"),
    Key("?", "help", "this help (escape or ? closes it)",
        (("question_mark", "help", "help"),), "main",
        plain='these keys'),
    Key("q", "quit", "quit (ctrl+c too)",
        (("q", "quit", "quit"), ("ctrl+c", "quit", "quit-ctrl-c")), "main", priority=True,
        plain='quit (control c and control d too)'),
    # -- the second line: teaching keys, then the rest
    Key("x", "reveal", "reveal mode on/off: b shows one factor of the layer at a time, so "
        "that the class can say it before it appears (no score)",
        (("x", "reveal", "reveal"),),
        plain="reveal mode on or off: b says the next factor's formula, b again its value"),
    Key("e", "nudge", f"nudge check: the selected parameter θ ± ε, {NUDGE_FORMULA} beside the "
        "chain rule's ∂C/∂θ and their relative difference (in a chain a panel, which e "
        "again hides; with several neurons a layer for the selected w_jk, on the message "
        "line)",
        (("e", "nudge", "nudge"),),
        plain="nudge check: the selected parameter ± ε, the numeric derivative beside the chain rule's"),
    Key("E", "ε÷10", "nudge with ε ten times smaller (1e−1 … 1e−10, then round again)",
        (("E", "nudge_epsilon", "nudge-epsilon"),)),
    Key("c", "param", "choose the parameter θ the derivation explains: in a chain w or b of "
        "the layer shown (the nudge and the slope view use it too); with several neurons a "
        "layer the next weight w_jk into the selected neuron (k: the neuron below)",
        (("c", "choose_parameter", "choose-parameter"),),
        plain=("select the parameter: w or b (with several neurons: each weight of the "
               "neuron, then its bias)")),
    Key("[ ]", "layer", "show the layer nearer the input / nearer the output",
        (("left_square_bracket", "layer(-1)", "layer-in"),
         ("right_square_bracket", "layer(1)", "layer-out")),
        plain='select the layer nearer the input, nearer the output'),
    Key("← →", "layer", "the layer nearer the input / nearer the output, as [ ] (with several "
        "neurons a layer, the neuron selected there)",
        (("left", "layer(-1)", "layer-in-arrow"), ("right", "layer(1)", "layer-out-arrow")),
        plain='as [ ]'),
    Key("{ }", "neuron", "select the neuron above / below in the layer (a layer wider than one)",
        (("left_curly_bracket", "neuron(-1)", "neuron-up"),
         ("right_curly_bracket", "neuron(1)", "neuron-down")),
        plain='select the neuron above, below (several neurons a layer)'),
    Key("g", "plot", "plot area: loss curve → C against the selected parameter with its "
        "tangent (slope ∂C/∂θ) → the fit, a(L) against x with the samples → …",
        (("g", "plot_view", "plot-view"),),
        plain='the loss curve, as a sentence with its numbers'),
    Key("G", "log C", "the loss curve's cost axis: linear ↔ logarithmic",
        (("G", "log_axis", "log-axis"),)),
    Key("z", "quiz", "quiz on/off (--quiz starts in it): in the backward pass the next factor "
        "is hidden; type its value and enter (accepted within 1%, or 1e−6 near 0); enter on "
        "an empty answer reveals it; escape leaves the answer field",
        (("z", "quiz", "quiz"),),
        plain=("quiz on or off: b asks each factor; type its value and Enter (right within 1%); "
               "Enter alone shows it; z and Enter leaves the quiz")),
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
        (("u", "undo", "undo"), ("U", "redo", "redo")),
        plain='undo, redo (phases, steps, values set, training runs)'),
    Key("n p", "sample", "show the next / previous sample (the step uses the mean)",
        (("n", "sample(1)", "next-sample"), ("p", "sample(-1)", "previous-sample")),
        plain='the next, previous sample'),
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
    Key("F", "follow", "in a class (backprop-tui ssh --class): a student follows the teacher's "
        "lesson or goes their own way, from a private copy of it as it is; the teacher "
        "brings every student back to following", (("F", "follow", "follow"),), "help",
        plain="in a class (ssh --class): follow the teacher's lesson, or go your own way"),
    Key("W", "who", "in a class: the teacher's list of who is here, following or on their "
        "own, and who has answered the question asked (W or escape closes it)",
        (("W", "roster", "roster"),), "help"),
    Key("j", "more keys", "the second key line's next page (at small sizes)",
        (("j", "more_keys", "more-keys"),), "help"),
    Key("tab", "fields", "move between the editable fields: in a chain w, b, x, y, η; with "
        "several neurons a layer the selected neuron's w_jk, b_j (shift+tab: back)", (),
        "help",
        plain=("set a value: a name, =, a number, Enter: w(L−1) = 0.5, b = 0, x = 0.3, y = 1, η "
               "= 0.1 (w and b alone: the selected ones)")),
    Key("enter esc", "apply/cancel", "apply / cancel an edit and leave the field", (), "help"),
    Key("ctrl+p", "commands", "commands: save session (as…), load CSV data, write handout, "
        "screenshot", (), "help"),
    Key(".", "where", "(the plain mode, --plain) say where the lesson is: step, phase, "
        "layer, cost, selection", (), "plain",
        plain="where the lesson is: step, phase, layer, cost, selection"),
    Key(",", "again", "(the plain mode, --plain) the last fact again", (), "plain",
        plain="the last fact again"),
)
"""Every key: the main line's first, then the second line's, then those only in the help."""


def shown_keys(hidden: Iterable[str] = ()) -> tuple[Key, ...]:
    """The keys of :data:`KEYS` that a screen of the app lists: all but the plain mode's
    own and those named in ``hidden`` (their ``shown`` text), which do nothing there."""
    left_out = set(hidden)
    return tuple(key for key in KEYS if key.shown not in left_out and key.line != "plain")


def plain_keys() -> tuple[Key, ...]:
    """The keys the plain mode has (those with a sentence for it)."""
    return tuple(key for key in KEYS if key.plain is not None)


def on_line(line: str, keys: tuple[Key, ...] = KEYS) -> list[Key]:
    """The keys a key line shows: ``main`` or ``more`` (of :data:`KEYS` unless ``keys``)."""
    return [key for key in keys if key.line == line]
