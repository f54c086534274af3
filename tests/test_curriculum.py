"""Chapter order is layer order (DEVELOPERS.md, principle 2), checked against ``nnlib.curriculum``.

* Every module of ``nnlib`` is in the map or is a facade.
* Facades contain only imports and ``__all__``.
* A module imports only modules of its own or earlier chapters, from the defining module.
* Chapter k's notebook uses only modules of chapters up to k.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import nbformat
import pytest

from nnlib.curriculum import CHAPTERS, FACADES, MODULE_CHAPTER, chapter_of
from tests._notebook_names import NnlibNames, notebook_code

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nnlib"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported_modules(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, module) for every nnlib module that ``module`` imports, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "nnlib"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "nnlib":
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.append((node.lineno, candidate if candidate in MODULES else target))
    return found


def _is_mapped(module: str) -> bool:
    try:
        chapter_of(module)
    except KeyError:
        return False
    return True


def test_every_module_is_mapped() -> None:
    unmapped = [m for m in MODULES if m not in FACADES and not _is_mapped(m)]
    assert not unmapped, f"add these modules to nnlib.curriculum.MODULE_CHAPTER: {unmapped}"
    stale = [m for m in MODULE_CHAPTER if m not in MODULES]
    assert not stale, f"nnlib.curriculum maps modules that do not exist: {stale}"


def test_every_chapter_has_a_notebook() -> None:
    for number, (stem, _title) in CHAPTERS.items():
        assert (ROOT / "chapters" / f"{stem}.ipynb").exists(), f"chapter {number}: {stem}.ipynb"
    for module, chapter in MODULE_CHAPTER.items():
        assert chapter in CHAPTERS, f"{module} belongs to chapter {chapter}, which has no entry"


@pytest.mark.parametrize("facade", sorted(FACADES))
def test_facades_only_re_export(facade: str) -> None:
    tree = ast.parse(MODULES[facade].read_text())
    for i, node in enumerate(tree.body):
        is_docstring = i == 0 and isinstance(node, ast.Expr)
        targets = [getattr(t, "id", None) for t in getattr(node, "targets", [])]
        is_all = isinstance(node, ast.Assign) and targets in (["__all__"], ["__version__"])
        assert is_docstring or is_all or isinstance(node, (ast.Import, ast.ImportFrom)), (
            f"{facade} line {node.lineno}: a facade may only import and re-export"
        )


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in FACADES))
def test_modules_import_only_earlier_chapters(module: str) -> None:
    chapter = chapter_of(module)
    for line, imported in _imported_modules(module, MODULES[module]):
        # A facade that spans chapters (``nnlib``, ``nnlib.nn``) hides where a name comes from;
        # a facade of one chapter's package (``nnlib.ops``) is mapped and may be imported.
        assert imported not in FACADES or imported in MODULE_CHAPTER, (
            f"{module} line {line} imports from the facade {imported}; "
            "import from the defining module"
        )
        assert chapter_of(imported) <= chapter, (
            f"{module} (chapter {chapter}) line {line} imports {imported} "
            f"(chapter {chapter_of(imported)})"
        )


def _resolve(obj: object) -> str | None:
    """The nnlib module that defines ``obj`` (a module, class, function or instance)."""
    if inspect.ismodule(obj):
        return obj.__name__
    module = inspect.getmodule(obj) or inspect.getmodule(type(obj))
    return module.__name__ if module else None


@pytest.mark.parametrize("number", sorted(CHAPTERS))
def test_notebooks_use_only_earlier_chapters(number: int) -> None:
    stem = CHAPTERS[number][0]
    visitor = NnlibNames()
    visitor.visit(ast.parse(notebook_code(nbformat.read(ROOT / "chapters" / f"{stem}.ipynb", 4))))
    assert visitor.uses, f"{stem} never uses nnlib"
    for name, obj in visitor.uses:
        module = _resolve(obj)
        if module is None or module.split(".")[0] != "nnlib" or module in FACADES:
            continue
        assert chapter_of(module) <= number, (
            f"{stem} (chapter {number}) uses {name}, defined in {module} "
            f"(chapter {chapter_of(module)})"
        )


def test_the_rule_catches_a_later_chapter_import() -> None:
    """The checker itself works: a chapter-1 module importing a chapter-2 module is flagged."""
    later = max(MODULE_CHAPTER, key=MODULE_CHAPTER.get)
    fake = ROOT / "tests" / "_fake_module.py"
    try:
        fake.write_text(f"import {later}\n")
        MODULES["nnlib.fake"] = fake
        ((_, imported),) = _imported_modules("nnlib.fake", fake)
        assert chapter_of(imported) > 1
    finally:
        MODULES.pop("nnlib.fake", None)
        fake.unlink()
