"""Dropout: randomly zero activations during training to fight co-adaptation and overfitting.

This is *inverted* dropout, as in PyTorch: in training every element is kept with probability
``1 - p`` and the kept ones are scaled by ``1 / (1 - p)``, so the expected value of each output
equals its input. In evaluation the layer is the identity and needs no rescaling.

The gradient flows through the same scaled mask that the forward pass used.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from nnlib.autograd import Function, is_grad_enabled
from nnlib.backend import Device, device_context, get_array_module
from nnlib.nn.module import Module
from nnlib.random import generator_for
from nnlib.tensor import Tensor

__all__ = ["Dropout", "dropout"]


class _DropoutFunction(Function):
    """``y = x * scaled_mask``, where ``scaled_mask`` holds ``0`` or ``1 / (1 - p)``."""

    @staticmethod
    def forward(ctx, x, scaled_mask):
        ctx.save_for_backward(scaled_mask)
        return x * scaled_mask

    @staticmethod
    def backward(ctx, grad_output):
        (scaled_mask,) = ctx.saved_tensors
        return grad_output * scaled_mask, None


def _check_p(p: float, who: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: dropout probability has to be between 0 and 1, but got {p!r}")
    return float(p)


def _scaled_mask(shape: tuple[int, ...], p: float, dtype, generator: Any, device: Device):
    """A ``shape`` array on ``device`` holding ``0`` with probability ``p``, else ``1 / (1 - p)``.

    ``generator`` draws on ``device`` (:func:`nnlib.random.generator_for`).
    """
    with device_context(device):  # a GPU's arrays are made on the current device
        if p == 1.0:
            return get_array_module(device).zeros(shape, dtype=dtype)
        draw = generator.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
        return (draw >= p).astype(dtype) * dtype.type(1.0 / (1.0 - p))


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Zero each element of ``input`` with probability ``p`` and scale the rest by ``1/(1-p)``.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    p : float
        Probability of zeroing an element, in ``[0, 1]``.
    training : bool
        If False, return ``input`` unchanged.
    inplace : bool
        Write the result into ``input``'s storage. Only honoured when no gradient has to flow
        through ``input`` (otherwise the result is computed out of place, with the same values).
    generator : numpy.random.Generator, optional
        Source of the random mask; defaults to ``nnlib.random.default_generator()``.

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``.
    """
    p = _check_p(p, "dropout")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout: expected a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating-point input, got dtype {input.dtype}")
    if not training or p == 0.0:
        return input
    generator = generator_for(input.device, generator)
    mask = _scaled_mask(tuple(input.shape), p, input.dtype, generator, input.device)
    if inplace and not (input.requires_grad and is_grad_enabled()):
        input._array *= mask
        input._version += 1
        return input
    return _DropoutFunction.apply(input, mask)


class Dropout(Module):
    """Inverted dropout layer: zero with probability ``p`` in training, identity in ``eval()``.

    Parameters
    ----------
    p : float
        Probability of zeroing an element, in ``[0, 1]``.
    inplace : bool
        See :func:`dropout`.
    generator : numpy.random.Generator, optional
        Source of the random masks; defaults to ``nnlib.random.default_generator()`` at each call.

    Shape
    -----
    Input any shape; output the same.
    """

    def __init__(
        self,
        p: float = 0.5,
        inplace: bool = False,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.p = _check_p(p, "Dropout")
        self.inplace = inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        """Apply dropout in training mode; return ``input`` itself in eval mode."""
        return dropout(input, self.p, self.training, self.inplace, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
