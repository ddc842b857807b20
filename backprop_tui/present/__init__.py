"""Presentation: how numbers, formulas and tables are written, shared by the CLI, the app and
exports. It never imports Textual, rich or plotext: the widgets draw what it builds.

``format`` writes every number (and the minus sign); ``formulas`` the derivation rows in
one notation (with the neuron indices, dropped in a chain, where every layer has one
neuron); ``tables`` the tables as data (head, rows of cells, title, notes); ``text``,
``markdown`` and ``json_data`` the pieces of plain text, Markdown handouts and ``--json``;
``report`` what ``trace`` and ``train`` print, for every shape. Reading a number a
person typed is not here: the one parser is :mod:`backprop_tui.model.numbers`, since
the model needs it for CSV files.
"""
