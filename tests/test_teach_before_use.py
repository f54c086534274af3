"""A chapter teaches every ``nnlib`` name it uses, or an earlier chapter did (principle 5).

The rule, precisely:

* **Uses.** A chapter's notebook *uses* a name when its code cells import it from ``nnlib``
  (``from nnlib.optim import SGD`` uses ``SGD``) or reach it through an attribute chain that
  starts at something imported from ``nnlib`` (``nnlib.tensor``, ``nn.Linear``, ``F.gelu``,
  ``Perceptron.fit``). The name is the last part of the chain. Modules themselves, and objects
  not defined in ``nnlib`` (NumPy dtypes, for example), are not checked; neither are methods
  called on instances (``model.parameters()``).
* **Introduces.** A chapter's notebook *introduces* a name when one of its Markdown cells has
  the name as an identifier inside inline code or a code block (```` `nn.Linear(2, 8)` ````
  introduces ``nn`` and ``Linear``), or when one of its code cells shows it with
  ``nnlib.show(...)`` (``nnlib.show(optim.SGD._update)`` introduces ``_update``).
* **Teach before use.** A name that chapter *k* uses, defined in a module of chapter *c*
  (``nnlib.curriculum``), must be introduced by some chapter *j* with *c <= j <= k*: by the
  chapter itself, or by an earlier chapter that came after the module's own chapter. (A mention
  before the module's chapter is only a forward reference, and does not count.)

New chapters satisfy it by naming in their prose, in backticks, every ``nnlib`` function and
class they call that no earlier chapter has named, or by showing its code.

The file also checks that every chapter ends by listing the modules it added to ``nnlib``, with
``nnlib.curriculum.modules_of``.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import nbformat
import pytest

from nnlib.curriculum import CHAPTERS, MODULE_CHAPTER, chapter_of, modules_of
from nnlib.show import show
from tests._notebook_names import NnlibNames, notebook_code

ROOT = Path(__file__).resolve().parents[1]

_CODE_SPAN = re.compile(r"```.*?```|``.+?``|`[^`\n]+`", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _defining_module(obj: object) -> str | None:
    module = inspect.getmodule(obj)
    return module.__name__ if module else None


class _Reader(NnlibNames):
    """Collects the nnlib names a notebook's code uses, and the names it shows with ``show``."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: set[str] = set()

    def visit_Call(self, node: ast.Call) -> None:
        steps = self.resolve_chain(node.func)
        if steps and steps[-1][1] is show and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Attribute):
                self.shown.add(argument.attr)
            elif isinstance(argument, ast.Name):
                self.shown.add(argument.id)
        self.generic_visit(node)


def _read(path: Path) -> _Reader:
    nb = nbformat.read(path, as_version=4)
    reader = _Reader()
    reader.visit(ast.parse(notebook_code(nb)))
    reader.markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return reader


def _mentioned(markdown: str) -> set[str]:
    """Identifiers inside inline code and code blocks of Markdown."""
    names: set[str] = set()
    for span in _CODE_SPAN.findall(markdown):
        names.update(_IDENTIFIER.findall(span))
    return names


def _introduced(reader: _Reader) -> set[str]:
    return _mentioned(reader.markdown) | reader.shown


def _checked_uses(reader: _Reader) -> dict[str, str]:
    """name -> defining nnlib module, for every checked use (not modules, only nnlib objects)."""
    uses = {}
    for dotted, obj in reader.uses:
        name = dotted.rsplit(".", 1)[-1]  # the identifier a reader sees in the prose
        if inspect.ismodule(obj):
            continue
        module = _defining_module(obj)
        if module is None or module.split(".")[0] != "nnlib":
            continue
        uses.setdefault(name, module)
    return uses


def _untaught(uses: dict[str, str], introduced_by: dict[int, set[str]], chapter: int) -> list:
    missing = []
    for name, module in sorted(uses.items()):
        first = chapter_of(module)
        if not any(name in introduced_by.get(j, set()) for j in range(first, chapter + 1)):
            missing.append(f"{name} (from {module}, chapter {first})")
    return missing


def _notebook(number: int) -> Path:
    return ROOT / "chapters" / f"{CHAPTERS[number][0]}.ipynb"


@pytest.fixture(scope="module")
def readers() -> dict[int, _Reader]:
    """The chapters whose notebooks exist (test_curriculum.py requires all of them)."""
    return {n: _read(_notebook(n)) for n in CHAPTERS if _notebook(n).exists()}


@pytest.mark.parametrize("number", sorted(CHAPTERS))
def test_chapter_teaches_the_names_it_uses(number: int, readers) -> None:
    if number not in readers:
        pytest.skip(f"{_notebook(number).name} does not exist yet")
    introduced_by = {n: _introduced(r) for n, r in readers.items()}
    missing = _untaught(_checked_uses(readers[number]), introduced_by, number)
    assert not missing, (
        f"chapter {number} uses nnlib names that neither it nor an earlier chapter (from the "
        f"module's own chapter on) names in Markdown code or shows with nnlib.show: {missing}"
    )


@pytest.mark.parametrize("number", sorted(CHAPTERS))
def test_chapter_ends_by_listing_what_nnlib_gained(number: int) -> None:
    if not _notebook(number).exists():
        pytest.skip(f"{_notebook(number).name} does not exist yet")
    nb = nbformat.read(_notebook(number), as_version=4)
    listing = [c for c in nb.cells if c.cell_type == "code" and f"modules_of({number})" in c.source]
    assert listing, f"chapter {number}: add a cell that lists modules_of({number})"
    printed = "".join(o.get("text", "") for o in listing[-1].outputs)
    for module in modules_of(number):
        assert module in printed, f"chapter {number}: the listing's output lacks {module}"


# --- the rule itself --------------------------------------------------------------------------


def _reader_of(code: str, markdown: str = "") -> _Reader:
    reader = _Reader()
    reader.visit(ast.parse(code))
    reader.markdown = markdown
    return reader


def test_the_rule_flags_an_untaught_name() -> None:
    code = "import nnlib\nfrom nnlib.optim import SGD\nnnlib.gradcheck(f, (x,))\nSGD([p], lr=1)"
    reader = _reader_of(code, markdown="We step with `SGD`.")
    uses = _checked_uses(reader)
    assert uses == {"SGD": "nnlib.optim.sgd", "gradcheck": "nnlib.gradcheck"}
    missing = _untaught(uses, {2: _introduced(reader)}, 2)
    assert missing == ["gradcheck (from nnlib.gradcheck, chapter 2)"]
    # introduced by the chapter itself (a code block), or shown: both count
    assert not _untaught(
        uses, {2: _introduced(_reader_of(code, "```\ngradcheck(f)\n``` `SGD`"))}, 2
    )
    shown = _reader_of(code + "\nnnlib.show(nnlib.gradcheck)", "`SGD`")
    assert not _untaught(uses, {2: _introduced(shown)}, 2)


def test_a_mention_before_the_modules_chapter_does_not_count() -> None:
    uses = {"SGD": "nnlib.optim.sgd"}
    assert _untaught(uses, {1: {"SGD"}}, 3) == ["SGD (from nnlib.optim.sgd, chapter 2)"]
    assert not _untaught(uses, {1: {"SGD"}, 2: {"SGD"}}, 3)


def test_methods_and_modules() -> None:
    reader = _reader_of(
        "import nnlib.nn.functional as F\nfrom nnlib.perceptron import Perceptron\n"
        "Perceptron.fit\nF.gelu(x)\nnnlib_free = 3"
    )
    assert set(_checked_uses(reader)) == {"Perceptron", "fit", "gelu"}  # the module F is not


def test_mentions_are_identifiers_in_code() -> None:
    markdown = "The `nn.Linear(2, 8)` layer; plain Sequential does not count; ``a`b``."
    assert _mentioned(markdown) == {"nn", "Linear", "a", "b"}


def test_modules_of_partitions_the_map() -> None:
    listed = [m for n in sorted(CHAPTERS) for m in modules_of(n)]
    assert sorted(listed) == sorted(m for m, n in MODULE_CHAPTER.items() if n in CHAPTERS)
    assert modules_of(1)[:2] == ["nnlib.curriculum", "nnlib.show"]  # the map's order
    assert "nnlib.figures.networks" in modules_of(1)
    with pytest.raises(KeyError, match="no chapter 99"):
        modules_of(99)


# --- numbers in the prose ---------------------------------------------------------------------

_GLUE_ROLE = re.compile(r"\{glue:text\}`([^`:]+)(?::[^`]*)?`")


@pytest.mark.parametrize("number", sorted(CHAPTERS))
def test_prose_numbers_are_glued_by_the_run(number: int) -> None:
    """Every ``{glue:text}`name``` in a chapter's Markdown has a value glued in its outputs."""
    if not _notebook(number).exists():
        pytest.skip(f"{_notebook(number).name} does not exist yet")
    nb = nbformat.read(_notebook(number), as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    markdown = re.sub(r"``.+?``", "", markdown)  # a role quoted as code is not a role
    glued = {
        output.get("metadata", {}).get("scrapbook", {}).get("name")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    }
    missing = sorted(set(_GLUE_ROLE.findall(markdown)) - glued)
    assert not missing, f"chapter {number}: no glued value for {missing}; run the notebook"
