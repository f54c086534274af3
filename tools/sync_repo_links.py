"""Write the repository URL and branch from ``_config.yml`` into the chapters and the README.

``_config.yml`` is the one place where the repository is named. This script regenerates, from it,
each chapter's Open-in-Colab badge (first markdown cell), its setup cell (first code cell), the
README's block between ``<!-- repo-links:start -->`` and ``<!-- repo-links:end -->``, and the
clone and install commands of ``chapters/how_to_use.md``.

    python tools/sync_repo_links.py          # rewrite what is out of date
    python tools/sync_repo_links.py --check  # exit 1 and list what is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
README_BLOCK = re.compile(r"(<!-- repo-links:start -->\n).*?(<!-- repo-links:end -->)", re.S)
CITATION_URL = re.compile(r"(  url    = \{)[^}]*(\})")
CLONE = re.compile(r"(^git clone ).*(\n)", re.M)
CLONE_CD = re.compile(r"(^git clone .*\ncd ).*(\n)", re.M)
PIP_GIT = re.compile(r'(pip install "nnlib @ git\+)[^"]*(")')

#: The first code cell of every chapter. It is already in ``ruff format``'s shape (the magic
#: trailing comma keeps the call exploded whatever the URL's length), so formatting the chapters
#: never changes it. It installs nnlib without the ``torch`` extra: Colab's own PyTorch runs the
#: cross-checks, and pip does not replace it.
SETUP_CELL = """\
# Setup: works locally and on Colab. Where nnlib is not importable (a fresh Colab runtime),
# install it from the book's repository; NNLIB_SOURCE overrides where it comes from.
import importlib.util
import os
import subprocess
import sys

NNLIB_SOURCE = os.environ.get(
    "NNLIB_SOURCE",
    "nnlib @ git+{url}@{branch}",
)
if importlib.util.find_spec("nnlib") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", NNLIB_SOURCE], check=True)"""


def repository() -> tuple[str, str]:
    """(url, branch) of the repository, from ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/"), config["repository"]["branch"]


def colab_url(notebook: Path) -> str:
    """Colab's address for a repository notebook: ``.../github/OWNER/REPO/blob/BRANCH/PATH``."""
    url, branch = repository()
    owner_repo = url.removeprefix("https://github.com/")
    path = notebook.resolve().relative_to(ROOT).as_posix()
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"


def badge(notebook: Path) -> str:
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({colab_url(notebook)})"


def setup_source() -> str:
    url, branch = repository()
    return SETUP_CELL.format(url=url, branch=branch)


def readme_block() -> str:
    url, branch = repository()
    return (
        f"- Repository: <{url}> (branch `{branch}`)\n"
        f'- Install the library alone: `pip install "nnlib @ git+{url}@{branch}"`\n'
        f"- Open a chapter on Colab: <{colab_url(ROOT / 'chapters' / '01_perceptrons.ipynb')}>\n"
    )


def sync_notebook(path: Path, write: bool) -> list[str]:
    """Bring one notebook's badge and setup cell up to date; return what was stale."""
    nb = nbformat.read(path, as_version=4)
    stale = []
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    if not BADGE.search(first_md.source):
        raise SystemExit(f"{path}: the first markdown cell has no Open-in-Colab badge")
    new_md = BADGE.sub(lambda _: badge(path), first_md.source)
    if new_md != first_md.source:
        stale.append(f"{path.name}: Colab badge")
        first_md.source = new_md
    if first_code.source != setup_source():
        stale.append(f"{path.name}: setup cell")
        first_code.source = setup_source()
    if stale and write:
        nbformat.write(nb, path)
    return stale


def _sync_text(path: Path, pattern: re.Pattern, replacement: str, write: bool) -> list[str]:
    text = path.read_text()
    if not pattern.search(text):
        raise SystemExit(f"{path.name}: the repository-link marker is missing")
    new = pattern.sub(lambda m: m.group(1) + replacement + m.group(2), text)
    if new == text:
        return []
    if write:
        path.write_text(new)
    return [f"{path.name}: repository links"]


def sync_readme(write: bool) -> list[str]:
    url, _ = repository()
    stale = _sync_text(ROOT / "README.md", README_BLOCK, readme_block(), write)
    return stale + _sync_text(ROOT / "intro.md", CITATION_URL, url, write)


def sync_how_to_use(write: bool) -> list[str]:
    """The clone and install commands of ``chapters/how_to_use.md``."""
    url, branch = repository()
    path = ROOT / "chapters" / "how_to_use.md"
    stale = []
    for pattern, value in [
        (CLONE, url),
        (CLONE_CD, url.rsplit("/", 1)[-1]),
        (PIP_GIT, f"{url}@{branch}"),
    ]:
        stale += _sync_text(path, pattern, value, write)
    return sorted(set(stale))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    stale = sync_readme(write=not args.check) + sync_how_to_use(write=not args.check)
    for notebook in sorted((ROOT / "chapters").glob("*.ipynb")):
        stale += sync_notebook(notebook, write=not args.check)
    for item in stale:
        print(("out of date: " if args.check else "updated: ") + item)
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
