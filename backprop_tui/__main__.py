"""``python -m backprop_tui``: the same as the ``backprop-tui`` command."""

from .cli import run

if __name__ == "__main__":
    run()
