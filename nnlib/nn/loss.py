"""Loss functions, as functions (``mse_loss``) and as modules (``MSELoss``), with torch's semantics.

Each loss is one autograd Function with a hand-written backward. The classification losses
work from logits in a numerically stable way: ``cross_entropy`` uses ``log_softmax``
(subtracting the row maximum before ``exp``) and ``binary_cross_entropy_with_logits`` uses
``log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|))``, so logits of +-1000 give finite
losses and gradients.

Every loss takes ``reduction``: ``"mean"`` (default), ``"sum"`` or ``"none"`` (per element).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.autograd import Function
from nnlib.backend import array_module, device_mismatch, is_array
from nnlib.nn.module import Module
from nnlib.tensor import Tensor, tensor

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "MSELoss",
    "NLLLoss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "mse_loss",
    "nll_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------- checks
def _check_reduction(where: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _as_tensor(where: str, name: str, value: Any, input: Any = None) -> Tensor:
    """Accept a Tensor or an array (a constant Tensor on ``input``'s device)."""
    if isinstance(value, Tensor):
        return value
    if is_array(value):
        return tensor(value, device=input.device if isinstance(input, Tensor) else None)
    raise TypeError(f"{where}: {name} must be an nnlib Tensor, got {type(value).__name__}")


def _array_on_device_of(where: str, name: str, t: Tensor, input: Tensor) -> Any:
    """The array of ``t``, which must be on ``input``'s device (a 0-d CPU tensor is moved).

    The losses pass targets and weights to their Functions as plain arrays, which the
    autograd's device check does not see: this is that check, with torch's message.
    """
    if t.device == input.device:
        return t._array
    if t.device == "cpu" and t.ndim == 0:
        return t.to(input.device)._array
    raise device_mismatch(input.device, t.device, f"{where}: move {name} with .to(device) first")


def _check_input(where: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{where}: input must be an nnlib Tensor, got {type(input).__name__}")
    _check_floating(where, "input", input)


def _check_floating(where: str, name: str, t: Tensor) -> None:
    if t.dtype.kind != "f":
        raise TypeError(f"{where}: {name} must have a floating point dtype, got {t.dtype}")


def _float_operand(where: str, name: str, value: Any, input: Tensor) -> Tensor | np.ndarray:
    """A floating target for ``input``: cast to ``input``'s dtype unless it needs a gradient.

    A target that requires grad is passed as a Tensor (the loss differentiates it too) and
    must already have ``input``'s dtype; otherwise its array is cast and passed as a constant.
    """
    t = _as_tensor(where, name, value, input)
    if t.requires_grad:
        _check_floating(where, name, t)
        if t.dtype != input.dtype:
            raise TypeError(
                f"{where}: {name} requires grad and has dtype {t.dtype}, but input has dtype "
                f"{input.dtype}; they must match"
            )
        return t
    return _array_on_device_of(where, name, t, input).astype(input.dtype, copy=False)


def _constant(where: str, name: str, value: Any, input: Tensor) -> np.ndarray | None:
    """An optional weight-like argument as an array of ``input``'s dtype (never differentiated)."""
    if value is None:
        return None
    t = _as_tensor(where, name, value, input)
    if t.requires_grad:
        raise RuntimeError(
            f"{where}: gradients with respect to {name} are not supported (as in torch); "
            f"pass {name}.detach()"
        )
    return _array_on_device_of(where, name, t, input).astype(input.dtype, copy=False)


def _reduce(losses: Any, reduction: str, denominator: Any = None) -> Any:
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    count = losses.size if denominator is None else denominator
    with np.errstate(invalid="ignore", divide="ignore"):  # empty batch -> nan, as in torch
        return total / count


def _grad_scale(grad_output: Any, reduction: str, denominator: Any) -> Any:
    """d(reduced loss)/d(per-element loss): 1/denominator (mean), 1 (sum) or elementwise.

    When nothing counts (an empty batch, every sample ignored) the mean is nan, but its
    gradient is zero, as in torch.
    """
    if reduction == "mean":
        return grad_output * 0 if denominator == 0 else grad_output / denominator
    return grad_output


# ------------------------------------------------------------------------------ MSE
class _MSELoss(Function):
    @staticmethod
    def forward(ctx, input, target, reduction):
        diff = input - target
        ctx.save_for_backward(diff)
        ctx.reduction = reduction
        return _reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        (diff,) = ctx.saved_tensors
        scale = _grad_scale(grad_output, ctx.reduction, diff.size)
        grad = (2 * scale) * diff
        need_input, need_target = ctx.needs_input_grad
        return (grad if need_input else None), (-grad if need_target else None)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2``, reduced.

    Parameters
    ----------
    input : Tensor, any shape
    target : Tensor, same shape as ``input``
        Unlike torch (which broadcasts with a warning), a different shape is an error:
        ``(N, 1)`` against ``(N,)`` would silently broadcast to ``(N, N)``.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        Scalar, or ``input``'s shape for ``reduction="none"``.
    """
    _check_reduction("mse_loss", reduction)
    _check_input("mse_loss", input)
    target_tensor = _as_tensor("mse_loss", "target", target, input)
    if tuple(target_tensor.shape) != tuple(input.shape):
        raise ValueError(
            f"mse_loss: input shape {tuple(input.shape)} and target shape "
            f"{tuple(target_tensor.shape)} differ; they must match (reshape one of them, e.g. "
            f"target.reshape{tuple(input.shape)})"
        )
    return _MSELoss.apply(
        input, _float_operand("mse_loss", "target", target_tensor, input), reduction=reduction
    )


# -------------------------------------------------------------------- cross entropy
def _classes_last(x: Any) -> Any:
    """``(N, C, d1, ...)`` -> ``(N*d1*..., C)``; ``(C,)`` (one unbatched sample) -> ``(1, C)``."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim == 2:  # already classes-last (skipping moveaxis saves microseconds per call)
        return x
    xp = array_module(x)
    return xp.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _classes_back(grad_2d: Any, shape: tuple[int, ...]) -> Any:
    """Inverse of :func:`_classes_last`."""
    if len(shape) <= 2:
        return grad_2d.reshape(shape)
    xp = array_module(grad_2d)
    moved = grad_2d.reshape((shape[0],) + shape[2:] + (shape[1],))
    return xp.moveaxis(moved, -1, 1)


def _log_softmax_rows(x: Any) -> Any:
    """Stable ``log_softmax`` along axis 1 of a 2-D array."""
    xp = array_module(x)
    shifted = x - x.max(axis=1, keepdims=True)
    shifted -= xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def _index_weights(target: Any, weight: Any, ignore_index: int, dtype: Any) -> tuple[Any, ...]:
    """For flat class indices ``(M,)``: indices safe to gather with (ignored ones set to 0),
    the 0/1 mask of kept samples, and the per-sample weight ``w[target]`` (0 where ignored)."""
    xp = array_module(target)
    kept = target != ignore_index
    keep = kept.astype(dtype)
    safe = xp.where(kept, target, 0)
    sample_weight = keep if weight is None else weight[safe] * keep
    return safe, keep, sample_weight


class _CrossEntropyIndices(Function):
    """Cross entropy of logits ``(M, C)`` against class indices ``(M,)`` (flattened)."""

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, reduction, label_smoothing):
        xp = array_module(input)
        logits = _classes_last(input)
        rows, classes = logits.shape
        logp = _log_softmax_rows(logits)
        safe, keep, sample_weight = _index_weights(
            target.reshape(-1), weight, ignore_index, logp.dtype
        )
        losses = -sample_weight * logp[xp.arange(rows), safe]
        if label_smoothing:
            # The smoothed target puts label_smoothing / C on every class (times its weight).
            spread = logp.sum(axis=1) if weight is None else (logp * weight).sum(axis=1)
            losses = (1 - label_smoothing) * losses - (label_smoothing / classes) * spread * keep
        ctx.save_for_backward(logp, safe, keep, sample_weight)
        ctx.options = (input.shape, weight, reduction, label_smoothing)
        ctx.denominator = sample_weight.sum()
        return _reduce(losses.reshape(target.shape), reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad_output):
        if not ctx.needs_input_grad[0]:
            return None, None
        xp = array_module(grad_output)
        logp, safe, keep, sample_weight = ctx.saved_tensors
        shape, weight, reduction, smoothing = ctx.options
        rows, classes = logp.shape
        scale = _grad_scale(grad_output, reduction, ctx.denominator)
        if scale.ndim:  # reduction="none": one scale per sample (a scalar broadcasts as it is)
            scale = scale.reshape(rows)
        # d loss_i / d logit_ij = sum_k(q_ik) * p_ij - q_ij, with q_i the (weighted,
        # smoothed) target distribution of sample i.
        hit = (1 - smoothing) * sample_weight if smoothing else sample_weight
        total_q = hit
        if smoothing:
            class_weight_sum = classes if weight is None else weight.sum()
            total_q = hit + (smoothing / classes) * class_weight_sum * keep
        grad = xp.exp(logp)
        grad *= (scale * total_q)[:, None]
        grad[xp.arange(rows), safe] -= scale * hit
        if smoothing:
            spread = (smoothing / classes) * (scale * keep)[:, None]
            grad -= spread if weight is None else spread * weight
        return _classes_back(grad, shape), None


class _CrossEntropyProbs(Function):
    """Cross entropy of logits against class probabilities of the same shape."""

    @staticmethod
    def forward(ctx, input, target, weight, reduction, label_smoothing):
        logits = _classes_last(input)
        rows, classes = logits.shape
        logp = _log_softmax_rows(logits)
        q = _classes_last(target)
        if label_smoothing:
            q = (1 - label_smoothing) * q + label_smoothing / classes
        if weight is not None:
            q = q * weight
        losses = -(q * logp).sum(axis=1)
        ctx.save_for_backward(logp, q)
        ctx.options = (input.shape, weight, reduction, label_smoothing)
        loss_shape = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
        return _reduce(losses.reshape(loss_shape), reduction, rows)

    @staticmethod
    def backward(ctx, grad_output):
        logp, q = ctx.saved_tensors
        shape, weight, reduction, smoothing = ctx.options
        rows = logp.shape[0]
        scale = _grad_scale(grad_output, reduction, rows)
        scale = scale.reshape(-1, 1) if scale.ndim else scale
        need_input, need_target = ctx.needs_input_grad
        grad_input = grad_target = None
        if need_input:
            xp = array_module(logp)
            grad_input = _classes_back(
                scale * (q.sum(axis=1, keepdims=True) * xp.exp(logp) - q), shape
            )
        if need_target:
            factor = -(1 - smoothing) * scale * logp
            grad_target = _classes_back(factor if weight is None else factor * weight, shape)
        return grad_input, grad_target


def _check_class_input(where: str, input: Tensor, weight: Any) -> int:
    """Validate logits ``(N, C, ...)`` or ``(C,)`` and return C."""
    _check_input(where, input)
    if input.ndim == 0:
        raise ValueError(f"{where}: input must have shape (N, C), (N, C, d1, ...) or (C,), got ()")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is not None and tuple(weight.shape) != (classes,):
        raise ValueError(
            f"{where}: weight must have shape ({classes},), one entry per class of input "
            f"{tuple(input.shape)}, got {tuple(weight.shape)}"
        )
    return classes


def _check_indices(where: str, input: Tensor, target: Tensor, ignore_index: int) -> None:
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    expected = tuple(input.shape[:1] + input.shape[2:]) if input.ndim > 1 else ()
    if tuple(target.shape) != expected:
        raise ValueError(
            f"{where}: class-index target must have shape {expected} for input of shape "
            f"{tuple(input.shape)}, got target shape {tuple(target.shape)}"
        )
    values = target._array
    if values.size == 0 or (values.min() >= 0 and values.max() < classes):
        return  # the common case, checked with two cheap reductions
    bad = (values != ignore_index) & ((values < 0) | (values >= classes))
    if bad.any():
        first = int(values[bad].ravel()[0])
        raise IndexError(
            f"{where}: target contains class index {first}, but the input has "
            f"C={classes} classes (valid indices are 0..{classes - 1}, or "
            f"ignore_index={ignore_index})"
        )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between the softmax of ``input`` (logits) and ``target``.

    Parameters
    ----------
    input : Tensor, shape ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``
        Unnormalised scores (logits); the class dimension is dimension 1.
    target : Tensor
        Either class indices of an integer dtype, shape ``(N,)`` / ``(N, d1, ...)`` / ``()``,
        or class probabilities of a floating dtype with ``input``'s shape.
    weight : Tensor, shape ``(C,)``, optional
        A rescaling weight per class.
    ignore_index : int, default -100
        Index targets equal to it contribute neither loss nor gradient (index targets
        only; any other value with probability targets is an error, as in torch).
    reduction : {"mean", "sum", "none"}
        With index targets, ``"mean"`` is the weighted mean
        ``sum_i w[t_i] * loss_i / sum_i w[t_i]`` over non-ignored samples (torch's rule);
        with probability targets it divides by the number of samples ``N*d1*...``.
    label_smoothing : float in [0, 1], default 0
        Mix the target with the uniform distribution: ``(1 - s) * target + s / C``.

    Returns
    -------
    Tensor
        Scalar, or the per-sample losses (``(N, d1, ...)``) for ``reduction="none"``.

    Notes
    -----
    The arguments after ``weight`` are keyword-only: torch's deprecated ``size_average``
    and ``reduce`` sit between them positionally, so positional calls would not port.
    """
    where = "cross_entropy"
    _check_reduction(where, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {label_smoothing}")
    weight_tensor = None if weight is None else _as_tensor(where, "weight", weight, input)
    _check_class_input(where, input, weight_tensor)
    weight_array = _constant(where, "weight", weight_tensor, input)
    target_tensor = _as_tensor(where, "target", target, input)
    if target_tensor.dtype.kind == "f":
        if tuple(target_tensor.shape) != tuple(input.shape):
            expected = tuple(input.shape[:1] + input.shape[2:]) if input.ndim > 1 else ()
            raise ValueError(
                f"{where}: got a floating ({target_tensor.dtype}) target of shape "
                f"{tuple(target_tensor.shape)} for input of shape {tuple(input.shape)}. Class "
                f"indices must be integers of shape {expected} (convert with target.long()); "
                "class probabilities must have the input's shape"
            )
        if ignore_index != -100:
            raise ValueError(
                f"{where}: ignore_index={ignore_index} applies to class-index targets only, "
                "not to class probabilities (as in torch)"
            )
        probs = _float_operand(where, "target", target_tensor, input)
        return _CrossEntropyProbs.apply(
            input, probs, weight=weight_array, reduction=reduction, label_smoothing=label_smoothing
        )
    if target_tensor.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: target must hold integer class indices or floating class probabilities, "
            f"got dtype {target_tensor.dtype}"
        )
    _check_indices(where, input, target_tensor, ignore_index)
    return _CrossEntropyIndices.apply(
        input,
        _array_on_device_of(where, "target", target_tensor, input),
        weight=weight_array,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


class _NLLLoss(Function):
    """Negative log-likelihood of log-probabilities ``(M, C)`` at class indices ``(M,)``."""

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, reduction):
        xp = array_module(input)
        logp = _classes_last(input)
        safe, _, sample_weight = _index_weights(
            target.reshape(-1), weight, ignore_index, logp.dtype
        )
        losses = -sample_weight * logp[xp.arange(logp.shape[0]), safe]
        ctx.save_for_backward(safe, sample_weight)
        ctx.options = (input.shape, logp.shape, reduction)
        ctx.denominator = sample_weight.sum()
        return _reduce(losses.reshape(target.shape), reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad_output):
        if not ctx.needs_input_grad[0]:
            return None, None
        xp = array_module(grad_output)
        safe, sample_weight = ctx.saved_tensors
        shape, flat_shape, reduction = ctx.options
        scale = _grad_scale(grad_output, reduction, ctx.denominator)
        grad = xp.zeros(flat_shape, dtype=sample_weight.dtype)
        grad[xp.arange(flat_shape[0]), safe] = -(scale.reshape(-1) * sample_weight)
        return _classes_back(grad, shape), None


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: ``-input[i, target[i]]`` (input holds log-probabilities).

    ``cross_entropy(x, t) == nll_loss(log_softmax(x, dim=1), t)``. Shapes, ``weight``,
    ``ignore_index`` and the weighted ``"mean"`` are as in :func:`cross_entropy` with
    class-index targets.
    """
    where = "nll_loss"
    _check_reduction(where, reduction)
    weight_tensor = None if weight is None else _as_tensor(where, "weight", weight, input)
    _check_class_input(where, input, weight_tensor)
    weight_array = _constant(where, "weight", weight_tensor, input)
    target_tensor = _as_tensor(where, "target", target, input)
    if target_tensor.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: target must hold integer class indices, got dtype {target_tensor.dtype} "
            "(convert with target.long())"
        )
    _check_indices(where, input, target_tensor, ignore_index)
    return _NLLLoss.apply(
        input,
        _array_on_device_of(where, "target", target_tensor, input),
        weight=weight_array,
        ignore_index=ignore_index,
        reduction=reduction,
    )


# ------------------------------------------------------------ binary cross entropy
class _BCEWithLogits(Function):
    @staticmethod
    def forward(ctx, input, target, weight, pos_weight, reduction):
        xp = array_module(input)
        # softplus(-x) = log(1 + exp(-x)), written so that exp never overflows.
        softplus_neg = xp.maximum(-input, 0) + xp.log1p(xp.exp(-xp.abs(input)))
        if pos_weight is None:
            losses = (1 - target) * input + softplus_neg
        else:
            losses = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(input, target)
        ctx.options = (weight, pos_weight, reduction)
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        xp = array_module(grad_output)
        input, target = ctx.saved_tensors
        weight, pos_weight, reduction = ctx.options
        scale = _grad_scale(grad_output, reduction, input.size)
        if weight is not None:
            scale = scale * weight
        need_input, need_target = ctx.needs_input_grad
        grad_input = grad_target = None
        if need_input:
            small = xp.exp(-xp.abs(input))  # sigmoid without overflow, for either sign
            sigmoid = xp.where(input >= 0, 1, small) / (1 + small)
            if pos_weight is None:
                grad_input = scale * (sigmoid - target)
            else:
                coefficient = 1 + (pos_weight - 1) * target
                grad_input = scale * ((1 - target) + coefficient * (sigmoid - 1))
        if need_target:
            grad_target = -scale * input
            if pos_weight is not None:
                softplus_neg = xp.maximum(-input, 0) + xp.log1p(xp.exp(-xp.abs(input)))
                grad_target = grad_target + scale * (pos_weight - 1) * softplus_neg
        return grad_input, grad_target


def _check_broadcasts_to(where: str, name: str, value: np.ndarray | None, shape: tuple) -> None:
    if value is None:
        return
    try:
        result = np.broadcast_shapes(value.shape, shape)
    except ValueError:
        result = None
    if result != shape:
        raise ValueError(
            f"{where}: {name} of shape {value.shape} does not broadcast to the input shape {shape}"
        )


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)`` against ``target``, computed stably from logits.

    ``loss = -w * [pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))]``

    Parameters
    ----------
    input : Tensor, any shape
        Logits.
    target : Tensor, same shape as ``input``
        Targets in [0, 1] (soft labels allowed).
    weight : Tensor, optional
        Per-element rescaling, broadcastable to ``input``'s shape.
    reduction : {"mean", "sum", "none"}
    pos_weight : Tensor, optional
        Weight of positive examples, broadcastable to ``input``'s shape; for multi-label
        input ``(N, C)`` one entry per class, shape ``(C,)``.

    Returns
    -------
    Tensor
        Scalar, or ``input``'s shape for ``reduction="none"``.
    """
    where = "binary_cross_entropy_with_logits"
    _check_reduction(where, reduction)
    _check_input(where, input)
    target_tensor = _as_tensor(where, "target", target, input)
    if tuple(target_tensor.shape) != tuple(input.shape):
        raise ValueError(
            f"{where}: target shape {tuple(target_tensor.shape)} must be the same as input "
            f"shape {tuple(input.shape)}"
        )
    target_operand = _float_operand(where, "target", target_tensor, input)
    weight_array = _constant(where, "weight", weight, input)
    pos_weight_array = _constant(where, "pos_weight", pos_weight, input)
    shape = tuple(input.shape)
    _check_broadcasts_to(where, "weight", weight_array, shape)
    _check_broadcasts_to(where, "pos_weight", pos_weight_array, shape)
    return _BCEWithLogits.apply(
        input, target_operand, weight=weight_array, pos_weight=pos_weight_array, reduction=reduction
    )


# ------------------------------------------------- binary cross entropy of probabilities
#: torch clamps each log at -100, so that an input of exactly 0 or 1 gives a finite loss.
_LOG_FLOOR = -100.0
#: ... and the gradient's denominator x (1 - x) at 1e-12 (a C float in torch, hence float32).
_BCE_EPSILON = float(np.float32(1e-12))


class _BCE(Function):
    @staticmethod
    def forward(ctx, input, target, weight, reduction):
        xp = array_module(input)
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
            log_x = xp.maximum(xp.log(input), _LOG_FLOOR)
            log_1mx = xp.maximum(xp.log1p(-input), _LOG_FLOOR)
        losses = (target - 1) * log_1mx - target * log_x
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(input, target)
        ctx.options = (weight, reduction)
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        xp = array_module(grad_output)
        input, target = ctx.saved_tensors
        weight, reduction = ctx.options
        scale = _grad_scale(grad_output, reduction, input.size)
        if weight is not None:
            scale = scale * weight
        need_input, need_target = ctx.needs_input_grad
        grad_input = grad_target = None
        if need_input:
            grad_input = scale * (input - target) / xp.maximum(input * (1 - input), _BCE_EPSILON)
        if need_target:
            with np.errstate(divide="ignore", invalid="ignore"):  # torch does not clamp here
                grad_target = scale * (xp.log1p(-input) - xp.log(input))
        return grad_input, grad_target


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross entropy between probabilities ``input`` and targets ``target``.

    ``loss = -w * [t * log(x) + (1 - t) * log(1 - x)]``, with each log clamped at -100 as in
    torch, so that ``x`` exactly 0 or 1 gives a finite loss (100 per wrong element). The
    gradient with respect to ``x`` is ``w * (x - t) / max(x (1 - x), 1e-12)``.

    Prefer :func:`binary_cross_entropy_with_logits` on logits: a sigmoid followed by this loss
    rounds to 0 or 1 for large logits, where the clamp takes over and the gradient is lost.

    Parameters
    ----------
    input : Tensor, any shape
        Probabilities in [0, 1].
    target : Tensor, same shape as ``input``
        Targets in [0, 1].
    weight : Tensor, optional
        Per-element rescaling, broadcastable to ``input``'s shape. The ``"mean"`` divides the
        weighted sum by the number of elements (not by the sum of the weights), as in torch.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        Scalar, or ``input``'s shape for ``reduction="none"``.

    Raises
    ------
    RuntimeError
        If an element of ``input`` is outside [0, 1] (or NaN).
    """
    where = "binary_cross_entropy"
    _check_reduction(where, reduction)
    _check_input(where, input)
    target_tensor = _as_tensor(where, "target", target, input)
    if tuple(target_tensor.shape) != tuple(input.shape):
        raise ValueError(
            f"{where}: target shape {tuple(target_tensor.shape)} must be the same as input "
            f"shape {tuple(input.shape)}"
        )
    values = input._array
    xp = array_module(values)
    if values.size and not bool(xp.all((values >= 0) & (values <= 1))):
        bad = values[~((values >= 0) & (values <= 1))].ravel()[0]
        raise RuntimeError(
            f"{where}: all elements of input should be between 0 and 1, found {bad}; pass "
            "probabilities (e.g. sigmoid(logits)), or use binary_cross_entropy_with_logits "
            "on the logits"
        )
    target_operand = _float_operand(where, "target", target_tensor, input)
    weight_array = _constant(where, "weight", weight, input)
    _check_broadcasts_to(where, "weight", weight_array, tuple(input.shape))
    return _BCE.apply(input, target_operand, weight=weight_array, reduction=reduction)


# ------------------------------------------------------------------------- modules
class _Loss(Module):
    """Base of the loss modules: stores and checks ``reduction``."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`. Call as ``loss_fn(input, target)``."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy`; ``weight`` is kept as a buffer (as in torch)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_Loss):
    """Module form of :func:`nll_loss`; ``weight`` is kept as a buffer."""

    def __init__(
        self, weight: Tensor | None = None, *, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits`; ``weight`` and ``pos_weight``
    are kept as buffers."""

    def __init__(
        self,
        weight: Tensor | None = None,
        *,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class BCELoss(_Loss):
    """Module form of :func:`binary_cross_entropy`; ``weight`` is kept as a buffer."""

    def __init__(self, weight: Tensor | None = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, reduction=self.reduction)
