"""Parameter-free layers of chapter 2: the activations ``ReLU``, ``Sigmoid``, ``Tanh``,
and the shape helpers ``Identity`` and ``Flatten``.

Each is a thin module around a Tensor op, so it can sit inside a ``Sequential``.
"""

from __future__ import annotations

from typing import Any

from nnlib.nn.module import Module
from nnlib.tensor import Tensor

__all__ = ["Flatten", "Identity", "ReLU", "Sigmoid", "Tanh"]


class ReLU(Module):
    """``max(0, x)`` elementwise. Shape: any -> same.

    Parameters
    ----------
    inplace : bool, default False
        Write the result into the input, as torch does (autograd records the change).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return input.relu_() if self.inplace else input.relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise. Shape: any -> same."""

    def forward(self, input: Tensor) -> Tensor:
        return input.sigmoid()


class Tanh(Module):
    """``tanh(x)`` elementwise. Shape: any -> same."""

    def forward(self, input: Tensor) -> Tensor:
        return input.tanh()


class Identity(Module):
    """Return the input unchanged (a placeholder layer); any arguments are ignored, as in torch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` into one: ``(N, C, H, W) -> (N, C*H*W)`` by default.

    Parameters
    ----------
    start_dim : int, default 1
        First dimension to merge (dimension 0, the batch, is kept by default).
    end_dim : int, default -1
        Last dimension to merge (inclusive).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        shape = tuple(input.shape)
        ndim = max(len(shape), 1)  # a scalar flattens like a 1-element vector
        start = self.start_dim + ndim if self.start_dim < 0 else self.start_dim
        end = self.end_dim + ndim if self.end_dim < 0 else self.end_dim
        if not (0 <= start < ndim and 0 <= end < ndim):
            raise IndexError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}): dimension out of "
                f"range for an input of shape {shape} ({len(shape)} dimensions)"
            )
        if start > end:
            raise ValueError(
                f"Flatten: start_dim ({self.start_dim}) comes after end_dim ({self.end_dim}) "
                f"for an input of shape {shape}"
            )
        if not shape:
            return input.reshape(1)
        merged = 1
        for size in shape[start : end + 1]:
            merged *= size
        return input.reshape(shape[:start] + (merged,) + shape[end + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
