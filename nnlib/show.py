"""Show the source code of ``nnlib`` inside the book.

The chapters never copy library code into the text: they call :func:`show` on
the function or class under discussion, and the notebook displays the real
source, syntax-highlighted, with the file name and line numbers. What you read
in the book is therefore always the code that runs and that the tests check.
"""

from __future__ import annotations

import ast
import functools
import html
import inspect
import re
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


#: Token colours for a dark page: pygments' "monokai" (bright text for a dark background).
_DARK_STYLE = "monokai"

#: Selectors of a page in dark mode: the book's theme (pydata-sphinx-theme), JupyterLab, VS Code.
_DARK_PAGES = (
    'html[data-theme="dark"]',
    'body[data-jp-theme-light="false"]',
    "body.vscode-dark",
)

#: The listing's box takes the theme's colours (pydata-sphinx-theme's CSS variables in the book),
#: with light fallbacks elsewhere, and dark ones under the dark-page selectors above.
_BOX_CSS = """\
.nnfp-source { --nnfp-fg: var(--pst-color-text-base, #1f2328);
  --nnfp-bg: var(--pst-color-surface, #f6f8fa); --nnfp-border: var(--pst-color-border, #d0d7de);
  --nnfp-muted: var(--pst-color-text-muted, #57606a);
  color: var(--nnfp-fg); background: var(--nnfp-bg); border: 1px solid var(--nnfp-border);
  border-radius: 6px; padding: 0.3em 0.6em; margin: 0.5em 0; overflow-x: auto; }
{dark} { --nnfp-fg: var(--pst-color-text-base, #e6edf3);
  --nnfp-bg: var(--pst-color-surface, #1e2228); --nnfp-border: var(--pst-color-border, #3d444d);
  --nnfp-muted: var(--pst-color-text-muted, #9198a1); }
.nnfp-source .nnfp-caption { font-family: sans-serif; font-size: 0.85em; color: var(--nnfp-muted);
  margin: 0.1em 0 0.3em 0; }
.nnfp-source pre { margin: 0; padding: 0; border: 0; background: transparent; box-shadow: none;
  color: inherit; line-height: 125%; overflow: visible; font-size: 0.85em; }
.nnfp-source .linenos { color: var(--nnfp-muted); padding-right: 1em; user-select: none; }
.nnfp-source summary { cursor: pointer; color: var(--nnfp-muted); font-size: 0.85em;
  font-family: sans-serif; margin: 0.1em 0; }
"""


def _token_rules(style, scope: str) -> dict[str, str]:
    """CSS declarations of each token class of a pygments style: class -> declarations."""
    css = HtmlFormatter(style=style, classprefix="nnfp-").get_style_defs(scope)
    pattern = re.compile(re.escape(scope) + r" \.(nnfp-[\w-]+) \{ ([^}]*) \}")
    return {m.group(1): m.group(2).strip() for m in pattern.finditer(css)}


@functools.cache
def _rules() -> tuple[dict[str, str], dict[str, str]]:
    light = _token_rules(_BookStyle, ".nnfp-source")
    dark = _token_rules(_DARK_STYLE, ".nnfp-source")
    reset = "color: inherit; font-weight: inherit; font-style: inherit; border: 0"
    # a class the dark style leaves plain must not keep its light colour
    return light, {cls: dark.get(cls, reset) for cls in light.keys() | dark.keys()}


def _css(classes: set[str]) -> str:
    """The box's CSS and the colours of the token classes that this listing uses."""
    light, dark = _rules()
    dark_pages = ", ".join(f"{page} .nnfp-source" for page in _DARK_PAGES)
    lines = [_BOX_CSS.replace("{dark}", dark_pages)]
    for cls in sorted(classes):
        if cls in light:
            lines.append(f".nnfp-source .{cls} {{ {light[cls]} }}")
        if cls in dark:
            selectors = ", ".join(f"{page} .nnfp-source .{cls}" for page in _DARK_PAGES)
            lines.append(f"{selectors} {{ {dark[cls]} }}")
    return "\n".join(lines)


def _docstring_lines(source: str) -> tuple[int, int] | None:
    """0-based (first, last) line of the object's own docstring in ``source``, if any."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    body = tree.body
    if body and isinstance(body[0], (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        body = body[0].body
    if not body or not isinstance(body[0], ast.Expr):
        return None
    value = body[0].value
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return None
    return body[0].lineno - 1, body[0].end_lineno - 1


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
        # Pygments classes with the listing's own small style sheet: the colours follow the
        # page's light or dark theme (see _DARK_PAGES). A docstring of three or more lines is
        # folded into a <details> element that the reader can open.
        formatter = HtmlFormatter(style=_BookStyle, classprefix="nnfp-", nowrap=True)
        code = highlight(self.source, PythonLexer(), formatter).rstrip("\n").split("\n")
        width = len(str(self.last_line))
        numbered = [
            f'<span class="linenos">{self.first_line + i:>{width}}</span>{line}'
            for i, line in enumerate(code)
        ]
        doc = _docstring_lines(self.source)
        if doc is not None and doc[1] - doc[0] >= 2:
            first, last = doc
            n_lines = last - first + 1
            parts = [
                _pre(numbered[:first]),
                '<details class="nnfp-docstring"><summary>docstring '
                f"({n_lines} lines, {self.first_line + first}\N{EN DASH}"
                f"{self.first_line + last})</summary>{_pre(numbered[first : last + 1])}</details>",
                _pre(numbered[last + 1 :]),
            ]
        else:
            parts = [_pre(numbered)]
        classes = set(re.findall(r'class="(nnfp-[\w-]+)"', "".join(code)))
        caption = f'<p class="nnfp-caption">{html.escape(self.caption())}</p>'
        return (
            f'<div class="nnfp-source"><style>{_css(classes)}</style>{caption}'
            + "".join(part for part in parts if part)
            + "</div>"
        )

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        # Plain text for terminals and for nbval, which compares ``text/plain`` outputs.
        return self.source.rstrip("\n")


def _pre(lines: list[str]) -> str:
    return f"<pre>{chr(10).join(lines)}</pre>" if lines else ""


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
