"""The screen of a network with a layer of several neurons (``backprop-tui --shape 2,2,1``).

A grid of neuron panels (a column per layer), the selected neuron's weights and bias
(editable), the derivation of the selected weight with the sum over j term by term
(or in matrix form), the loss curve while training. Keys f, b, s, t mean what they
mean on the chain's screen. Every number comes from the
:class:`~backprop_tui.model.lesson.Lesson`.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import Static

from ...model import ModelError
from ...model.decision import accuracy, binary_targets
from ...model.defaults import EPSILON
from ...model.lesson import SYMMETRIC_B, SYMMETRIC_W, Lesson
from ...model.network import BackwardPass, ForwardPass, shape_text
from ...present.format import BLANK, number, precise
from ...present.formulas import Row, label, lr_warning, nudge_digits, param_sym, sub
from ...present.graph import node_id
from ...present.keys import on_line
from ..app import PLOT_REDRAW
from ..keys import screen_bindings
from ..lesson_screen import LessonScreen
from ..pace import training_text
from ..teaching import EPSILONS
from ..view import View
from ..widgets.decision import DecisionView
from ..widgets.field import NumberField
from ..widgets.graph_view import GraphView
from ..widgets.loss_plot import LossPlot, log_axis_text
from ..widgets.quiz import QuizBar
from ..widgets.slope_plot import SlopePlot
from ..widgets.status import key_text
from ..widgets.teach_keys import TeachKeyLine
from ..widgets.vanishing import Vanishing
from .derivation import Selection, WideDerivation, weight_rows
from .grid import NetworkGrid, NeuronEditor, dense_grid, sample_text


class WideStatus(Static):
    """Shape, activation, cost, η, step, accuracy and phase; shortened (never cut) to fit."""

    def show(self, lesson: Lesson, fwd: ForwardPass | None, training: str = "") -> None:
        """``fwd``: the forward pass shown (the lesson's, or while training the live one);
        the accuracy is its own, ``—`` while there is none (before f, after an edit or a
        step), and left out when the targets are not all 0 or 1."""
        net = lesson.network
        phase = training or f"phase: {lesson.phase if lesson.phase != 'none' else '—'}"
        tail = [f"η={number(lesson.lr)}", f"step {lesson.steps_done}"]
        if binary_targets(lesson.samples):
            right = None
            if fwd is not None:
                try:
                    right = accuracy(fwd.network, fwd.samples)
                except ModelError:
                    right = None
            tail.append(f"accuracy {BLANK if right is None else right}")
        tail.append(phase)
        shape = f"shape {shape_text(net.shape)}"
        width = max(self.app.size.width - 1, 20)
        text = ""
        for head in (["backprop-tui", shape, f"{net.activation.name} · {net.cost.name}"],
                     [shape, f"{net.activation.name} · {net.cost.name}"],
                     [shape, net.activation.name], [shape], []):
            text = "  ".join(head + tail)
            if len(text) <= width:
                break
        if str(self.content) != text:
            self.update(text, layout=False)


class NetworkScreen(LessonScreen):
    """A network of shape N0, N1, …, NL with a layer wider than one: a column of panels per
    layer, the selected neuron's values, the derivation of the selected weight."""

    ABSENT: ClassVar[dict[str, str]] = {}  # every key has a use for every such network
    UNLISTED = frozenset({"[ ]"})  # as ← →, which the key line shows
    BINDINGS = screen_bindings(ABSENT)  # type: ignore[assignment]

    FOLLOWED = ("quizzing", "shown_layer", "neuron", "weight", "sample", "matrix", "page",
                "decision", "slope", "vanishing", "graph", "revealing", "epsilon", "revealed")

    def __init__(self, quiz: bool = False, id: str | None = None) -> None:
        super().__init__(quiz, id=id)
        self.shown_layer = 1
        """The selected neuron's layer (1..L): the first hidden layer to start with."""
        self.neuron = 1
        """The selected neuron (1..N_l)."""
        self.weight = 1
        """The selected weight w_jk's k (1..N_(l−1)): the one the derivation explains."""
        self.sample = 0
        self.matrix = False
        """Whether the derivation shows the matrix form."""
        self.page = "derivation"
        """What the lower half shows at small sizes: ``derivation``, ``loss`` or
        ``decision``."""
        self.decision = False
        """Whether the decision view is shown (D)."""
        self.slope = False
        """Whether the plot shows C against the selected weight (g) instead of the loss."""
        self.vanishing = False
        """Whether the vanishing-gradient view (h) is shown in place of the derivation."""
        self.graph = False
        """Whether the computation graph (T) is shown in place of the grid and the
        derivation."""
        self.revealing = False
        """Reveal mode (x): b shows the selected weight's derivation one factor at a time."""
        self.revealed = 0
        """In reveal mode: how many rows of the derivation shown have their value shown."""
        self._revealed_at: tuple[int, int, int, int] | None = None
        self._decided: tuple | None = None
        self._live: tuple[int, BackwardPass] | None = None
        self._shown_version: int | None = None
        self.epsilon = EPSILON
        """The nudge ε (e, E)."""

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield WideStatus(id="status")
        with Vertical(id="main"):
            with Horizontal(id="top"):
                yield NetworkGrid(self.lesson.shape, id="grid")
                yield NeuronEditor(id="editor")
            yield Static("", id="sample-line")
            yield Static("", id="message")
            yield QuizBar(id="quiz")
            with Container(id="lower"):
                yield WideDerivation(id="derivation")
                yield Vanishing(self.lesson, id="vanishing")
                yield GraphView(self.lesson, id="graph")
                with Vertical(id="side"):
                    yield LossPlot(self.lesson, id="loss")
                    yield SlopePlot(self.lesson, id="slope")
                    yield DecisionView(id="decision")
        yield TeachKeyLine(self.listed_keys(), id="teach-keys")
        yield Static(key_text(on_line("main", self.listed_keys())), id="keys")

    def on_mount(self) -> None:
        self._fit(*self.app.size)
        self.show()

    def resized(self, width: int, height: int) -> None:
        self._fit(width, height)
        self.show()

    def _fit(self, width: int, height: int) -> None:
        self._fit_size(width, height)
        grid = self.query_one(NetworkGrid)
        grid.dense = dense_grid(self.lesson.shape, height)
        grid.place(width, self.shown_layer)
        self.query_one(TeachKeyLine).show(width)

    @property
    def training(self) -> bool:
        return self._timer is not None

    @property
    def selection(self) -> Selection:
        return Selection(self.shown_layer, self.neuron, self.weight, self.sample)

    def _clamp(self) -> None:
        shape = self.lesson.shape
        self.shown_layer = min(max(self.shown_layer, 1), len(shape) - 1)
        self.neuron = min(max(self.neuron, 1), shape[self.shown_layer])
        self.weight = min(max(self.weight, 1), shape[self.shown_layer - 1])
        self.sample = min(max(self.sample, 0), len(self.lesson.samples) - 1)

    def sync(self) -> None:
        if self._shown_version is not None and self.lesson.version != self._shown_version:
            self.show()

    def show(self) -> None:
        """Bring every widget up to date with the lesson (each redraws only on change)."""
        lesson = self.lesson
        self._shown_version = lesson.version
        self._clamp()
        training = training_text(self._pace.measured()) if self.training else ""
        live = self._live_pass()
        fwd = live.forward if live is not None else lesson.forward_pass
        self.query_one(WideStatus).show(lesson, fwd, training)
        self.query_one(NetworkGrid).show(lesson, self.sample, (self.shown_layer, self.neuron), fwd,
                                         self.weight)
        self.query_one(NeuronEditor).show(lesson, self.shown_layer, self.neuron, self.weight,
                                          self.sample, fwd)
        line = self.query_one("#sample-line", Static)
        text = sample_text(lesson, self.sample, fwd)
        if str(line.content) != text:
            line.update(text)  # one line, or two when it does not fit: a new layout
        at = (self.shown_layer, self.neuron, self.weight, self.sample)
        if at != self._revealed_at:  # another derivation: reveal mode starts it again
            self.revealed, self._revealed_at = 0, at
        reveal = self.revealed if self._reveal_rows() is not None else None
        quiz = self.quiz_state()
        if quiz is not None:
            reveal = quiz[2]
        self.query_one(WideDerivation).show(lesson, self.selection, self.matrix, live, reveal)
        self._show_quiz(quiz)
        self.query_one(LossPlot).show(PLOT_REDRAW * self._pace.slowdown if self.training else 0.0)
        if self.slope:
            self.query_one(SlopePlot).show(View.SLOPE, "w", self.shown_layer, self.neuron, self.weight,
                                           "c: next weight · ← → { }: neuron")
        self.set_class(self.slope, "-plot-other")
        if self.vanishing:
            self.query_one(Vanishing).show()
        self.set_class(self.vanishing, "-vanishing")
        graph = self.graph_shown
        if graph:
            self.query_one(GraphView).follow(
                live, self.sample, self.shown_layer, self._withheld(quiz),
                node_id("w", self.shown_layer, self.neuron, self.weight))
        self.set_class(graph, "-graph")
        self._show_decision()
        self.set_class(self.page == "loss", "-page-loss")
        self.set_class(self.page == "decision", "-page-decision")
        self.set_class(self.decision, "-decision")

    @property
    def graph_shown(self) -> bool:
        """Whether the computation graph is on screen (T; at small sizes on the
        derivation's page)."""
        return self.graph and (self.page == "derivation" or self.has_class("-wide"))

    def _withheld(self, quiz: tuple[object, list[Row], int | None] | None) -> bool:
        """Whether the quiz or reveal mode has not yet shown all of the derivation's factors
        (the graph then shows the gradients of the layers above the one shown only)."""
        if quiz is not None and quiz[2] is not None:
            return True
        rows = self._reveal_rows()
        return rows is not None and self.revealed < len(rows)

    def _show_decision(self) -> None:
        """The decision view, when shown: the current network's output over the square,
        drawn again whenever the network or the samples changed (while training, at each
        redraw)."""
        wide = self.has_class("-wide")
        if not ((wide and self.decision) or (not wide and self.page == "decision")):
            return
        lesson = self.lesson
        L = lesson.layers
        output = self.neuron - 1 if self.shown_layer == L else 0
        key = (lesson.version, output)
        if key == self._decided:
            return
        self._decided = key
        view = self.query_one(DecisionView)
        view.update(lesson.network, lesson.samples, output)
        view.border_title = f"a{sub(output + 1)}(L) over (x1, x2)"

    def _live_pass(self) -> BackwardPass | None:
        """While training: the pass of the current parameters, once per redraw."""
        if not self.training:
            self._live = None
            return None
        if self._live is None or self._live[0] != self.lesson.version:
            try:
                self._live = (self.lesson.version, self.lesson.current_trace())
            except ModelError:
                return None
        return self._live[1]

    def say(self, text: str, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        message.update(Text(text))
        message.set_class(error, "-error")

    def _selected_text(self) -> str:
        L = self.lesson.layers
        return param_sym("w", self.shown_layer, self.neuron, self.weight, L)

    # -- the loop ----------------------------------------------------------------

    def _derivation_in_front(self) -> None:
        self.page = "derivation"

    def action_forward(self) -> None:
        if self._phase(self.lesson.forward):
            self.say("forward pass: z_j and a_j of every neuron, input to output, then the "
                     "cost C")
            self.show()

    def action_backward(self) -> None:
        """The backward pass, output layer first: the first b (after f, or running f first
        when it is missing or stale) shows the output layer (L); each b after it the layer
        below, the selected neuron the one whose ∂C/∂a the layer above just summed; after
        the first layer, b starts at the output layer again (as the chain's app does)."""
        lesson = self.lesson
        L = lesson.layers
        if lesson.phase == "backward" and not self.training:
            if self._reveal_next():
                return
            if self.shown_layer > 1:
                self.shown_layer, self.neuron = self.shown_layer - 1, self.weight
            else:
                self.shown_layer = L
            self._moved()
            self.say(self._backward_text(first=self.shown_layer == L))
            return
        missing = lesson.forward_pass is None
        if not self._phase(lesson.backward):
            return
        self.shown_layer = L
        self.revealed = 0
        self._moved()
        self.say(self._backward_text(first=True, ran_forward=missing))
        self._symmetry_note()

    def _backward_text(self, first: bool = False, ran_forward: bool = False) -> str:
        """What the message says at the layer the backward pass has reached."""
        L = self.lesson.layers
        lab = label(self.shown_layer, L)
        head = "forward, then backward pass" if ran_forward else "backward pass"
        w = f"∂C/∂{self._selected_text()}"
        if self.shown_layer == 1:
            where = "the only layer" if L == 1 else "the first layer"
            again = "" if L == 1 else "; b: (L) again"
            return f"{head} at ({lab}), {where}: {w}; s: step{again}"
        below = f"b: the layer below ({label(self.shown_layer - 1, L)})"
        if first:
            return f"{head}: output layer ({lab}) first, {w}; {below}"
        return f"{head} at ({lab}): {w}; {below}"

    def _symmetry_note(self) -> None:
        """After a backward pass: when the neurons of a hidden layer are alike, say that
        their gradients are identical (the numbers are the model's)."""
        lesson = self.lesson
        bp = lesson.backward_pass
        layers = lesson.symmetric_layers()
        if bp is None or not layers:
            return
        L = lesson.layers
        l = layers[0]
        grads = bp.mean_dC_dw[l - 1]
        if not all(np.array_equal(grads[0], row) for row in grads):
            return
        ws = " = ".join(f"∂C/∂{param_sym('w', l, j, 1, L)}" for j in range(1, len(grads) + 1))
        self.say(f"symmetry: the neurons of ({label(l, L)}) are alike: identical gradients "
                 f"({ws} = {number(float(grads[0, 0]), True)}), so every step keeps them equal")

    def action_step(self) -> None:
        if self._phase(self.lesson.step):
            n = len(self.lesson.samples)
            mean = f"the mean gradient over {n} samples" if n > 1 else "the gradient"
            self.say(f"step {self.lesson.steps_done}: every w_jk and b_j moved by −η·{mean}")
            warning = lr_warning(self.lesson.lr)
            if warning is not None:
                self.say(warning, error=True)
            elif self.lesson.symmetric_layers():
                l = self.lesson.symmetric_layers()[0]
                self.say(f"step {self.lesson.steps_done}: the neurons of "
                         f"({label(l, self.lesson.layers)}) are still alike: identical "
                         "gradients moved them alike")
            self.show()

    def action_next_phase(self) -> None:
        """forward → backward, a layer at a time from the output down → step → forward …"""
        phase = self.lesson.phase
        if phase == "forward" or (phase == "backward" and self.shown_layer > 1
                                  and not self.training):
            self.action_backward()
        elif phase == "backward":
            self.action_step()
        else:
            self.action_forward()

    # -- training ----------------------------------------------------------------

    def _redraw(self) -> None:
        self.show()

    def _training_started(self) -> None:
        if not self.graph:  # the graph stays, following the training
            self.page = "loss"

    def _after_training(self) -> None:
        with contextlib.suppress(ModelError):  # the forward pass of the parameters reached
            self.lesson.forward()

    # -- selection, data and view ----------------------------------------------------

    def quiz_state(self) -> tuple[object, list[Row], int | None] | None:
        lesson = self.lesson
        if (not self.quizzing or self.matrix or lesson.phase != "backward"
                or lesson.backward_pass is None or self.training):
            return None
        rows = weight_rows(lesson.backward_pass, self.selection).rows
        key = (lesson.version, self.selection)
        index = lesson.quiz.position(key)
        return key, rows, (index if index < len(rows) else None)

    def _show_quiz(self, state: tuple[object, list[Row], int | None] | None) -> None:
        """The quiz line: the factor asked and the answer field (focused when nothing is)."""
        bar = self.query_one(QuizBar)
        more = "b: the layer below" if self.shown_layer > 1 else "s: the step"
        prompt, asking = self._quiz_prompt(state, f"all answered, {more}")
        bar.show(prompt, asking)
        if asking and self.focused is None:
            bar.answer.focus()
        elif not asking and self.focused is bar.answer:
            self.set_focus(None)

    def watch_quizzing(self) -> None:
        if self._shown_version is not None:  # mounted: the screen follows at once
            self.show()

    def _reveal_rows(self) -> list | None:
        """The rows of the selected weight's derivation, in reveal mode during the backward
        pass; else None."""
        lesson = self.lesson
        if (not self.revealing or self.matrix or lesson.phase != "backward"
                or lesson.backward_pass is None):
            return None
        return weight_rows(lesson.backward_pass, self.selection).rows

    def _reveal_next(self) -> bool:
        """b in reveal mode: the next factor's value; False when all are shown."""
        rows = self._reveal_rows()
        if rows is None or self.quizzing or self.revealed >= len(rows):
            return False
        self._say_revealed(rows, self.revealed,
                           "b: the layer below" if self.shown_layer > 1 else "s: the step")
        self.revealed += 1
        self.show()
        return True

    def action_reveal(self) -> None:
        """x: reveal mode on or off: b shows the selected weight's factors one at a time,
        each formula before its value."""
        self.revealing, self.revealed = not self.revealing, 0
        self.show()
        self.say("reveal mode: b shows one factor of the derivation at a time, its formula "
                 "first (x: all at once)" if self.revealing
                 else "reveal mode off: b shows a layer's factors at once")

    def _moved(self) -> None:
        self._clamp()
        self.query_one(NetworkGrid).place(self.app.size.width, self.shown_layer)
        self.show()

    def action_layer(self, delta: int) -> None:
        self.shown_layer += delta
        self._moved()
        self.say(f"neuron {self.neuron} of ({label(self.shown_layer, self.lesson.layers)}); "
                 f"the derivation explains {self._selected_text()}")

    def action_neuron(self, delta: int) -> None:
        self.neuron += delta
        self._moved()
        self.say(f"neuron {self.neuron} of ({label(self.shown_layer, self.lesson.layers)}); "
                 f"the derivation explains {self._selected_text()}")

    def action_choose_parameter(self) -> None:
        """c: the next weight w_jk into the selected neuron (the chain's c: w or b)."""
        below = self.lesson.shape[self.shown_layer - 1]
        self.weight = self.weight % below + 1
        self._moved()
        self.say(f"{self._selected_text()}: the weight from neuron {self.weight} below "
                 f"(k = {self.weight}); c: the next one")

    def action_nudge(self) -> None:
        """e: the nudge check of the selected weight w_jk: C at w_jk ± ε (two forward passes)
        against the chain rule's batch-mean ∂C/∂w_jk."""
        lesson = self.lesson
        try:
            result = lesson.nudge("w", self.shown_layer, self.epsilon, self.neuron, self.weight)
        except ModelError as exc:
            self.say(f"nudge: {exc}", error=True)
            return
        theta = self._selected_text()
        digits = nudge_digits(result.cost_up, result.cost_down)
        text = (f"nudge {theta} ± {number(self.epsilon)}: "
                f"({precise(result.cost_up, digits)} − {precise(result.cost_down, digits)})"
                f"/(2·{number(self.epsilon)}) = {number(result.numeric, True)}; chain rule "
                f"∂C/∂{theta} = {number(result.analytic, True)}; rel "
                f"{number(result.rel_error)}")
        hint = " (E: ε ÷ 10, c: another weight)"
        self.say(text + hint if len(text + hint) <= 2 * (self.app.size.width - 2) else text)

    def action_nudge_epsilon(self) -> None:
        i = EPSILONS.index(self.epsilon) if self.epsilon in EPSILONS else 0
        self.epsilon = EPSILONS[(i + 1) % len(EPSILONS)]
        self.action_nudge()

    def action_plot_view(self) -> None:
        """g: the plot shows C against the selected weight w_jk with its tangent, whose
        slope is the chain rule's ∂C/∂w_jk; g again: the loss curve."""
        self.slope = not self.slope
        self.page = "loss"
        self.show()
        theta = self._selected_text()
        self.say(f"plot: C against {theta}, the others held, with the tangent of slope "
                 f"∂C/∂{theta}; c, ← → {{ }}: another weight; g: the loss curve" if self.slope
                 else "plot: the loss curve (g: C against the selected weight)")

    def action_vanishing(self) -> None:
        """h: the vanishing-gradient view in place of the derivation: per layer, output
        first, the mean size of its gradients and of its δ; h again: the derivation."""
        self.vanishing = not self.vanishing
        self.graph = False
        self.page = "derivation"
        self.show()
        self.say("vanishing gradient: per layer the mean |∂C/∂w_jk| and |∂C/∂z_j|, output "
                 "first, on a log scale; h: back to the derivation" if self.vanishing
                 else "the derivation (h: the vanishing-gradient view)")

    def action_graph(self) -> None:
        """T: the computation graph in place of the grid and the derivation, following the
        lesson; T again: the derivation."""
        self.graph = not self.graph
        self.vanishing = False
        self.page = "derivation"
        self.show()
        self.say(f"graph from C down: ◀━━ the step's edges, ● {self._selected_text()} to C "
                 "(c ← → { }); T: back"
                 if self.graph else "the derivation again (T: the computation graph)")

    def action_add_sample(self) -> None:
        """a: a new sample, its values typed in a dialog (the sample shown's to start with):
        its inputs, a semicolon, its targets."""
        from ..screens.path import PathScreen  # a screen: imported when first shown

        net, samples = self.lesson.network, self.lesson.samples
        shown = " ".join(f"{v:g}" for v in samples.x[self.sample]) + " ; " \
            + " ".join(f"{v:g}" for v in samples.y[self.sample])
        title = (f"add a sample: its {net.inputs} input{'s' * (net.inputs != 1)}, a semicolon, "
                 f"its {net.outputs} target{'s' * (net.outputs != 1)}")
        self.app.push_screen(PathScreen(title, shown, self.add_sample,
                                        empty="type the inputs ; the targets"))

    def add_sample(self, text: str) -> str | None:
        """Add the sample ``text`` gives (``0.5 1 ; 0``: inputs, a semicolon, targets; commas
        or colons also part the numbers); the error, or None when added."""
        parts = text.split(";")
        if len(parts) != 2:
            return "inputs, then a semicolon, then the targets: for example 0 1 ; 1"
        x, y = (part.replace(",", " ").replace(":", " ").split() for part in parts)
        self.stop_training()
        try:
            self.lesson.add_sample(x, y)
        except ModelError as exc:
            return str(exc)
        self.sample = len(self.lesson.samples) - 1
        n = len(self.lesson.samples)
        self.say(f"sample {n} added; {n} samples (f: the forward pass with it; d deletes it)")
        self.show()
        return None

    def action_remove_sample(self) -> None:
        """d: the sample shown leaves the batch (the last one stays); results are cleared."""
        if not self._attempt(lambda: self.lesson.remove_sample(self.sample)):
            return
        n = len(self.lesson.samples)
        self.say(f"sample {self.sample + 1} deleted; {n} left (f: the forward pass without it)")
        self.show()

    def action_matrix(self) -> None:
        self.matrix = not self.matrix
        if self.lesson.phase != "backward":
            self.say("M: " + ("matrix form" if self.matrix else "term by term")
                     + " once the backward pass has run (b)")
        else:
            self.say("matrix form: the same sums, a layer at a time; M: term by term"
                     if self.matrix else "term by term: the sum over j, every term written "
                     "out; M: matrix form")
        self.page = "derivation"
        self.show()

    def action_sample(self, delta: int) -> None:
        self.sample = (self.sample + delta) % len(self.lesson.samples)
        self.show()

    async def action_dataset(self) -> None:
        """l: the lesson's dataset, XOR for a network (the chain's l: its 8 samples)."""
        self.stop_training()
        replaced = self.lesson.use_xor()
        self.shown_layer, self.neuron, self.weight, self.sample = 1, 1, 1, 0
        if replaced:  # another shape: a new grid of panels
            await self.query_one(NetworkGrid).remove()
            await self.query_one("#top").mount(NetworkGrid(self.lesson.shape, id="grid"),
                                               before=self.query_one(NeuronEditor))
            self._fit(self.app.size.width, self.app.size.height)
        self.say("XOR: inputs 00 01 10 11, targets 0 1 1 0"
                 + (" (a 2,2,1 network)" if replaced else "")
                 + "; t trains, the header counts the samples right")
        self._moved()

    def action_symmetry(self) -> None:
        if not self._attempt(self.lesson.make_symmetric):
            return
        self.say(f"symmetry: every weight {number(SYMMETRIC_W)}, every bias "
                 f"{number(SYMMETRIC_B)}: the neurons of a layer compute the same; b shows "
                 "their identical gradients, s and t keep them equal")
        self.show()

    def action_reset(self) -> None:
        self.stop_training()
        self.lesson.reset()
        self.sample, self.page = 0, "derivation"
        self.say("reset to the start values; the loss history is cleared")
        self._moved()

    def action_log_axis(self) -> None:
        plot = self.query_one(LossPlot)
        plot.log_scale = not plot.log_scale
        self.page, self.slope = "loss", False
        self.show()
        self.say(log_axis_text(plot.log_scale))

    def action_switch_view(self) -> None:
        self.page = "loss" if self.page == "derivation" else "derivation"
        if not self.has_class("-wide"):
            self.decision = False
        if self.has_class("-wide"):
            self.say("at this size the loss curve is beside the derivation")
        self.show()

    def action_decision(self) -> None:
        if self.lesson.network.inputs != 2:
            self.say(f"the decision view needs 2 inputs (x1, x2); shape "
                     f"{shape_text(self.lesson.shape)} has {self.lesson.network.inputs}",
                     error=True)
            return
        if self.has_class("-wide"):
            self.decision = not self.decision
        else:  # at small sizes a page of its own (v: back to the derivation)
            self.decision = self.page != "decision"
            self.page = "decision" if self.decision else "derivation"
        self.say("decision view: the output over the (x1, x2) square, ○ target 0, ● target 1; "
                 "redrawn while training; D hides it" if self.decision
                 else "decision view hidden")
        self.show()

    def action_scroll_rows(self, delta: int) -> None:
        if self.graph_shown:
            self.query_one(GraphView).scroll_rows(delta)
        else:
            self.query_one(WideDerivation).scroll_rows(delta)

    def action_more_keys(self) -> None:
        self.query_one(TeachKeyLine).show(self.app.size.width, turn=1)

    # -- edits -------------------------------------------------------------------

    def field_name(self, field: NumberField) -> str:
        kind, k = field.target
        return param_sym(kind, self.shown_layer, self.neuron, k if kind == "w" else None,
                         self.lesson.layers)

    def on_number_field_key_refused(self, event: NumberField.KeyRefused) -> None:
        self.say(f"{self.field_name(event.field)}: only a number goes in (digits, −, ., e); "
                 "enter applies, escape cancels", error=True)

    def on_number_field_edited(self, event: NumberField.Edited) -> None:
        field, lesson = event.field, self.lesson
        kind, k = field.target
        name = self.field_name(field)
        phase = lesson.phase
        try:
            if kind == "w" and k is not None:
                lesson.set_w(self.shown_layer, event.text, self.neuron, k)
            else:
                lesson.set_b(self.shown_layer, event.text, self.neuron)
        except ModelError as exc:
            field.refuse()
            self.say(f"{name}: {exc.reason}; kept {field.shown}", error=True)
            return
        for each in self.query(NumberField):
            each.remove_class("-refused")
        if phase in ("forward", "backward") and not self.training:
            try:
                lesson.backward() if phase == "backward" else lesson.forward()
            except ModelError as exc:
                self.say(f"{name} = {field.shown}: {exc}", error=True)
                self.show()
                return
            self.show()
            again = "forward and backward pass" if phase == "backward" else "forward pass"
            self.say(f"{name} = {field.shown}: the {again} again")
            return
        self.show()
        self.say(f"{name} = {field.shown}: f computes z, a and C with it")


