"""A text that ships with nnlib: the prose of the book's chapters 1 to 5.

Chapter 7 trains a character-level language model, which needs a corpus that is available
offline. The book's own text is one: ``nnlib/datasets/data/nnfp_prose.txt`` holds the Markdown
prose of chapters 1 to 5 (about 91 000 ASCII characters), with the math, code, tables and
citations taken out by ``tools/make_text_corpus.py``. Like the book, it is licensed under
CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). The file is checked against a SHA-256
on every load.

To turn the text into numbers, see :class:`nnlib.text.CharTokenizer`.
"""

from __future__ import annotations

from nnlib.datasets.packaged import read_packaged_file

__all__ = ["BOOK_TEXT_SHA256", "load_book_text"]

#: SHA-256 of ``nnlib/datasets/data/nnfp_prose.txt`` (printed by ``tools/make_text_corpus.py``).
BOOK_TEXT_SHA256 = "31c745cd5379fefcd3bbf94dc5d951e023679508f3095a3b28d238b0160ac6be"


def load_book_text() -> str:
    """Return the prose of the book's chapters 1 to 5 as one string.

    Returns
    -------
    str
        About 91 000 characters of printable ASCII and newlines; paragraphs are separated by
        blank lines, chapters start with their Markdown title (``"# 1. Perceptrons"``).

    Raises
    ------
    FileNotFoundError
        If the data file is missing from the installed package.
    RuntimeError
        If the file does not have the expected SHA-256 (a damaged or edited copy).

    Examples
    --------
    >>> text = load_book_text()
    >>> text[:16]
    '# 1. Perceptrons'
    """
    data = read_packaged_file(
        "nnfp_prose.txt", BOOK_TEXT_SHA256, "text file", "tools/make_text_corpus.py"
    )
    return data.decode("ascii")
