"""Fewer bytes for the same screen: the colour codes of what the app writes, compacted.

Textual writes every run of text as *style, text, reset*: ``ESC[38;5;243;48;5;233m─
ESC[0m``, even when the next run has the same style, and a run of blanks in the
style of its text, whose colour does not show. Over SSH, at a few frames a
second, these codes are most of what is sent. :func:`compact` rewrites a piece
of output so that the terminal ends with the same cells in the same colours and
attributes: a style is set only where the text needs a different one, a reset
is dropped when the next style replaces every colour anyway, and blanks take the
current style when it gives them the same background.
"""

from __future__ import annotations

import re

PIECES = re.compile(r"(\x1b\[[0-9;]*m)|(\x1b\[[0-9;]*H)|([^\x00-\x1f\x7f\x1b]+)")
"""An SGR sequence (a style), a cursor move (no style is involved), or printable text;
anything else (control characters, other sequences) is passed on with the style synced."""

SHOWN_ON_BLANKS = frozenset({"4", "7", "9", "21", "53"})
"""Attributes that a blank cell shows: underlines, reverse, strike-through, overline."""

Style = tuple[str, ...]
"""The SGR parameter lists applied since the last reset, in order (empty: no style)."""


def _parse(params: str) -> tuple[frozenset[str], str | None, str | None] | None:
    """(attributes, foreground, background) of one SGR parameter list that sets a style
    from the reset state; None when it holds anything else (a reset, an attribute off)."""
    codes = params.split(";")
    attributes: set[str] = set()
    fg = bg = None
    i = 0
    while i < len(codes):
        code = codes[i]
        if code in ("38", "48"):
            width = 3 if codes[i + 1:i + 2] == ["5"] else 5 if codes[i + 1:i + 2] == ["2"] else 0
            if not width or i + width > len(codes):
                return None
            value = ";".join(codes[i:i + width])
            if code == "38":
                fg = value
            else:
                bg = value
            i += width
            continue
        if not code.isdigit():
            return None
        n = int(code)
        if 30 <= n <= 37 or 90 <= n <= 97 or n == 39:
            fg = code
        elif 40 <= n <= 47 or 100 <= n <= 107 or n == 49:
            bg = code
        elif 1 <= n <= 9 or n in (21, 51, 52, 53):
            attributes.add(code)
        else:
            return None
        i += 1
    return frozenset(attributes), fg, bg


OFF = {"1": "22", "2": "22", "3": "23", "4": "24", "5": "25", "6": "25", "7": "27", "8": "28",
       "9": "29", "21": "24", "51": "54", "52": "54", "53": "55"}
"""The code that turns each attribute off (22 turns off both bold and dim)."""


def _transition(now: Style, want: Style) -> str:
    """The codes that take the terminal from style ``now`` to ``want``."""
    if not want:
        return "\x1b[0m"
    full = ("\x1b[0;" if now else "\x1b[") + ";".join(want) + "m"
    if len(want) != 1 or len(now) > 1:
        return full
    old = _parse(now[0]) if now else (frozenset(), None, None)
    new = _parse(want[0])
    if old is None or new is None:
        return full
    removed = old[0] - new[0]
    off = {OFF[a] for a in removed}
    added = new[0] - old[0] if "22" not in off else new[0] - (old[0] - {"1", "2"})
    codes = sorted(off) + sorted(added, key=int)
    if new[1] != old[1]:
        codes.append(new[1] or "39")
    if new[2] != old[2]:
        codes.append(new[2] or "49")
    delta = f"\x1b[{';'.join(codes)}m"
    return delta if len(delta) < len(full) else full


def _same_on_blanks(now: Style, want: Style) -> bool:
    """Whether blanks look the same in style ``now`` as in ``want`` (same background, and
    nothing that shows on a blank)."""
    if len(now) > 1 or len(want) > 1:
        return False
    old = _parse(now[0]) if now else (frozenset(), None, None)
    new = _parse(want[0]) if want else (frozenset(), None, None)
    if old is None or new is None:
        return False
    return old[2] == new[2] and not (old[0] | new[0]) & SHOWN_ON_BLANKS


def compact(data: str) -> str:
    """``data`` with fewer style codes, the same on screen (see the module's docstring)."""
    if "\x1b[" not in data:
        return data
    out: list[str] = []
    want: Style = ()  # the style the original text is in at this point
    now: Style = ()  # the style of what has been written (the terminal's)
    position = 0
    for match in PIECES.finditer(data):
        start = match.start()
        if start > position:  # something else: control characters, other sequences
            if now != want:
                out.append(_transition(now, want))
                now = want
            out.append(data[position:start])
        position = match.end()
        style, move, text = match.groups()
        if style is not None:
            params = style[2:-1]
            want = () if params in ("", "0") else (*want, params)
        elif move is not None:
            out.append(move)
        elif text is not None:
            if now != want and not (text.strip(" ") == "" and _same_on_blanks(now, want)):
                out.append(_transition(now, want))
                now = want
            out.append(text)
    if position < len(data):
        if now != want:
            out.append(_transition(now, want))
            now = want
        out.append(data[position:])
    if now != want:
        out.append(_transition(now, want))
    smaller = "".join(out)
    return smaller if len(smaller) <= len(data) else data
