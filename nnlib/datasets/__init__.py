"""Data sets: toy problems made on the fly and real data sets loaded from disk.

A facade: every name is defined in the module of the chapter that introduces it
(see :mod:`nnlib.curriculum`).
"""

from nnlib.datasets.digits import load_digits
from nnlib.datasets.idx import read_idx, write_idx
from nnlib.datasets.mnist import FASHION_CLASSES, load_fashion_mnist, load_mnist
from nnlib.datasets.sequences import make_adding_problem, make_copy_task
from nnlib.datasets.text import load_book_text
from nnlib.datasets.toy import make_blobs, make_circles, make_moons, make_spirals, make_xor

__all__ = [
    "FASHION_CLASSES",
    "load_book_text",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "make_adding_problem",
    "make_blobs",
    "make_circles",
    "make_copy_task",
    "make_moons",
    "make_spirals",
    "make_xor",
    "read_idx",
    "write_idx",
]
