"""The computation graph as a view (T): a tree from C down, a line per node, following
the lesson.

Every number is read from :func:`backprop_tui.present.graph.computation_graph` of the
pass the lesson shows; nothing is computed here. A line is one node::

    ● └─z(L)        +0.3034   −0.2075   ◀━━ (−0.8495)·0.2443 = −0.2075

the path marker (``●``: the node is on the way from the selected parameter to C), the
tree's branches and the node's name, its value, its gradient ∂C/∂node (``—`` until the
backward pass has reached it), then what its edge up adds: ∂C/∂above·∂above/∂node as the
derivation rows write it (the same numbers and the same ``≈`` rule), ``◀━━`` in front for
the edges the step shown has just multiplied in. A value feeding several neurons (x_k or
a_k(l−1) under a layer wider than one) is drawn once, after the neurons it feeds, as the
root of a band of its own (``┴─``), its gradient the Σ of its edges' products. The last
line is the selected parameter's derivation row, read off the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from ...model.errors import ModelError
from ...present import formulas as F
from ...present.format import BLANK, plug
from ...present.graph import Graph, computation_graph, node_id, symbol
from .derivation import cursor_to_line, window

if TYPE_CHECKING:
    from ...model import BackwardPass, ForwardPass
    from ...model.lesson import Lesson

PATH = "●"
"""The gutter's mark of a node on the way from the selected parameter to C."""
CURRENT = "◀━━ "
"""Before the product of an edge the step shown has just multiplied in."""
SHARED = "┴─"
"""Before a node that feeds several neurons (drawn once, as the root of its band)."""
FOLD = "⋯"
"""In place of the first columns of a deep node's branches, when the tree is folded."""
EDGE_ROOM = 30
"""Columns kept at most for the products (and C's formula) when a deep tree's indentation
folds."""
WAITING = "f fills in the values, from x up; b the gradients, from C down"
"""The last line while nothing is computed for the numbers on screen."""


@dataclass(frozen=True)
class Item:
    """One line of the tree: a node, the branches before its name and the node it feeds
    in the tree (None for C and for a band's root)."""

    node: str
    kind: str
    layer: int
    neuron: int | None
    input: int | None
    prefix: str
    parent: str | None
    shared: bool = False


def tree(shape: Sequence[int]) -> list[Item]:
    """The lines of the graph of a network of ``shape``, from C down.

    C's children are the outputs a_j(L) (y, data, is written on C's line); a_j(l)'s is
    z_j(l); z_j(l)'s are w_j1(l) … b_j(l), then its inputs a_k(l−1) (x_k) when it is the
    layer's only neuron. When layer l has several neurons each of its inputs feeds all of
    them: the inputs are drawn once each, after the tree, as the roots of a band (and so
    on down). In a chain the whole graph is one tree.
    """
    shape = tuple(shape)
    L = len(shape) - 1
    items: list[Item] = []
    deferred: list[int] = []

    def inputs(layer: int) -> list[tuple[str, str, int, int, int | None]]:
        kind = "x" if layer == 1 else "a"
        return [(node_id(kind, layer - 1, k), kind, layer - 1, k, None)
                for k in range(1, shape[layer - 1] + 1)]

    def children(kind: str, layer: int, j: int | None) -> list[tuple[str, str, int, int, int | None]]:
        if kind == "C":
            return [(node_id("a", L, n), "a", L, n, None) for n in range(1, shape[L] + 1)]
        if kind == "a" and layer >= 1:
            return [(node_id("z", layer, j), "z", layer, j or 1, None)]
        if kind == "z":
            out: list[tuple[str, str, int, int, int | None]] = [
                (node_id("w", layer, j, k), "w", layer, j or 1, k)
                for k in range(1, shape[layer - 1] + 1)]
            out.append((node_id("b", layer, j), "b", layer, j or 1, None))
            if shape[layer] == 1:
                out += inputs(layer)
            elif layer not in deferred:
                deferred.append(layer)
            return out
        return []

    def draw(node: tuple[str, str, int, int | None, int | None], head: str, rest: str,
             parent: str | None, shared: bool = False) -> None:
        nid, kind, layer, j, k = node
        items.append(Item(nid, kind, layer, j, k, head, parent, shared))
        below = children(kind, layer, j)
        for i, child in enumerate(below):
            last = i == len(below) - 1
            draw(child, rest + ("└─" if last else "├─"), rest + ("  " if last else "│ "), nid)

    draw(("C", "C", L + 1, None, None), "", "", None)
    while deferred:
        for node in inputs(deferred.pop(0)):
            draw(node, SHARED, "  ", None, shared=True)
    return items


def on_path(shape: Sequence[int], leaf: str | None) -> frozenset[str]:
    """The nodes on the way from the parameter ``leaf`` (a node id) to C: the leaf, its
    z and a, every z and a of the layers above, and C (none when ``leaf`` is None)."""
    if leaf is None:
        return frozenset()
    shape = tuple(shape)
    L = len(shape) - 1
    kind = leaf[0]
    if kind not in ("w", "b"):
        return frozenset()
    parts = leaf[1:].split("_")
    layer, j = int(parts[0]), int(parts[1])
    out = {leaf, node_id("z", layer, j), node_id("a", layer, j), "C"}
    for above in range(layer + 1, L + 1):
        for n in range(1, shape[above] + 1):
            out |= {node_id("z", above, n), node_id("a", above, n)}
    return frozenset(out)


@dataclass(frozen=True)
class Line:
    """What a line of the view shows, as text (styled when drawn)."""

    item: Item
    name: str
    value: str
    gradient: str
    edge: str
    """How the gradient comes from the edges up: ``= ∂C/∂above·∂above/∂node`` in numbers
    (``≈`` by the rows' rule), ``= Σ …`` of the products of several edges; C's formula."""
    current: bool = False
    path: bool = False


def path_row(graph: Graph, leaf: str) -> F.Row | None:
    """The derivation row of the parameter ``leaf``, read off the tree:
    ∂C/∂θ = ∂C/∂a·g'(z)·∂z/∂θ, the gradient of its a and the local derivatives of the
    edges θ → z → a, with the rows' numbers and ``≈`` rule (None when the backward pass
    has not reached it)."""
    node = graph.node(leaf)
    (up,) = graph.edges_out(leaf)
    z = graph.node(up.target)
    (act,) = graph.edges_out(z.id)
    a = graph.node(act.target)
    if node.gradient is None or a.gradient is None or act.local is None or up.local is None:
        return None
    factor = "1" if up.local_formula == "1" else plug(up.local)
    return F.Row("path", node.layer, f"∂C/∂{node.label}",
                 f"∂C/∂{a.label}·{act.local_formula}·{up.local_formula}",
                 f"{plug(a.gradient)}·{plug(act.local)}·{factor}", node.gradient)


def graph_lines(graph: Graph | None, net_shape: Sequence[int], labels: dict[str, str],
                current: int | None, leaf: str | None) -> list[Line]:
    """The lines of the tree for ``graph`` (None: names only), the edges of layer
    ``current``'s step marked, the way from ``leaf`` to C marked."""
    shape = tuple(net_shape)
    L = len(shape) - 1
    path = on_path(shape, leaf)
    lines: list[Line] = []
    edges = {} if graph is None else {(e.source, e.target): e for e in graph.edges}
    ys = [node_id("y", L + 1, j) for j in range(1, shape[-1] + 1)]

    def is_current(source: str, target: str) -> bool:
        if current is None or graph is None:
            return False
        s, t = graph.node(source), graph.node(target)
        return ((t.kind == "z" and t.layer == current) or (s.kind == "z" and s.layer == current)
                or (t.kind == "C" and current == L))

    for item in tree(shape):
        name = labels[item.node]
        if graph is None:
            edge = "  ".join(f"{labels[y]} = {BLANK}" for y in ys) if item.kind == "C" else ""
            lines.append(Line(item, name, BLANK, BLANK, edge, path=item.node in path))
            continue
        node = graph.node(item.node)
        now = False
        if item.kind == "C":
            ys_text = "  ".join(f"{graph.node(y).label} = {graph.node(y).value_text}" for y in ys)
            edge = f"{graph.cost_formula}, {ys_text}"
        elif node.gradient is None:
            edge = ""
        elif node.sum_row is not None:
            total = node.sum_row
            edge = f"{total.equals} Σ {total.numbers}"
            now = any(is_current(e.source, e.target) for e in graph.edges_out(node.id))
        else:
            target = item.parent or graph.edges_out(node.id)[0].target
            e = edges[(node.id, target)]
            row = e.product
            edge = "" if row is None else f"{row.equals} {row.numbers}"
            now = is_current(node.id, target)
        lines.append(Line(item, name, node.value_text, node.gradient_text, edge, now,
                          item.node in path))
    return lines


def labels_of(lesson_network, shape: Sequence[int]) -> dict[str, str]:
    """Every node's name in the one notation, from the network alone (no pass needed)."""
    shape = tuple(shape)
    L = len(shape) - 1
    out = {"C": "C"}
    for k in range(1, shape[0] + 1):
        out[node_id("x", 0, k)] = symbol(lesson_network, "x", 0, k)
    for layer in range(1, L + 1):
        for j in range(1, shape[layer] + 1):
            for k in range(1, shape[layer - 1] + 1):
                out[node_id("w", layer, j, k)] = symbol(lesson_network, "w", layer, j, k)
            for kind in ("b", "z", "a"):
                out[node_id(kind, layer, j)] = symbol(lesson_network, kind, layer, j)
    for j in range(1, shape[-1] + 1):
        out[node_id("y", L + 1, j)] = symbol(lesson_network, "y", L + 1, j)
    return out


class GraphView(Widget, can_focus=False):
    """The lesson's computation graph in place of the derivation while T has it on."""

    DEFAULT_CSS = """
    GraphView {
        display: none;
        height: 1fr;
        padding: 0 1 0 0;
    }
    """

    def __init__(self, lesson: Lesson, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.graph: Graph | None = None
        """The graph shown; None before any pass (the structure only)."""
        self.lines: list[Line] = []
        self.row: F.Row | None = None
        """The selected parameter's derivation row, read off the tree (once reached)."""
        self.leaf: str | None = None
        self.note = WAITING
        """The last line when there is no graph, or no row for the selected parameter."""
        self.first_row: int | None = None
        """The first line shown when the user scrolled (↑ ↓); None: follow the step."""
        self.rows_hidden = False
        """Whether the last frame left lines out."""
        self._start = 0
        self._last_start = 0
        self.fold = 0
        """In the last frame, the levels after which a deep tree's indentation starts again
        (``⋯``); 0: not folded."""
        self._key: tuple | None = None
        self._forward_only: tuple[ForwardPass, BackwardPass] | None = None

    # -- what to show ------------------------------------------------------------------

    def follow(self, live: BackwardPass | None, sample: int, layer: int, withheld: bool,
               leaf: str | None) -> None:
        """Show the lesson as the screen does: while training ``live`` (every gradient);
        in the backward pass the lesson's, gradients down to ``layer`` (the step shown; one
        layer less while ``withheld``: the quiz or reveal mode has not shown it all); after
        f the forward pass's values only; before any pass the structure. ``leaf``: the
        selected parameter's node id. Redrawn only on change."""
        lesson = self.lesson
        L = lesson.layers
        bp: BackwardPass | None
        current: int | None = None
        if live is not None:
            bp, down_to = live, None
        elif lesson.phase == "backward" and lesson.backward_pass is not None:
            bp = lesson.backward_pass
            layer = min(max(layer, 1), L)
            if withheld:
                down_to = layer + 1 if layer < L else 0
            else:
                down_to = current = layer
        elif lesson.forward_pass is not None:
            bp, down_to = self._values_of(lesson.forward_pass), 0
        else:
            bp, down_to = None, 0
        sample = min(max(sample, 0), len(lesson.samples) - 1)
        key = (bp, lesson.network, sample, down_to, current, leaf, lesson.phase)
        old = self._key
        if (old is not None and old[0] is bp and old[1] is lesson.network
                and old[2:] == key[2:]):
            return
        moved = old is None or old[2:6] != key[2:6]
        self._key = key
        if moved:
            self.first_row = None
        self._build(bp, sample, down_to, current, leaf)
        self.refresh()

    def _values_of(self, fwd: ForwardPass) -> BackwardPass | None:
        """After f: the graph of the lesson's forward pass (its gradients are not shown)."""
        if self._forward_only is None or self._forward_only[0] is not fwd:
            try:
                self._forward_only = (fwd, fwd.backward())
            except ModelError:
                return None
        return self._forward_only[1]

    def _build(self, bp: BackwardPass | None, sample: int, down_to: int | None,
               current: int | None, leaf: str | None) -> None:
        lesson = self.lesson
        net = bp.network if bp is not None else lesson.network
        self.graph = None
        if bp is not None:
            try:
                self.graph = computation_graph(bp, sample, down_to)
            except ModelError as exc:
                self.note = str(exc)
        labels = labels_of(net, net.shape)
        self.leaf = leaf if leaf in labels else None
        self.lines = graph_lines(self.graph, net.shape, labels, current, self.leaf)
        self.row = None
        if self.graph is None:
            if bp is None:
                self.note = (WAITING if lesson.phase != "step" else
                             "s moved every w and b: f fills in the values again")
            return
        if self.leaf is not None:
            self.row = path_row(self.graph, self.leaf)
            if self.row is None:
                node = self.graph.node(self.leaf)
                (up,) = self.graph.edges_out(self.leaf)
                (act,) = self.graph.edges_out(up.target)
                a = self.graph.node(act.target)
                self.note = (f"∂C/∂{node.label} = ∂C/∂{a.label}·{act.local_formula}·"
                             f"{up.local_formula}: b reaches it at layer "
                             f"({F.label(node.layer, net.layers)})")
        else:
            self.note = ""

    def scroll_rows(self, delta: int) -> None:
        """Show the lines from ``delta`` further down (or up), no further than the last."""
        if not self.rows_hidden and self.first_row is None:
            return
        self.first_row = min(max(self._start + delta, 0), self._last_start)
        self.refresh()

    # -- drawing -----------------------------------------------------------------------

    def _path_lines(self, width: int, room: int) -> list[Text]:
        """The selected parameter's derivation row (or the note), in ``room`` lines at
        most: the formula and the numbers on one line when they fit, else on two, else the
        numbers alone."""
        if room <= 0:
            return []
        row = self.row
        if row is None:
            return [Text(f"{PATH} {self.note}" if self.leaf and self.graph else self.note,
                         style="italic")] if self.note else []
        whole = (f"{PATH} {row.symbol} = {row.formula} = {row.numbers} {row.equals} "
                 f"{row.value_text}")
        if len(whole) <= width or room == 1 and len(whole) <= width:
            return [Text(whole, style="bold")]
        if room >= 2:
            return [Text(f"{PATH} {row.symbol} = {row.formula}", style="bold"),
                    Text(f"{' ' * (len(row.symbol) + 2)} = {row.numbers} {row.equals} "
                         f"{row.value_text}", style="bold")]
        return [Text(f"{PATH} {row.symbol} = {row.numbers} {row.equals} {row.value_text}",
                     style="bold")]

    def render(self) -> Text:
        width = max(self.content_size.width, 20)
        height = self.content_size.height
        lines = self.lines
        if not lines:
            return Text("")
        value_width = max(len("value"), *(len(line.value) for line in lines))
        grad_width = max(len("∂C/∂node"), *(len(line.gradient) for line in lines))
        # A deep tree folds its indentation (⋯) to leave the products their room
        edge_room = min(max(len(line.edge) for line in lines), EDGE_ROOM)
        room_for_names = width - value_width - grad_width - len(CURRENT) - 5 - edge_room
        deepest = max(len(line.item.prefix) + len(line.name) for line in lines)
        self.fold = 0
        if deepest > room_for_names:
            longest_name = max(len(line.name) for line in lines)
            self.fold = max((room_for_names - longest_name - 2) // 2, 2)
        name_width = max(len(self._prefix(line)) + len(line.name) for line in lines)
        samples = len(self.lesson.samples)
        title = "node" if self.graph is None or samples == 1 else \
            f"node · sample {self.graph.sample + 1}/{samples}"
        columns = (f" {title[:name_width]:<{name_width}} {'value':>{value_width}}  "
                   f"{'∂C/∂node':>{grad_width}}     ")
        tail = next((t for t in ("= ∂C/∂above·∂above/∂node", "= ∂C/∂above·local", "= product")
                     if len(columns) + len(t) <= width), "")
        head = Text(columns + tail, style="bold underline")
        # The selected parameter's row: on two lines when there is room for them
        spare = height - 1 - len(lines)
        path = self._path_lines(width, 2 if spare >= 2 else 1)
        room = max(height - 1 - len(path), 1)
        # A new view opens at the top (C), or where the step shown is when that is below
        start = self.first_row
        if start is None:
            marked = [i for i, line in enumerate(lines) if line.current]
            start = 0
            if marked and marked[-1] >= room - 1:
                start = max(marked[0] - 1, 0)
        first, stop, self._last_start = window([1] * len(lines), room, start)
        self._start = first
        self.rows_hidden = bool(first or stop < len(lines))
        out = [head]
        for line in lines[first:stop]:
            out.append(self._line(line, self._prefix(line), name_width, value_width,
                                  grad_width))
        # The cursor on the first line of the step shown (◀━━), under the head line.
        at = next((i for i, line in enumerate(lines[first:stop]) if line.current), None)
        if at is not None:
            cursor_to_line(self, 1 + at)
        if self.rows_hidden:
            out.append(Text(self._hidden_text(first, stop, width), style="italic"))
        if self.graph is not None and height - len(out) - len(path) >= 2:
            out += [Text(""), Text(self._legend(width), style="italic")]
        out += path
        for part in out:  # never wrapped: a line too long ends in … (not at 80 columns)
            part.truncate(width, overflow="ellipsis")
        return Text("\n").join(out)

    def _legend(self, width: int) -> str:
        """What the marks mean, under the tree when there is room (those that fit
        ``width``)."""
        parts = ["◀━━ edges b multiplied in last"] if any(
            line.current for line in self.lines) else []
        parts.append(f"{PATH} the selected parameter's way to C")
        if any(line.item.shared for line in self.lines):
            parts.append(f"{SHARED} feeds several neurons: Σ")
        if self.fold:
            parts.append(f"{FOLD} indentation folded")
        text = "marks:"
        for part in parts:
            more = f"{text}{' ·' if text != 'marks:' else ''} {part}"
            if len(more) > width:
                break
            text = more
        return text

    def _hidden_text(self, first: int, stop: int, width: int) -> str:
        """What is out of view: how many lines above and below, and which nodes."""
        lines = self.lines

        def names(hidden: list[Line]) -> str:
            ends = dict.fromkeys((hidden[0].name, hidden[-1].name))
            return " (" + " … ".join(ends) + ")"

        def told(named: bool) -> list[str]:
            parts = [f"lines {first + 1}–{stop} of {len(lines)}"]
            if first:
                parts.append(f"↑ {first} above" + (names(lines[:first]) if named else ""))
            if stop < len(lines):
                parts.append(f"↓ {len(lines) - stop} below"
                             + (names(lines[stop:]) if named else ""))
            return parts

        folded = [f"{FOLD} indentation folded"] if self.fold else []
        parts = told(True) + folded
        if len(" · ".join(parts)) > width:
            parts = told(False) + folded
        if len(" · ".join([*parts, "↑ ↓ scroll"])) <= width:
            parts.append("↑ ↓ scroll")
        return " · ".join(parts)

    def _prefix(self, line: Line) -> str:
        """The branches before a node's name (two columns a level); in a folded tree the
        indentation starts again every :attr:`fold` levels, ``⋯`` in front."""
        prefix = line.item.prefix
        depth = len(prefix) // 2
        if not self.fold or depth <= self.fold or line.item.shared:
            return prefix
        kept = (depth - 1) % self.fold + 1
        return f"{FOLD} " + prefix[len(prefix) - 2 * kept:]

    @staticmethod
    def _line(line: Line, prefix: str, name_width: int, value_width: int,
              grad_width: int) -> Text:
        text = Text(PATH if line.path else " ", style="bold" if line.path else "")
        text.append(prefix, style="dim" if not line.item.shared else "bold")
        text.append(line.name, style="bold" if line.path or line.current else "")
        text.append(" " * (name_width - len(prefix) - len(line.name) + 1))
        text.append(f"{line.value:>{value_width}}  ")
        reached = line.gradient != BLANK
        text.append(f"{line.gradient:>{grad_width}}", style="" if reached else "dim")
        if line.edge:
            text.append(" ")
            if line.current:
                text.append(CURRENT + line.edge, style="bold reverse")
            else:
                text.append(" " * len(CURRENT) + line.edge)
        return text
