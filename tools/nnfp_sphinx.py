"""A tiny Sphinx extension for the book.

* ``nnfp_warnings_are_errors`` (bool): turn every warning into an error, so a book with broken
  references, bad docstrings or missing figures never builds "successfully".
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _strict(app: Sphinx, config) -> None:
    if config.nnfp_warnings_are_errors:
        app.warningiserror = True


def setup(app: Sphinx) -> dict:
    app.add_config_value("nnfp_warnings_are_errors", False, "env")
    app.connect("config-inited", _strict)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
