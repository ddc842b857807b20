"""Presentation: text for numbers and formulas, shared by the CLI, the app and exports; never imports Textual."""  # noqa: E501
