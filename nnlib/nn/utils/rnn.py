"""Batching sequences of different lengths: ``pad_sequence``, as in ``torch.nn.utils.rnn``."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from nnlib.autograd import Function
from nnlib.backend import array_module
from nnlib.tensor import Tensor

__all__ = ["pad_sequence"]


class _PadSequence(Function):
    """Stack sequences ``(L_i, *)`` into ``(B, L_max, *)`` (or time-major), padding the rest."""

    @staticmethod
    def forward(ctx, *sequences, batch_first=False, padding_value=0.0, padding_side="right"):
        xp = array_module(sequences[0])
        lengths = [s.shape[0] for s in sequences]
        longest = max(lengths)
        trailing = sequences[0].shape[1:]
        out = xp.full((len(sequences), longest, *trailing), padding_value, dtype=sequences[0].dtype)
        spans = []
        for b, (seq, length) in enumerate(zip(sequences, lengths, strict=True)):
            start = 0 if padding_side == "right" else longest - length
            out[b, start : start + length] = seq
            spans.append((start, start + length))
        ctx.spans, ctx.batch_first = spans, batch_first
        return out if batch_first else xp.swapaxes(out, 0, 1)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.batch_first:
            grad = array_module(grad).swapaxes(grad, 0, 1)
        return tuple(
            grad[b, start:stop] if need else None
            for b, ((start, stop), need) in enumerate(
                zip(ctx.spans, ctx.needs_input_grad, strict=True)
            )
        )


def pad_sequence(
    sequences: Tensor | Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Pad a list of variable-length sequences to the longest one and stack them.

    Parameters
    ----------
    sequences : list of Tensor, each ``(L_i, *)``
        The trailing dimensions ``*`` and the dtype must agree. (A single Tensor is read as
        the sequence of its rows, as torch does.)
    batch_first : bool, default False
        Return ``(B, L_max, *)`` instead of ``(L_max, B, *)``.
    padding_value : float, default 0
    padding_side : {"right", "left"}, default "right"
        Where the padding goes: after (right) or before (left) each sequence.

    Returns
    -------
    Tensor, ``(L_max, B, *)`` or ``(B, L_max, *)``
        Differentiable with respect to every sequence.
    """
    if padding_side not in ("right", "left"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}"
        )
    if isinstance(padding_value, bool) or not isinstance(padding_value, numbers.Real):
        raise TypeError(f"pad_sequence: padding_value must be a number, got {padding_value!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for k, seq in enumerate(sequences):
        if not isinstance(seq, Tensor):
            raise TypeError(
                f"pad_sequence: expected a list of Tensors, got {type(seq).__name__} at {k}"
            )
        if seq.ndim == 0:
            raise RuntimeError(f"pad_sequence: sequence {k} is a 0-d tensor; expected (L, *)")
        first = sequences[0]
        if seq.shape[1:] != first.shape[1:] or seq.dtype != first.dtype:
            raise RuntimeError(
                f"pad_sequence: every sequence must have the same trailing shape and dtype: "
                f"sequence 0 is {tuple(first.shape)} {first.dtype}, sequence {k} is "
                f"{tuple(seq.shape)} {seq.dtype}"
            )
    return _PadSequence.apply(
        *sequences,
        batch_first=bool(batch_first),
        padding_value=padding_value,
        padding_side=padding_side,
    )
