"""The app's own theme for projectors, beside Textual's themes (``--theme NAME``)."""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES, Theme

HIGH_CONTRAST = Theme(
    name="backprop-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    warning="#FFA500",
    error="#FF4040",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    dark=True,
    variables={"text-muted": "#E0E0E0", "border": "#FFFFFF", "footer-background": "#202020"},
)
"""White on black, yellow highlights: readable on a projector in a bright room."""

THEMES: dict[str, Theme] = {HIGH_CONTRAST.name: HIGH_CONTRAST}
"""The app's own themes."""

ABOUT: dict[str, str] = {HIGH_CONTRAST.name: "white on black, yellow highlights: a projector"}
"""What each of the app's own themes is for (the help screen says it)."""

BRIGHT_TITLES: frozenset[str] = frozenset({HIGH_CONTRAST.name})
"""Themes whose panel titles are drawn bold in the full foreground colour, not in the dim
colour of the borders (app.tcss, ``-bright-titles``): read from the back of a room."""


def theme_names() -> list[str]:
    """Every theme ``--theme`` takes: the app's own, then Textual's."""
    return list(THEMES) + sorted(BUILTIN_THEMES)


def theme_groups() -> list[tuple[str, list[str]]]:
    """The themes :func:`theme_names` lists, as the help screen groups them: each of the
    app's own with what it is for, then Textual's."""
    return [(name, [ABOUT.get(name, "")]) for name in THEMES] + [
        ("Textual's", sorted(BUILTIN_THEMES))]
