"""``Unflatten``: split one dimension into several, the inverse of ``Flatten``.

A convolutional network flattens its feature maps ``(N, C, H, W) -> (N, C*H*W)`` before the
fully connected layers (:class:`~nnlib.nn.activation.Flatten`); a decoder that goes the other
way, from a vector back to feature maps, unflattens ``(N, C*H*W) -> (N, C, H, W)``.
"""

from __future__ import annotations

import math
from typing import Any

from nnlib.nn.fold import _is_int
from nnlib.nn.module import Module
from nnlib.tensor import Tensor

__all__ = ["Unflatten"]


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``, like ``torch.nn.Unflatten``.

    Parameters
    ----------
    dim : int
        The dimension to split (negative counts from the end).
    unflattened_size : tuple of ints
        The new sizes; their product must be the size of ``dim``. One entry may be ``-1``
        (inferred).

    Shape
    -----
    ``(*, S, *)`` -> ``(*, U_1, ..., U_k, *)`` with ``prod(U) = S``.

    Examples
    --------
    >>> Unflatten(1, (2, 5))(x).shape   # x of shape (3, 10)
    (3, 2, 5)
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        if not _is_int(dim):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
            map(_is_int, unflattened_size)
        ):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}"
            )
        if not unflattened_size:
            raise ValueError("Unflatten: unflattened_size must not be empty")
        if sum(s == -1 for s in unflattened_size) > 1 or any(s < -1 for s in unflattened_size):
            raise ValueError(
                "Unflatten: unflattened_size may contain one -1 and otherwise non-negative "
                f"sizes, got {unflattened_size!r}"
            )
        self.dim = int(dim)
        self.unflattened_size = tuple(int(s) for s in unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = tuple(input.shape)
        ndim = len(shape)
        dim = self.dim + ndim if self.dim < 0 else self.dim
        if not 0 <= dim < ndim:
            raise IndexError(
                f"{self!r}: dim {self.dim} is out of range for an input of shape {shape} "
                f"({ndim} dimensions)"
            )
        sizes = self.unflattened_size
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if known == 0 or shape[dim] % known:
                raise ValueError(
                    f"{self!r}: cannot split dimension {dim} of size {shape[dim]} into {sizes}"
                )
            sizes = tuple(shape[dim] // known if s == -1 else s for s in sizes)
        elif known != shape[dim]:
            raise ValueError(
                f"{self!r}: the sizes {sizes} multiply to {known}, but dimension {dim} of the "
                f"input (shape {shape}) has size {shape[dim]}"
            )
        return input.reshape(shape[:dim] + sizes + shape[dim + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
