"""Presentation: how numbers, formulas and tables are written, shared by the CLI, the app and
exports. It never imports Textual, rich or plotext: the widgets draw what it builds.

``format`` writes every number (and the minus sign); ``formulas`` and ``formulas_wide``
the derivation rows of a chain and of a network with several neurons a layer; ``tables``
the tables as data (head, rows of cells, title, notes); ``text``, ``markdown`` and
``json_data`` the pieces of plain text, Markdown handouts and ``--json`` that the chain's
and the network's reports share; ``report`` and ``report_wide`` what ``trace`` and
``train`` print. Reading a number a person typed is not here: the one parser is
:mod:`backprop_tui.model.numbers`, since the model needs it for CSV files.
"""
