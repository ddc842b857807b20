"""backprop-tui: see backpropagation, number by number, in a terminal."""

__version__ = "0.1.0"
