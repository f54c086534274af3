"""``nnlib.show``: the book displays the real source of the library."""

from __future__ import annotations

import functools
import inspect
import re
import sys
import textwrap
from pathlib import Path

import pytest

import nnlib.perceptron
from nnlib.perceptron import Perceptron, perceptron_update
from nnlib.show import SourceCode, show

PACKAGE_PARENT = str(Path(nnlib.perceptron.__file__).resolve().parents[1])


def _decorator(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    return wrapper


@_decorator
def decorated(x):
    """A decorated function: show() displays it, not the decorator's inner function."""
    return 2 * x


class Example:
    """A class with every kind of attribute show() accepts."""

    def method(self, x):
        return x + 1

    @staticmethod
    def static(x):
        return x - 1

    @classmethod
    def build(cls):
        return cls()

    @property
    def value(self):
        return 42

    @functools.cached_property
    def cached(self):
        return 7


def _expected(obj) -> str:
    return textwrap.dedent(inspect.getsource(obj))


@pytest.mark.parametrize(
    ("obj", "source_of"),
    [
        (perceptron_update, perceptron_update),
        (Perceptron, Perceptron),
        (Perceptron.fit, Perceptron.fit),
        (Perceptron().fit, Perceptron.fit),
        (nnlib.perceptron, nnlib.perceptron),
        (Example.method, Example.method),
        (Example().method, Example.method),
        (Example.static, Example.static),
        (Example.__dict__["static"], Example.static),
        (Example.build, Example.build),
        (Example.__dict__["build"], Example.build),
        (Example.value, Example.value.fget),
        (Example.__dict__["cached"], Example.__dict__["cached"].func),
        (decorated, decorated.__wrapped__),
    ],
    ids=lambda o: getattr(o, "__qualname__", getattr(o, "__name__", type(o).__name__)),
)
def test_plain_text_is_the_dedented_source(obj, source_of) -> None:
    code = show(obj)
    assert isinstance(code, SourceCode)
    assert str(code) == _expected(source_of)
    assert repr(code) == _expected(source_of).rstrip("\n")


def test_methods_are_dedented() -> None:
    code = show(Perceptron.fit)
    assert code.source.startswith("def fit(self, X")
    assert inspect.getsource(Perceptron.fit).startswith("    def fit")


def test_decorated_function_shows_the_original() -> None:
    assert "return 2 * x" in show(decorated).source
    assert "wrapper" not in show(decorated).source


def test_caption_names_object_relative_path_and_real_line_numbers() -> None:
    lines, first = inspect.getsourcelines(Perceptron.fit)
    code = show(Perceptron.fit)
    assert code.name == "nnlib.perceptron.Perceptron.fit"
    assert code.path == "nnlib/perceptron.py"
    assert code.first_line == first
    assert code.last_line == first + len(lines) - 1
    assert f"lines {first}\N{EN DASH}{first + len(lines) - 1}" in code.caption()


def test_module_caption_starts_at_line_one() -> None:
    code = show(nnlib.perceptron)
    assert code.name == "nnlib.perceptron"
    assert code.first_line == 1
    assert code.last_line == len(Path(nnlib.perceptron.__file__).read_text().splitlines())


def test_html_is_highlighted_and_machine_independent() -> None:
    code = show(perceptron_update)
    page = code._repr_html_()
    assert page == show(perceptron_update)._repr_html_()  # deterministic
    assert "<pre" in page and 'class="nnfp-k"' in page  # pygments classes, own style sheet
    assert "nnlib.perceptron.perceptron_update" in page
    assert "nnlib/perceptron.py" in page
    assert PACKAGE_PARENT not in page
    # The code itself is there, as highlighted tokens with the real line numbers.
    text = re.sub(r"<style>.*?</style>|<[^>]+>", "", page, flags=re.S)
    assert "perceptron_update" in text
    assert "weight + lr * target * x" in text.replace("&quot;", '"')
    first_line = inspect.getsourcelines(perceptron_update)[1]
    assert re.search(rf">\s*{first_line}</span>", page)
    assert re.search(rf">\s*{first_line + 1}</span>", page)


def _style_rules(page: str) -> str:
    return re.search(r"<style>(.*?)</style>", page, re.S).group(1)


def test_html_follows_the_light_and_dark_theme() -> None:
    page = show(Perceptron.fit)._repr_html_()
    css = _style_rules(page)
    assert 'style="color:' not in page, "no inline colours: they would ignore a dark theme"
    # the box takes the book theme's colours, with fallbacks outside the book
    assert "var(--pst-color-text-base" in css and "var(--pst-color-surface" in css
    used = set(re.findall(r'<span class="(nnfp-[\w-]+)"', page))
    for cls in used:
        assert f".nnfp-source .{cls} {{" in css, f"no light colour for {cls}"
        assert f'html[data-theme="dark"] .nnfp-source .{cls}' in css, f"no dark rule for {cls}"
    dark_keyword = re.search(
        r'html\[data-theme="dark"\] \.nnfp-source \.nnfp-k[,\s][^{]*\{([^}]*)\}', css
    )
    light_keyword = re.search(r"\n\.nnfp-source \.nnfp-k \{([^}]*)\}", css)
    assert dark_keyword.group(1) != light_keyword.group(1), "dark mode changes the colours"
    # only the classes this listing uses are styled: the sheet stays small
    assert len(css) < 8000


def test_long_docstring_is_folded() -> None:
    code = show(Perceptron.fit)
    page = code._repr_html_()
    details = re.search(r"<details[^>]*>(.*?)</details>", page, re.S)
    assert details, "the docstring is folded in a <details> element"
    assert "<details open" not in page, "folded by default"
    summary = re.search(r"<summary>(.*?)</summary>", details.group(1)).group(1)
    assert "docstring" in summary
    folded = re.sub(r"<[^>]+>", "", details.group(1).replace(summary, ""))
    doc = inspect.getdoc(Perceptron.fit).splitlines()[0]
    assert doc in folded
    # the code before and after the docstring stays visible, line numbers continue across it
    outside = re.sub(r"<details.*?</details>|<style>.*?</style>", "", page, flags=re.S)
    assert "def</span>" in outside and doc not in re.sub(r"<[^>]+>", "", outside)
    numbers = [int(n) for n in re.findall(r'<span class="linenos">\s*(\d+)</span>', page)]
    assert numbers == list(range(code.first_line, code.last_line + 1))


def test_short_or_missing_docstring_is_not_folded() -> None:
    assert "<details" not in show(decorated)._repr_html_()  # a one-line docstring
    assert "<details" not in show(Example.method)._repr_html_()  # none at all


def test_plain_text_has_no_addresses_or_absolute_paths() -> None:
    text = repr(show(Perceptron))
    assert "0x" not in text
    assert PACKAGE_PARENT not in text


def test_code_outside_a_package_shows_its_file_name() -> None:
    code = show(Example.method)
    assert code.name == f"{__name__}.Example.method"
    assert code.path == Path(__file__).name


def test_code_of_main_has_no_path(monkeypatch) -> None:
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "__name__", "__main__")
    monkeypatch.setitem(sys.modules, "__main__", module)
    monkeypatch.setattr(Example.method, "__module__", "__main__")
    code = show(Example.method)
    assert code.path is None
    assert code.caption() == "__main__.Example.method"


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (len, r"built-in function len.*implemented in C"),
        ([].append, r"implemented in C"),
        (object.__init__, r"implemented in C"),
        (str.join, r"implemented in C"),
        (int, r"cannot find Python source for <class 'int'>"),
        (sys, r"cannot find Python source for <module 'sys'"),
        (3, r"instance of int.*show\(type\(obj\)\)"),
        (Perceptron(), r"instance of Perceptron.*show\(type\(obj\)\)"),
        (functools.partial(perceptron_update), r"instance of partial"),
    ],
)
def test_objects_without_python_source_raise_type_error(obj, message) -> None:
    with pytest.raises(TypeError, match=message):
        show(obj)
