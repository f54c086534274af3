"""The book builds with warnings as errors, and the HTML has what a reader needs.

The build is slow, so the suite builds the book once: the ``built_book`` fixture in
``tests/conftest.py`` (shared with tests/test_browser.py, which reads the same HTML in a browser).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from nnlib.curriculum import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import make_api_reference  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def test_api_reference_pages_are_current() -> None:
    assert make_api_reference.main(["--check"]) == 0, "run python tools/make_api_reference.py"


def test_every_chapter_with_modules_has_an_api_page() -> None:
    pages = make_api_reference.render()
    for chapter in make_api_reference.documented_modules():
        name = make_api_reference.page_name(chapter)
        assert make_api_reference.FOLDER / f"{name}.md" in pages
    toc = (ROOT / "_toc.yml").read_text()
    assert "glob: chapters/api/*" in toc, "_toc.yml lists the API pages with a glob"


#: Files that `make test`, `make book`, editors and packaging leave in the work tree: none may
#: be read by the book build (a `.pytest_cache/README.md` once broke `make book` after `make test`).
JUNK = [
    ".pytest_cache/README.md",
    ".hypothesis/examples/README.md",
    ".ruff_cache/0.17.6/README.md",
    ".venv/floors/lib/README.md",
    "_build/html/_sources/intro.md",
    "_build/jupyter_execute/chapters/01_perceptrons.ipynb",
    "benchmarks/README.md",
    "tools/README.md",
    "tests/README.md",
    "nnlib.egg-info/README.md",
    "nnlib/datasets/data/README.md",
    ".ipynb_checkpoints/intro-checkpoint.md",
    "chapters/.ipynb_checkpoints/01_perceptrons-checkpoint.ipynb",
]


def test_book_build_skips_every_non_book_folder(tmp_path: Path) -> None:
    """Sphinx's own file search, over a tree holding the book and the junk, finds only the book."""
    from sphinx.util.matching import get_matching_files

    for path in [*JUNK, "intro.md", "chapters/01_perceptrons.ipynb"]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("# x\n")
    found = set(get_matching_files(tmp_path, ["**"], CONFIG["exclude_patterns"]))
    assert found == {"intro.md", "chapters/01_perceptrons.ipynb"}, sorted(found)


# -- documented attributes exist -------------------------------------------------------------


def _documented_classes():
    for modules in make_api_reference.documented_modules().values():
        for name in modules:
            module = importlib.import_module(name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == name:
                    yield cls


def _documented_attributes(cls) -> list[str]:
    """The names that napoleon renders as instance variables (``Attributes`` section)."""
    from sphinx.ext.napoleon import Config
    from sphinx.ext.napoleon.docstring import NumpyDocstring

    doc = inspect.getdoc(cls) or ""
    if not re.search(r"^Attributes\n-+$", doc, re.M):
        return []
    config = Config(napoleon_use_ivar=True, napoleon_custom_sections=["Shape"])
    lines = str(NumpyDocstring(doc, config, what="class")).splitlines()
    return [m.group(1) for line in lines if (m := re.match(r":ivar (\w+):", line))]


def _assigned_names(cls) -> set[str]:
    """Attribute names that the methods of ``cls`` (and its bases) set on ``self``."""
    names: set[str] = set()
    setters = {"register_buffer", "register_parameter", "__setattr__", "setattr"}
    for klass in cls.__mro__:
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                names.add(node.attr)
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                strings = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if called in setters and strings and isinstance(strings[0], str):
                    names.add(strings[0])
        names |= set(getattr(klass, "__annotations__", {}))
        names |= set(getattr(klass, "__slots__", ()))
    return names


def test_every_documented_attribute_exists() -> None:
    checked, missing = 0, []
    for cls in _documented_classes():
        attributes = _documented_attributes(cls)
        if not attributes:
            continue
        known = _assigned_names(cls)
        for name in attributes:
            checked += 1
            if not hasattr(cls, name) and name not in known:
                missing.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert checked, "no class documents attributes: the check found nothing to check"
    assert not missing, f"documented attributes that the code never sets: {missing}"


def test_perceptron_documents_its_fitted_attributes() -> None:
    from nnlib.perceptron import Perceptron

    assert {"weight_", "bias_", "converged_"} <= set(_documented_attributes(Perceptron))


# -- the built book ---------------------------------------------------------------------------


@pytest.mark.slow
def test_intro_and_chapters_are_built(built_book: Path) -> None:
    html = built_book
    assert (html / "intro.html").exists()
    for stem, title in CHAPTERS.values():
        page = html / "chapters" / f"{stem}.html"
        assert page.exists(), f"missing chapter page {page.name}"
        text = page.read_text()
        assert title.split()[0] in text
        assert "colab.research.google.com" in text, f"{stem}: no Colab link"


@pytest.mark.slow
def test_chapter_figures_are_in_the_html(built_book: Path) -> None:
    for stem, _ in CHAPTERS.values():
        text = (built_book / "chapters" / f"{stem}.html").read_text()
        images = re.findall(r'<img[^>]+src="([^"]+\.png)"', text)
        assert images, f"{stem}: no figures in the HTML"
        for src in images:
            assert (built_book / "chapters" / src).resolve().exists(), f"{stem}: broken {src}"


@pytest.mark.slow
def test_api_reference_documents_every_module(built_book: Path) -> None:
    for chapter, modules in make_api_reference.documented_modules().items():
        page = built_book / "chapters" / "api" / f"{make_api_reference.page_name(chapter)}.html"
        text = page.read_text()
        for module in modules:
            assert f'id="module-{module}"' in text, f"{page.name} lacks {module}"
    chapter_1 = built_book / "chapters" / "api" / f"{make_api_reference.page_name(1)}.html"
    text = chapter_1.read_text()
    assert 'id="nnlib.perceptron.Perceptron"' in text
    assert "weight_" in re.sub(r"<[^>]+>", "", text), "Perceptron's attributes keep their _"


@pytest.mark.slow
def test_api_reference_hides_constant_values(built_book: Path) -> None:
    chapter_1 = built_book / "chapters" / "api" / f"{make_api_reference.page_name(1)}.html"
    text = chapter_1.read_text()
    assert 'id="nnlib.curriculum.MODULE_CHAPTER"' in text
    assert "01_perceptrons" not in re.sub(r"<[^>]+>", "", text), "CHAPTERS' value is dumped"
    for page in (built_book / "chapters" / "api").glob("*.html"):
        assert page.stat().st_size < 800_000, f"{page.name} is too large to read"


@pytest.mark.slow
def test_bibliography_labels_read_like_the_citations(built_book: Path) -> None:
    text = (built_book / "chapters" / "bibliography.html").read_text()
    for phrase in ["The perceptron", "Learning representations by back-propagating errors"]:
        assert phrase in text, f"bibliography lacks {phrase!r}"
    labels = re.findall(r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<', text)
    assert "Rosenblatt, 1958" in labels
    assert all(re.fullmatch(r".+, (\d{4}|n\.d\.)[a-z]?", label) for label in labels), labels
    chapter_1 = (built_book / "chapters" / f"{CHAPTERS[1][0]}.html").read_text()
    assert "Rosenblatt, 1958" in chapter_1


@pytest.mark.slow
def test_pages_are_offline_and_load_each_script_once(built_book: Path) -> None:
    assert (built_book / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    for page in [built_book / "intro.html", *(built_book / "chapters").glob("*.html")]:
        text = page.read_text()
        assert "cdn.jsdelivr.net" not in text and 'colab-badge.svg"' not in text.replace(
            "_images/colab-badge.svg", ""
        ), f"{page.name} loads a file from the network"
        assert text.count("const THEBE_JS_URL") <= 1, f"{page.name} defines thebe twice"


@pytest.mark.slow
def test_landing_page(built_book: Path) -> None:
    text = (built_book / "intro.html").read_text()
    title = re.search(r"<title>(.*?)</title>", text).group(1)
    book = CONFIG["title"]
    assert title.count(book) <= 1, f"the landing page title repeats the book title: {title}"
    visible = re.sub(r"<[^>]+>", "", text)
    assert not re.search(r"\b(\d+)\.\s+\1\.", visible), "a chapter number is written twice"
