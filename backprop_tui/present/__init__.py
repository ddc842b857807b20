"""Presentation: how numbers and formulas are written, shared by the CLI, the app and exports.

``format`` writes every number (and the minus sign); ``formulas`` and ``formulas_wide``
the derivation rows of a chain and of a network with several neurons a layer;
``report`` and ``report_wide`` what ``trace`` and ``train`` print. This package never
imports Textual. Reading a number a person typed is not here: the one parser is
:mod:`backprop_tui.model.numbers`, since the model needs it for CSV files.
"""
