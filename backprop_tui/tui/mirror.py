"""Only what changed reaches the terminal: a copy of what it shows, kept by the driver.

Textual redraws a widget whenever it is marked dirty, even when it draws the very
same cells again: at start-up every widget is drawn three times in the first 50
ms (Textual lays the screen out, sizes every widget, which marks it dirty, and
repaints), and while training the panels are redrawn with mostly unchanged text.
Each redraw is written as pieces, a cursor move and the styled text from there:
``ESC[y;xH ESC[…m text ESC[0m …``. :class:`Mirror` keeps, for each cell range of
the screen, the piece last written there, and leaves out a piece the terminal
already shows: same place, same text, same style.

It is careful rather than clever: anything it does not understand (a control
character, an escape sequence other than a style, a cursor move or one of the
few that change no cell) makes it forget everything and pass the rest on as it
is; so does a terminal of a new size (:meth:`Mirror.resized`), whose cells may
have moved.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual import events
from textual.app import App, ReturnType
from textual.driver import Driver

from .compact import compact

TOKENS = re.compile(
    r"(\x1b\[(\d+);(\d+)H)"  # 1-3: a cursor move to row;column (1-based)
    r"|(\x1b\[[0-9;]*m)"  # 4: a style (SGR)
    r"|((?:\x1b\[\?(?:2026|25|12)[hl]|\x1b\]22;[^\x07\x1b]*(?:\x07|\x1b\\))+)"  # 5: no cell
    r"|([^\x00-\x1f\x7f-\x9f\x1b]+)"  # 6: printable text
    r"|([\r\n]+(?=\x1b\[\d+;\d+H))"  # 7: line ends before a cursor move
)
"""What a frame is made of. Group 5 changes no cell and does not depend on where the
cursor is: synchronized update on/off, the cursor shown or hidden, its blinking, the
mouse pointer's shape. Group 7 is the line feed Textual writes between the rows of an
update, each row starting with a cursor move: it changes nothing (it would only
scroll on the last row, and a later row follows it), so it is left out, and a row
left out cannot make it scroll."""

Style = tuple[str, ...]
"""The SGR parameter lists in force since the last reset (empty: none)."""


def _style_after(style: Style, sgr: str) -> Style:
    params = sgr[2:-1]
    return () if params in ("", "0") else (*style, params)


def _set_style(style: Style) -> str:
    """Codes that put the terminal in ``style`` from any style."""
    return "\x1b[0m" + "".join(f"\x1b[{params}m" for params in style)


class Mirror:
    """What the terminal shows, as the pieces last written there; :meth:`filter` leaves
    out the pieces it already shows."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, tuple[int, Style, str]]] = {}
        """Row → column → (cells wide, the style it starts in, the piece's codes and text)."""
        self.size: tuple[int, int] | None = None
        """The terminal's size (columns, rows) the copy is of, once told."""
        self._style: Style = ()
        """The style in force in what Textual wrote (the original stream)."""
        self._shown: Style = ()
        """The style in force in what was passed on (the terminal's)."""
        self._cursor: tuple[int, int] | None = None
        """Where a piece left out would have left the cursor (row, column), if one was."""

    def forget(self) -> None:
        """Keep nothing: everything written from now on is passed on."""
        self.rows.clear()

    def resized(self, columns: int, rows: int) -> None:
        """The terminal is ``columns`` × ``rows``: a new size forgets everything."""
        if self.size is not None and self.size != (columns, rows):
            self.forget()
        self.size = (columns, rows)

    def filter(self, data: str) -> str:
        """``data`` without the pieces the terminal already shows."""
        out: list[str] = []
        piece: list[str] = []  # the piece being read: its codes and text
        place: tuple[int, int] | None = None  # where it is written
        start: Style = ()  # the style it starts in
        width = 0
        plain = True  # every character one cell wide
        position = 0

        def finish() -> None:
            nonlocal place
            if place is not None:
                self._put(out, place, start, "".join(piece), width, plain)
            place = None

        for match in TOKENS.finditer(data):
            if match.start() != position:  # something not understood: pass the rest on
                break
            position = match.end()
            move, row, column, sgr, harmless, text, line_end = match.groups()
            if move is not None:
                finish()
                place, start = (int(row), int(column)), self._style
                piece, width, plain = [], 0, True
            elif sgr is not None:
                self._style = _style_after(self._style, sgr)
                if place is not None:
                    piece.append(sgr)
            elif harmless is not None:
                finish()
                out.append(harmless)
            elif line_end is not None:
                finish()
            elif place is None:  # text wherever the cursor is: nothing to keep
                self.forget()
                self._pass(out, text)
            else:
                piece.append(text)
                cells = cell_len(text)
                width += cells
                plain = plain and cells == len(text)
        finish()
        if position == len(data):
            if self._cursor is not None:  # where the original stream leaves the cursor
                self._pass(out, "")
            return "".join(out)
        self.forget()
        rest = data[position:]
        self._pass(out, rest)
        for match in TOKENS.finditer(rest):  # the style the rest leaves in force
            if match.group(4) is not None:
                self._style = _style_after(self._style, match.group(4))
        self._shown = self._style
        return "".join(out)

    def _pass(self, out: list[str], text: str) -> None:
        """Pass ``text`` on, with the cursor and the style where the original has them."""
        if self._cursor is not None:  # a piece was left out: the cursor is not after it
            row, column = self._cursor
            out.append(f"\x1b[{row};{column}H")
            self._cursor = None
        if self._shown != self._style:
            out.append(_set_style(self._style))
            self._shown = self._style
        out.append(text)

    def _put(self, out: list[str], place: tuple[int, int], start: Style, codes: str,
             width: int, plain: bool) -> None:
        """Write the piece ``codes`` (``width`` cells as Textual counts them) at ``place``
        unless the terminal already shows it."""
        row, column = place
        # The cells the piece may cover. A terminal may draw a character that is not one
        # cell wide (a wide one, one with an accent over it) wider than Textual counts it:
        # such a piece is taken to cover two cells a character, so that whatever overlaps
        # it is written again.
        span = width if plain else 2 * len(codes)
        kept = self.rows.get(row)
        if span and kept is not None and kept.get(column) == (span, start, codes):
            self._cursor = (row, column + width)
            return
        self._cursor = None
        out.append(f"\x1b[{row};{column}H")
        if self._shown != start:
            out.append(_set_style(start))
        out.append(codes)
        self._shown = self._style
        if not span:
            return
        if kept is None:
            kept = self.rows[row] = {}
        end = column + span
        for other in [x for x, (w, _, _) in kept.items() if x < end and x + w > column]:
            del kept[other]
        kept[column] = (span, start, codes)


def mirrored(base: type[Driver], mirror: Mirror) -> type[Driver]:
    """A driver like ``base`` that writes through ``mirror``, then :func:`compact`."""

    class Mirrored(base):  # type: ignore[valid-type,misc]
        def write(self, data: str) -> None:
            data = compact(mirror.filter(data))
            if data:
                super().write(data)

    Mirrored.__name__ = Mirrored.__qualname__ = f"Mirrored{base.__name__}"
    return Mirrored


class FrugalApp(App[ReturnType]):
    """An app whose terminal is sent only what changed, in few colour codes: its driver
    writes through a :class:`Mirror` (told of every resize) and :func:`compact`."""

    mirror: Mirror | None = None
    """The copy of the terminal's cells, once the driver is made."""

    def get_driver_class(self) -> type[Driver]:
        self.mirror = Mirror()
        return mirrored(super().get_driver_class(), self.mirror)

    def on_resize(self, event: events.Resize) -> None:
        if self.mirror is not None:
            self.mirror.resized(event.size.width, event.size.height)
