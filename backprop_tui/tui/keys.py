"""The app's bindings, made from the one key registry (:mod:`backprop_tui.present.keys`),
and the pages of its second key line.
"""

from __future__ import annotations

from textual.binding import Binding

from ..present.keys import KEYS, Key


def bindings(keys: tuple[Key, ...] = KEYS) -> list[Binding]:
    """The bindings of ``keys`` (the app's: :data:`KEYS`). A key whose feature the lesson's
    shape lacks is bound all the same: its action says in one line that it does nothing
    here and why (the screen's ``absent``)."""
    return [
        Binding(names, action, key.label, id=ident, show=False, priority=key.priority)
        for key in keys for names, action, ident in key.bindings
    ]


def screen_bindings() -> list[Binding]:
    """The lesson screen's bindings: every key of :data:`KEYS` but q (the app's own, so
    that it quits from every screen)."""
    return bindings(tuple(key for key in KEYS if not key.priority))


def app_bindings() -> list[Binding]:
    """The app's bindings: the keys that act on every screen (q, ctrl+c)."""
    return bindings(tuple(key for key in KEYS if key.priority))


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
