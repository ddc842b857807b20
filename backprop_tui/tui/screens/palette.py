"""The command palette (ctrl+p): Textual's, guarded against two crashes under a burst of keys.

Textual 8.2's palette fills its option list in the background while the user
types, and a terminal may deliver many keys at once (a paste, a held key, a
slow link). Two things then go wrong inside Textual:

* Page up / page down: ``OptionList`` looks the highlighted option up in a
  table it fills only once it has a size on screen. Options added and
  highlighted by a burst before the next layout are not in it yet: ``KeyError``.
* Enter selects a command and dismisses the palette; an enter (or option
  selection) already queued behind it reaches the dismissed palette, which
  dismisses again and pops the app's last screen: ``ScreenStackError``, and the
  command would run twice.

:class:`CommandPalette` binds the page keys to an action that skips the page
move in the first case (the next key works on the laid-out list), and stops the
default handling of selections that arrive after the palette has closed. Both
use public Textual API only (bindings, actions, ``Message.prevent_default``).
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual import command, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Button, Input, OptionList


class CommandPalette(command.CommandPalette):
    """Textual's command palette, safe under bursts of keys (see the module's text)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page('down')", "Next page", show=False),
        Binding("pageup", "page('up')", "Previous page", show=False),
    ]

    def action_page(self, direction: str) -> None:
        """Page the command list; skipped while the list has not been laid out since it changed."""
        commands = self.query_one(command.CommandList)
        with contextlib.suppress(KeyError):
            if direction == "down":
                commands.action_page_down()
            else:
                commands.action_page_up()

    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def closed_already(self, message: Message) -> None:
        """A selection queued behind the one that closed the palette: not handled again."""
        if not self.is_active:
            message.prevent_default()
            message.stop()
