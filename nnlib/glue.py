"""Numbers from the run, in the book's prose: ``glue`` records a value under a name.

The chapters quote results in their text ("the test accuracy is 0.93"). Typing such numbers by
hand lets the text drift from the outputs; instead a code cell calls ``glue("test_acc", 0.93)``
and the Markdown says ``{glue:text}`test_acc```. Jupyter Book (myst-nb) replaces the role with
the value stored in the notebook's output when it builds the page.

This is myst-nb's ``glue`` protocol written out, so that notebooks also run where myst-nb is not
installed (a fresh Colab runtime): the value is published as display data under myst-nb's
``application/papermill.record/`` MIME prefix, with the name in the output's metadata.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]

#: The MIME-type prefix myst-nb looks for (a hidden glued output).
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value`` under ``name`` for ``{glue:text}`name``` in the chapter's Markdown.

    Parameters
    ----------
    name : str
        A name unique within the notebook.
    value : object
        What to record; its text form is what the prose shows. Round floats first (or pass a
        formatted string) so the stored output is stable from run to run.
    display : bool
        Also show the value in the notebook (default: record it silently).

    Raises
    ------
    TypeError
        If ``name`` is not a non-empty string.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"glue(): name must be a non-empty string, got {name!r}")
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipython_display

    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipython_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
