"""Write the API reference: one page per chapter under ``chapters/api/``, and its index page.

    python tools/make_api_reference.py          # rewrite the pages
    python tools/make_api_reference.py --check  # exit 1 if a page is missing, stale or extra

Facades (package ``__init__`` files, ``nnlib.nn.functional``) only re-export and private modules
(``_util``) hold helpers, so both are left out; every other module appears on the page of the
chapter that introduces it (``nnlib.curriculum``), so a new chapter's modules get their page by
running this script. ``_toc.yml`` lists the pages with a glob (``chapters/api/*``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "chapters" / "api_reference.md"
FOLDER = ROOT / "chapters" / "api"

HEADER = """\
# API reference

Every public function and class of `nnlib`, generated from the docstrings in the package, with one
page for the modules of each chapter. The facades re-export these names: `nnlib.tensor(...)`,
`nnlib.nn.Linear`, `nnlib.nn.functional.cross_entropy`, `nnlib.optim.Adam` and so on.
"""


def documented_modules() -> dict[int, list[str]]:
    """Chapter -> the non-facade modules of ``nnlib`` it introduces, in file order."""
    sys.path.insert(0, str(ROOT))
    from nnlib.curriculum import FACADES, chapter_of

    by_chapter: dict[int, list[str]] = {}
    for path in sorted((ROOT / "nnlib").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        module = ".".join(parts)
        if module not in FACADES and not any(part.startswith("_") for part in parts):
            by_chapter.setdefault(chapter_of(module), []).append(module)
    return dict(sorted(by_chapter.items()))


def chapter_title(chapter: int) -> str:
    from nnlib.curriculum import CHAPTERS

    title = CHAPTERS[chapter][1] if chapter in CHAPTERS else ""
    return f"Chapter {chapter}: {title}" if title else f"Chapter {chapter}"


def page_name(chapter: int) -> str:
    """The file name (without ``.md``) of a chapter's API page; zero-padded so the glob sorts."""
    return f"chapter_{chapter:02d}"


def render_page(chapter: int, modules: list[str]) -> str:
    lines = [
        f"# {chapter_title(chapter)}\n",
        f"The modules that chapter {chapter} adds to `nnlib`.\n",
    ]
    for module in modules:
        lines.append(f"## `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n```\n")
    return "\n".join(lines)


def render_index(pages: dict[int, list[str]]) -> str:
    lines = [HEADER]
    for chapter, modules in pages.items():
        names = ", ".join(f"`{module}`" for module in modules)
        lines.append(f"- {{doc}}`api/{page_name(chapter)}`: {names}")
    return "\n".join(lines) + "\n"


def render() -> dict[Path, str]:
    """Every page of the API reference: path -> text."""
    pages = documented_modules()
    files = {INDEX: render_index(pages)}
    for chapter, modules in pages.items():
        files[FOLDER / f"{page_name(chapter)}.md"] = render_page(chapter, modules)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    files = render()
    extra = sorted(set(FOLDER.glob("*.md")) - set(files)) if FOLDER.exists() else []
    stale = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale + extra:
            print(f"out of date: {path.relative_to(ROOT)} (run python tools/make_api_reference.py)")
        return 1 if stale or extra else 0
    FOLDER.mkdir(exist_ok=True)
    for path in extra:
        path.unlink()
    for path in stale:
        path.write_text(files[path])
    return 0


if __name__ == "__main__":
    sys.exit(main())
