"""Show the source code of ``nnlib`` inside the book.

The chapters never copy library code into the text: they call :func:`show` on
the function or class under discussion, and the notebook displays the real
source, syntax-highlighted, with the file name and line numbers. What you read
in the book is therefore always the code that runs and that the tests check.
"""

from __future__ import annotations

import functools
import html
import inspect
import sys
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pygments.styles.default import DefaultStyle

__all__ = ["SourceCode", "show"]


#: Callables implemented in C (``len``, ``list.append``, ``object.__init__``, ...).
_C_CALLABLES = (
    types.BuiltinFunctionType,
    types.WrapperDescriptorType,
    types.MethodWrapperType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
)


class _BookStyle(DefaultStyle):
    """Pygments' light default style with grey line numbers."""

    line_number_color = "#8c8c8c"


#: Dark text on a light background, set explicitly so the code stays readable
#: when the book (or the notebook) uses a dark theme.
_BOX_STYLE = (
    "color: #1f2328; background: #f8f8f8; border: 1px solid #d0d7de; "
    "border-radius: 6px; padding: 0.2em 0.6em; margin: 0.5em 0; overflow-x: auto"
)
_CAPTION_STYLE = "font-family: sans-serif; font-size: 0.85em; color: #57606a; margin: 0.2em 0"


@dataclass(frozen=True)
class SourceCode:
    """Source code of one Python object, displayed highlighted in notebooks.

    Attributes
    ----------
    source : str
        The source text, dedented (so a method reads like a top-level function).
    name : str
        ``module.qualname`` of the object (just the module name for a module).
    path : str or None
        File path relative to the package root, e.g. ``"nnlib/perceptron.py"``;
        ``None`` for code defined in the running notebook or script.
    first_line : int
        Line number of the first source line in that file.
    """

    source: str
    name: str
    path: str | None
    first_line: int

    @property
    def last_line(self) -> int:
        """Line number of the last source line in the file."""
        return self.first_line + len(self.source.splitlines()) - 1

    def caption(self) -> str:
        """One line naming the object, its file and its line range."""
        if self.path is None:
            return self.name
        lines = f"lines {self.first_line}\N{EN DASH}{self.last_line}"
        return f"{self.name} \N{EM DASH} {self.path}, {lines}"

    def _repr_html_(self) -> str:
        # Inline styles (``noclasses=True``) need no CSS file, in Jupyter or in the book.
        formatter = HtmlFormatter(
            style=_BookStyle, noclasses=True, linenos="inline", linenostart=self.first_line
        )
        code = highlight(self.source, PythonLexer(), formatter)
        caption = f'<p style="{_CAPTION_STYLE}">{html.escape(self.caption())}</p>'
        return f'<div style="{_BOX_STYLE}">{caption}{code}</div>'

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        # Plain text for terminals and for nbval, which compares ``text/plain`` outputs.
        return self.source.rstrip("\n")


def show(obj: object) -> SourceCode:
    """Return the source of ``obj``, ready to be displayed in a notebook.

    Parameters
    ----------
    obj : module, class, function, method, property, staticmethod or classmethod
        The object whose source to show. Decorated functions show the decorated
        function itself; a property shows its getter.

    Returns
    -------
    SourceCode
        Displays as highlighted HTML in Jupyter and in the book, and as the plain
        source text with ``print`` or ``repr``.

    Raises
    ------
    TypeError
        If ``obj`` has no Python source: a built-in or C function, a built-in
        class, or an instance (show its class instead: ``show(type(obj))``).

    Examples
    --------
    >>> from nnlib.perceptron import perceptron_update
    >>> show(perceptron_update)  # doctest: +SKIP
    """
    target = _source_object(obj)
    try:
        lines, first_line = inspect.getsourcelines(target)
    except (OSError, TypeError) as error:
        raise TypeError(f"show() cannot find Python source for {obj!r}: {error}") from None
    module = inspect.getmodule(target)
    return SourceCode(
        source=textwrap.dedent("".join(lines)),
        name=_qualified_name(target, module),
        path=_relative_path(inspect.getsourcefile(target), module),
        first_line=max(first_line, 1),  # modules report line 0
    )


def _source_object(obj: object) -> object:
    """The module, class or function whose source represents ``obj``."""
    if isinstance(obj, property):
        obj = obj.fget
    elif isinstance(obj, functools.cached_property):
        obj = obj.func
    elif isinstance(obj, (staticmethod, classmethod, types.MethodType)):
        obj = obj.__func__
    if isinstance(obj, types.FunctionType):
        return inspect.unwrap(obj)
    if isinstance(obj, (types.ModuleType, type)):
        return obj
    if isinstance(obj, _C_CALLABLES):
        raise TypeError(
            f"show() cannot show {obj!r}: it is implemented in C and has no Python source"
        )
    raise TypeError(
        f"show() cannot show {obj!r}: it is an instance of {type(obj).__qualname__}, not a "
        "function, class, method, property or module; to see its class use show(type(obj))"
    )


def _qualified_name(obj: object, module: types.ModuleType | None) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    module_name = module.__name__ if module is not None else obj.__module__
    return f"{module_name}.{obj.__qualname__}"


def _relative_path(filename: str | None, module: types.ModuleType | None) -> str | None:
    """Path of ``filename`` relative to the directory holding its top-level package.

    Relative paths keep the output free of machine-specific absolute paths, so a
    notebook's saved output is the same on every computer.
    """
    if filename is None or module is None or module.__name__ == "__main__":
        return None
    top_level = sys.modules.get(module.__name__.partition(".")[0])
    package_dirs = getattr(top_level, "__path__", None)
    if not package_dirs:  # a stand-alone module, not part of a package
        return Path(filename).name
    root = Path(list(package_dirs)[0]).resolve().parent
    try:
        return Path(filename).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(filename).name
