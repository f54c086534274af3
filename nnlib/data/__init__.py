"""Data sets and mini-batch loading, shaped like ``torch.utils.data``."""

from nnlib.data.dataloader import DataLoader, default_collate
from nnlib.data.dataset import Dataset, Subset, TensorDataset, random_split

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]
