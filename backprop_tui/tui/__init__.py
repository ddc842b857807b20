"""The Textual app: widgets show the :class:`~backprop_tui.model.lesson.Lesson`, keys change it."""
