"""The book builds with warnings as errors, and the HTML has what a reader needs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnlib.curriculum import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import make_api_reference  # noqa: E402


def test_api_reference_page_is_current() -> None:
    assert make_api_reference.main(["--check"]) == 0


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(ROOT), "--path-output", str(out)]
    command += ["--warningiserror", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        "the book does not build cleanly:\n" + result.stdout[-4000:] + result.stderr[-4000:]
    )
    yield out / "_build" / "html"
    shutil.rmtree(out, ignore_errors=True)


@pytest.mark.slow
def test_intro_and_chapters_are_built(html: Path) -> None:
    assert (html / "intro.html").exists()
    for stem, title in CHAPTERS.values():
        page = html / "chapters" / f"{stem}.html"
        assert page.exists(), f"missing chapter page {page.name}"
        text = page.read_text()
        assert title.split()[0] in text
        assert "colab.research.google.com" in text, f"{stem}: no Colab link"


@pytest.mark.slow
def test_chapter_figures_are_in_the_html(html: Path) -> None:
    for stem, _ in CHAPTERS.values():
        text = (html / "chapters" / f"{stem}.html").read_text()
        images = re.findall(r'<img[^>]+src="([^"]+\.png)"', text)
        assert images, f"{stem}: no figures in the HTML"
        for src in images:
            assert (html / "chapters" / src).resolve().exists(), f"{stem}: broken image {src}"


@pytest.mark.slow
def test_api_reference_documents_every_module(html: Path) -> None:
    text = (html / "chapters" / "api_reference.html").read_text()
    for modules in make_api_reference.documented_modules().values():
        for module in modules:
            assert f'id="module-{module}"' in text, f"API reference lacks {module}"
    assert 'id="nnlib.perceptron.Perceptron"' in text


@pytest.mark.slow
def test_bibliography_lists_the_papers(html: Path) -> None:
    text = (html / "chapters" / "bibliography.html").read_text()
    for phrase in ["The perceptron", "Learning representations by back-propagating errors"]:
        assert phrase in text, f"bibliography lacks {phrase!r}"
