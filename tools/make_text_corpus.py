"""Build ``nnlib/datasets/data/nnfp_prose.txt``: the prose of chapters 1-5, a corpus for chapter 7.

Run from the repository root::

    python tools/make_text_corpus.py

Chapter 7 trains a character-level language model offline, so it needs a text that ships with the
package. The book's own prose is such a text: it is ours (CC BY 4.0), plain English with some
technical vocabulary, and about 80 000 characters long. The script keeps the Markdown cells of
chapters 1 to 5 and removes what is not prose: display math, code blocks, tables, images,
MyST directives and citation roles. Links keep their text; typographic characters are replaced by
ASCII ones (``"é"`` -> ``"e"``, ``"-"`` for dashes), and anything else outside printable ASCII
is dropped, which keeps the vocabulary small. The output is deterministic; the script prints its
SHA-256, which ``nnlib.datasets.text.load_book_text`` checks.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "nnlib" / "datasets" / "data" / "nnfp_prose.txt"
CHAPTERS = [
    "01_perceptrons",
    "02_backpropagation",
    "03_activations",
    "04_optimization",
    "05_overfitting",
]

DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.S | re.M)
ROLE = re.compile(r"\{(cite|cite:p|cite:t|numref|ref|eq)\}`[^`]*`")
DOC_ROLE = re.compile(r"\{doc\}`([^`<]*?)(?:<[^>]*>)?`")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
REPLACEMENTS = {"\u2013": "-", "\u2014": " - ", "\u2212": "-", "\u2018": "'", "\u2019": "'"}
REPLACEMENTS |= {"\u201c": '"', "\u201d": '"', "\u2026": "...", "\u00d7": "x", "\u00b1": "+-"}


def chapter_prose(stem: str) -> str:
    """The cleaned Markdown of one chapter notebook."""
    cells = json.loads((ROOT / "chapters" / f"{stem}.ipynb").read_text())["cells"]
    text = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    text = DISPLAY_MATH.sub("", text)
    text = FENCE.sub("", text)
    text = IMAGE.sub("", text)
    text = ROLE.sub("", text)
    text = DOC_ROLE.sub(r"\1", text)
    text = LINK.sub(r"\1", text)
    lines = [ln.rstrip() for ln in text.splitlines()]
    lines = [ln for ln in lines if not ln.lstrip().startswith(("|", ":", "<"))]
    text = "\n".join(lines)
    text = re.sub(r"[ \n]+(?=[.,;](\s|$))", "", text)  # where a citation was removed
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def to_ascii(text: str) -> str:
    """Replace typography by ASCII and drop what has no ASCII form."""
    for old, new in REPLACEMENTS.items():
        text = text.replace(old, new)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch == "\n" or 32 <= ord(ch) < 127)


def main() -> None:
    corpus = "\n".join(to_ascii(chapter_prose(stem)) for stem in CHAPTERS)
    OUTPUT.write_text(corpus, encoding="ascii", newline="\n")
    digest = hashlib.sha256(corpus.encode("ascii")).hexdigest()
    print(
        f"wrote {OUTPUT.relative_to(ROOT)}: {len(corpus)} characters, "
        f"{len(set(corpus))} distinct; SHA-256 {digest}"
    )


if __name__ == "__main__":
    main()
