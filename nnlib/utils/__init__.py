"""``nnlib.utils``: where torch programs find ``utils.data``.

``nnlib.utils.data`` re-exports :mod:`nnlib.data` (the same classes), so
``from nnlib.utils.data import DataLoader, TensorDataset`` ports ``torch.utils.data`` code by
changing only the import. ``make_grid`` (chapter 8, :mod:`nnlib.image_grid`) has the name and
arguments of ``torchvision.utils.make_grid``.
"""

from nnlib.image_grid import make_grid
from nnlib.utils import data

__all__ = ["data", "make_grid"]
