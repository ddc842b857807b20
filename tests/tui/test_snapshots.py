"""Pictures of the app at 80×24 (deterministic: nothing timed, no cursor, no speeds)."""

from .helpers import app_for, ten_layers


def test_after_forward(snap_compare):
    assert snap_compare(app_for(), press=["f"], terminal_size=(80, 24))


def test_after_backward(snap_compare):
    assert snap_compare(app_for(), press=["f", "b"], terminal_size=(80, 24))


def test_after_step(snap_compare):
    assert snap_compare(app_for(), press=["f", "b", "s"], terminal_size=(80, 24))


def test_help_screen(snap_compare):
    assert snap_compare(app_for(), press=["question_mark"], terminal_size=(80, 24))


def test_ten_layers_after_forward(snap_compare):
    """Only whole panels, every minus sign, and how many neurons are left out."""
    assert snap_compare(app_for(ten_layers()), press=["f"], terminal_size=(80, 24))
