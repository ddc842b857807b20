"""The app's own themes, for projectors and for colour-blind readers, beside Textual's
themes (``--theme NAME``)."""

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

OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9",
    "bluish green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}
"""The Okabe–Ito palette: eight colours told apart with every common colour-vision
deficiency (Okabe and Ito, *Color Universal Design*, 2008)."""

COLOUR_BLIND = Theme(
    name="backprop-okabe-ito",
    primary=OKABE_ITO["sky blue"],
    secondary=OKABE_ITO["orange"],
    accent=OKABE_ITO["sky blue"],
    warning=OKABE_ITO["orange"],
    error=OKABE_ITO["vermillion"],
    success=OKABE_ITO["bluish green"],
    foreground="#FFFFFF",
    background=OKABE_ITO["black"],
    surface=OKABE_ITO["black"],
    panel="#202020",
    dark=True,
    variables={"text-muted": "#E0E0E0", "border": "#FFFFFF", "footer-background": "#202020"},
)
"""The Okabe–Ito colours on black: highlights, errors and successes stay apart for a
colour-blind reader. Nothing on screen is told by colour alone in any theme: a sign is
its − or +, the factor explained has its ▸, the layer shown its heavy border, a quiz
answer its words (a test holds the text of every theme equal)."""

THEMES: dict[str, Theme] = {HIGH_CONTRAST.name: HIGH_CONTRAST, COLOUR_BLIND.name: COLOUR_BLIND}
"""The app's own themes."""

ABOUT: dict[str, str] = {
    HIGH_CONTRAST.name: "white on black, yellow highlights: a projector",
    COLOUR_BLIND.name: "the Okabe–Ito colours on black: safe for colour-blind readers",
}
"""What each of the app's own themes is for (the help screen says it)."""

BRIGHT_TITLES: frozenset[str] = frozenset({HIGH_CONTRAST.name, COLOUR_BLIND.name})
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
