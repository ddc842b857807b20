"""Pictures of the teaching views at 80×24 (deterministic: nothing timed, no cursor)."""

from backprop_tui.tui.app import BackpropApp

from .helpers import app_for, lecture, ten_layers


def test_quiz_hides_the_next_factor(snap_compare):
    assert snap_compare(BackpropApp(lecture(), quiz=True), press=["b", "enter"],
                        terminal_size=(80, 24))


def test_slope_view_with_tangent_and_nudge(snap_compare):
    assert snap_compare(app_for(), press=["f", "e", "g"], terminal_size=(80, 24))


def test_vanishing_gradient_view(snap_compare):
    """Ten layers: every layer's row, every minus sign in the panels."""
    assert snap_compare(app_for(ten_layers()), press=["h"], terminal_size=(80, 24))
