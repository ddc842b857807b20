"""Errors the model raises: each carries a message fit to show a user as it is."""

from __future__ import annotations


class ModelError(ValueError):
    """A value the model refuses (wrong shape, not finite, out of range)."""


class NonFiniteError(ModelError):
    """A computation whose result would be NaN or infinite."""
