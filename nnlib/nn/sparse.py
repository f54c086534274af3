"""``Embedding``: a lookup table of learned vectors, one row per token id, as in torch.

``embedding(input, weight)`` is ``weight[input]``: row ``k`` of the table is the vector of
token ``k``. Picking rows is the same as multiplying a one-hot vector by the table, so the
gradient of the table is the one-hot matrix transposed times the output gradient: every
occurrence of token ``k`` adds its output gradient into row ``k``. A token that occurs
several times in a batch collects the sum, which ``backward`` computes with one vectorised
scatter-add (``np.add.at``) instead of a one-hot matrix product.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from nnlib.autograd import Function, no_grad
from nnlib.backend import array_module, check_device, device_mismatch, device_of, is_array, move
from nnlib.nn import init
from nnlib.nn.module import Module
from nnlib.nn.parameter import Parameter
from nnlib.tensor import Tensor, empty

__all__ = ["Embedding", "embedding"]


class _EmbeddingFunction(Function):
    """``weight[indices]``; the gradient scatters back into the rows that were picked."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None, scale_grad_by_freq=False):
        xp = array_module(weight)
        ctx.indices, ctx.num_embeddings = indices, weight.shape[0]
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return xp.take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        xp = array_module(grad)
        rows = ctx.indices.reshape(-1)
        grad2d = grad.reshape(rows.shape[0], grad.shape[-1])
        if ctx.scale_grad_by_freq:
            counts = xp.bincount(rows, minlength=ctx.num_embeddings)
            grad2d = grad2d / counts[rows][:, None].astype(grad.dtype)
        grad_weight = xp.zeros((ctx.num_embeddings, grad2d.shape[1]), dtype=grad.dtype)
        xp.add.at(grad_weight, rows, grad2d)  # repeated rows accumulate
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return grad_weight, None


def _check_padding_idx(padding_idx: Any, num_embeddings: int, who: str) -> int | None:
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (numbers.Integral)):
        raise TypeError(f"{who}: padding_idx must be an int or None, got {padding_idx!r}")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"{who}: padding_idx must be within num_embeddings: got padding_idx={padding_idx} "
            f"for num_embeddings={num_embeddings}"
        )
    return int(padding_idx) % num_embeddings


def _index_array(input: Any, weight: Tensor, who: str) -> Any:
    """The indices as an integer array on ``weight``'s device, checked against the table size.

    Indices that are not a tensor (lists, NumPy arrays) are copied to the table's device; a
    tensor on another device than the table raises, as in torch.
    """
    num_embeddings = weight.shape[0]
    device = device_of(weight._array)
    if isinstance(input, Tensor):
        array = input._array
        if device_of(array) != device:
            raise device_mismatch(
                device,
                device_of(array),
                f"{who}: the indices and the weight; move them with .to(device) first",
            )
    else:
        array = move(input if is_array(input) else np.asarray(input), device)
    if array.dtype.kind not in "iu":
        raise RuntimeError(
            f"{who}: expected integer indices (int64 or int32), but got dtype {array.dtype}; "
            "convert them with .long()"
        )
    if array.size:
        xp = array_module(array)
        low, high = int(xp.min(array)), int(xp.max(array))
        if low < 0 or high >= num_embeddings:
            bad = low if low < 0 else high
            raise IndexError(
                f"{who}: index {bad} is out of range for an embedding table of "
                f"num_embeddings={num_embeddings} rows (valid indices: 0 to {num_embeddings - 1})"
            )
    return array


def _renorm_(weight: Tensor, indices: Any, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the rows of ``weight`` in ``indices`` whose norm exceeds ``max_norm``."""
    xp = array_module(indices)
    rows = xp.unique(indices.reshape(-1))
    table = weight._array
    norms = xp.linalg.norm(table[rows].astype(np.float64), ord=norm_type, axis=1)
    too_long = norms > max_norm
    if too_long.any():
        picked = rows[too_long]
        scale = (max_norm / (norms[too_long] + 1e-7)).astype(table.dtype)
        with no_grad():
            weight[picked] = table[picked] * scale[:, None]


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight``: ``weight[input]``.

    Parameters
    ----------
    input : Tensor of int64 or int32
        Indices into the table, any shape.
    weight : Tensor, shape ``(num_embeddings, embedding_dim)``
    padding_idx : int, optional
        This row gets no gradient (its output is still ``weight[padding_idx]``).
    max_norm : float, optional
        Rows picked by ``input`` whose ``norm_type``-norm exceeds ``max_norm`` are rescaled
        to norm ``max_norm`` first, **in place** in ``weight`` (as torch does).
    norm_type : float, default 2
    scale_grad_by_freq : bool, default False
        Divide each row's gradient by how often its index occurs in ``input``.
    sparse : bool, default False
        Only False: nnlib has no sparse gradients (True raises).

    Returns
    -------
    Tensor, shape ``(*input.shape, embedding_dim)``

    Raises
    ------
    IndexError
        For an index outside ``[0, num_embeddings)``, naming the index and the size.
    RuntimeError
        For non-integer indices.
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = getattr(weight, "shape", None)
        raise ValueError(
            f"embedding: weight must be a 2-D Tensor (num_embeddings, embedding_dim), got "
            f"{type(weight).__name__} of shape {shape}"
        )
    if sparse:
        raise NotImplementedError("embedding: sparse=True (sparse gradients) is not supported")
    num_embeddings = weight.shape[0]
    padding_idx = _check_padding_idx(padding_idx, num_embeddings, "embedding")
    indices = _index_array(input, weight, "embedding")
    if max_norm is not None:
        _renorm_(weight, indices, float(max_norm), float(norm_type))
    return _EmbeddingFunction.apply(
        weight, indices, padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq)
    )


class Embedding(Module):
    """A table of ``num_embeddings`` learned vectors of size ``embedding_dim``.

    Parameters
    ----------
    num_embeddings : int
        Size of the vocabulary (rows of the table).
    embedding_dim : int
        Size of each vector.
    padding_idx : int, optional
        That row starts at zero and never gets a gradient, so it stays a fixed "padding"
        vector. Negative values count from the end.
    max_norm, norm_type, scale_grad_by_freq, sparse
        See :func:`embedding`.
    device, dtype : optional
        Where the table lives (``"cpu"``, ``"cuda"``; the default device if omitted) and its
        dtype (``float32`` by default).

    Attributes
    ----------
    weight : Parameter, shape ``(num_embeddings, embedding_dim)``
        Drawn from ``N(0, 1)``, as in torch.

    Shape
    -----
    input: integer tensor of any shape ``(*)`` -> output ``(*, embedding_dim)``.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"Embedding: {name} must be a non-negative int, got {value!r}")
        device = check_device(device)
        if sparse:
            raise NotImplementedError(
                "Embedding: sparse=True (sparse gradients) is not supported by nnlib"
            )
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = _check_padding_idx(padding_idx, self.num_embeddings, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            dtype = np.dtype(np.float32 if dtype is None else dtype)
            shape = (self.num_embeddings, self.embedding_dim)
            table = empty(shape, dtype=dtype, device=device)
            self.weight = Parameter(table, requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(
                    f"Embedding: shape of weight {tuple(_weight.shape)} does not match "
                    f"num_embeddings={self.num_embeddings} and embedding_dim={self.embedding_dim}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw the table from ``N(0, 1)`` and zero the padding row."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An ``Embedding`` whose table is ``embeddings`` (shared, not copied), as in torch.

        Parameters
        ----------
        embeddings : Tensor, shape ``(num_embeddings, embedding_dim)``
        freeze : bool, default True
            Keep the table fixed (``weight.requires_grad = False``).
        padding_idx : int, optional
            That row gets no gradient; unlike a new ``Embedding`` it is not zeroed.
        max_norm, norm_type, scale_grad_by_freq, sparse
            As for :class:`Embedding`.
        """
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError(
                "Embedding.from_pretrained: embeddings are expected to be a 2-dimensional "
                f"Tensor, got shape {getattr(embeddings, 'shape', None)}"
            )
        rows, cols = embeddings.shape
        return cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )
