"""Write ``chapters/api_reference.md``: one autodoc section per nnlib module, grouped by chapter.

    python tools/make_api_reference.py          # rewrite the page
    python tools/make_api_reference.py --check  # exit 1 if the page is out of date

Facades (package ``__init__`` files, ``nnlib.nn.functional``) only re-export and private modules
(``_util``) hold helpers, so both are left out; every other module appears under the chapter that
introduces it (``nnlib.curriculum``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "chapters" / "api_reference.md"

HEADER = """\
# API reference

Every public function and class of `nnlib`, generated from the docstrings in the package and grouped
by the chapter that introduces it. The facades re-export these names: `nnlib.tensor(...)`,
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


def render() -> str:
    from nnlib.curriculum import CHAPTERS

    lines = [HEADER]
    for chapter, modules in documented_modules().items():
        lines.append(f"## Chapter {chapter}: {CHAPTERS[chapter][1]}\n")
        for module in modules:
            lines.append(f"### `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n```\n")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = PAGE.read_text() if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE.name} is out of date: run python tools/make_api_reference.py")
            return 1
        return 0
    PAGE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
