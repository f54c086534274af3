"""Gradient clipping: rein in exploding gradients before the optimizer step."""

from __future__ import annotations

import math
from collections.abc import Iterable

from nnlib.tensor import Tensor, tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _as_parameter_list(parameters: Tensor | Iterable[Tensor], function: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{function}: expected Tensors, but got {type(p).__name__}")
    return params


def _norm_order(norm_type: float | str) -> float:
    try:
        return float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(
            f"clip_grad_norm_: norm_type must be a number or 'inf', got {norm_type!r}"
        ) from None


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    r"""Scale all gradients together so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients seen as one long vector
    (computed, like torch, as the norm of the per-parameter norms). If it exceeds
    ``max_norm``, every gradient is multiplied in place by
    :math:`\text{max\_norm} / (\text{total} + 10^{-6})`; otherwise nothing changes.
    The direction of the overall gradient is kept, only its length shrinks.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Tensors whose ``.grad`` to clip; those without a gradient are skipped.
    max_norm : float
        The largest allowed total norm.
    norm_type : float or 'inf', default 2.0
        The order ``p`` of the norm; ``float('inf')`` (or ``'inf'``) means the largest
        absolute entry.
    error_if_nonfinite : bool, default False
        Raise a ``RuntimeError`` if the total norm is NaN or infinite.

    Returns
    -------
    Tensor
        The total norm before clipping, shape ``()``.
    """
    params = _as_parameter_list(parameters, "clip_grad_norm_")
    order = _norm_order(norm_type)
    grads = [p.grad._array for p in params if p.grad is not None]
    if not grads:
        return tensor(0.0)
    xp = params[0].xp

    norms = xp.stack([xp.linalg.norm(g.reshape(-1), order) for g in grads])
    total_norm = xp.asarray(xp.linalg.norm(norms, order))
    if error_if_nonfinite and not math.isfinite(float(total_norm)):
        raise RuntimeError(
            f"The total norm of order {order} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )

    clip_coef = xp.minimum(float(max_norm) / (total_norm + 1e-6), 1.0)
    for g in grads:
        g *= clip_coef
    return tensor(total_norm)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry, in place, into ``[-clip_value, clip_value]``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Tensors whose ``.grad`` to clip; those without a gradient are skipped.
    clip_value : float
        The largest allowed absolute value of a gradient entry (>= 0).
    """
    params = _as_parameter_list(parameters, "clip_grad_value_")
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    for p in params:
        if p.grad is not None:
            g = p.grad._array
            p.xp.clip(g, -clip_value, clip_value, out=g)
