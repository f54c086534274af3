"""``nnlib.utils.data``: :mod:`nnlib.data`'s objects under torch's ``torch.utils.data`` path."""

from nnlib.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]
