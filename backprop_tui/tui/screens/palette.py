"""The command palette (ctrl+p): Textual's, guarded against two crashes under a burst of keys.

Textual 8.2's palette fills its option list in the background while the user
types, and a terminal may deliver many keys at once (a paste, a held key, a
slow link). Two things then go wrong inside Textual:

* ``OptionList._move_page`` (page up / page down) looks the highlighted option
  up in ``_index_to_line``, a table the list fills only once it has a size on
  screen (``_update_lines`` returns early while its content region is empty).
  Options added and highlighted by a burst before the next layout are not in it
  yet: ``KeyError``.
* Enter selects a command and dismisses the palette; an enter (or option
  selection) already queued behind it reaches the dismissed palette, which
  dismisses again and pops the app's last screen: ``ScreenStackError``, and the
  command would run twice.

:class:`CommandPalette` drops the key that would crash in the first case (the
page move is simply not made; the next key works on the laid-out list) and
ignores selections that arrive after the palette has closed.
"""

from __future__ import annotations

import contextlib

from textual import command
from textual.message import Message
from textual.widgets import Button, Input, OptionList


class CommandPalette(command.CommandPalette):
    """Textual's command palette, safe under bursts of keys (see the module's text)."""

    def _action_command_list(self, action: str) -> None:
        # KeyError: the list has not been laid out since its options changed; skip the move.
        with contextlib.suppress(KeyError):
            super()._action_command_list(action)

    async def _on_message(self, message: Message) -> None:
        if not self.is_active and isinstance(
            message, (Input.Submitted, Button.Pressed, OptionList.OptionSelected)
        ):
            return  # queued behind the selection that closed the palette
        await super()._on_message(message)
