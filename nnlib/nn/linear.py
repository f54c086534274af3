"""The fully connected layer ``y = x W^T + b`` as a function (``linear``) and a module (``Linear``).

``linear`` is one autograd Function with a hand-written backward: each gradient costs a
single matrix product, which keeps small MLPs fast.
"""

from __future__ import annotations

import math

import numpy as np

from nnlib.autograd import Function
from nnlib.backend import check_device
from nnlib.nn.module import Module
from nnlib.nn.parameter import Parameter
from nnlib.random import generator_for
from nnlib.tensor import Tensor, empty

__all__ = ["Linear", "linear"]


class _LinearFunction(Function):
    """``input @ weight.T + bias`` for input ``(*, in)``, weight ``(out, in)``, bias ``(out,)``."""

    @staticmethod
    def forward(ctx, input, weight, bias):
        out = input @ weight.T
        if bias is not None:
            out += bias  # ``out`` is a fresh array: adding in place saves a copy
        ctx.save_for_backward(input, weight)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        input, weight = ctx.saved_tensors
        need_input, need_weight, need_bias = ctx.needs_input_grad
        grad_input = grad_weight = grad_bias = None
        if need_input:
            grad_input = grad_output @ weight  # (*, out) @ (out, in) -> (*, in)
        # Treat every leading dimension as part of the batch: (*, n) -> (B, n).
        grad_2d = grad_output.reshape(-1, weight.shape[0])
        if need_weight:
            grad_weight = grad_2d.T @ input.reshape(-1, weight.shape[1])  # (out, in)
        if need_bias:
            grad_bias = grad_2d.sum(axis=0)
        return grad_input, grad_weight, grad_bias


def _check_dtypes(where: str, input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        bias_part = f", bias {bias.dtype}" if bias is not None else ""
        raise TypeError(
            f"{where}: input ({input.dtype}) and parameters (weight {weight.dtype}{bias_part}) "
            "must have the same dtype; convert the input (x.float(), x.double()) or the "
            "model (model.float(), model.double())"
        )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Apply the affine map ``input @ weight.T + bias``.

    Parameters
    ----------
    input : Tensor, shape ``(*, in_features)``
        Any number of leading (batch) dimensions, including none.
    weight : Tensor, shape ``(out_features, in_features)``
    bias : Tensor, shape ``(out_features,)``, optional

    Returns
    -------
    Tensor, shape ``(*, out_features)``
    """
    if weight.ndim != 2:
        raise ValueError(
            f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}"
        )
    out_features, in_features = weight.shape
    if input.ndim == 0 or input.shape[-1] != in_features:
        raise ValueError(
            f"linear: expected input with last dimension {in_features} (weight has shape "
            f"{tuple(weight.shape)}), got shape {tuple(input.shape)}"
        )
    if bias is not None and tuple(bias.shape) != (out_features,):
        raise ValueError(
            f"linear: bias must have shape ({out_features},) to match weight of shape "
            f"{tuple(weight.shape)}, got {tuple(bias.shape)}"
        )
    _check_dtypes("linear", input, weight, bias)
    return _LinearFunction.apply(input, weight, bias)


class Linear(Module):
    """Fully connected layer: ``y = x W^T + b``.

    Parameters
    ----------
    in_features : int
        Size of each input sample (the last dimension of the input).
    out_features : int
        Size of each output sample.
    bias : bool, default True
        Whether to learn an additive bias.
    device : str, optional
        Where to create the parameters: ``"cpu"``, ``"cuda"``, ``"cuda:N"``; by default the
        default device (:func:`nnlib.set_default_device`, the CPU unless changed).
    dtype : dtype, optional
        Parameter dtype; ``float32`` by default, as in torch.

    Attributes
    ----------
    weight : Parameter, shape ``(out_features, in_features)``
    bias : Parameter, shape ``(out_features,)``, or None

    Shape
    -----
    input ``(*, in_features)`` -> output ``(*, out_features)``.

    Notes
    -----
    Initialisation is torch's: weight and bias are drawn from
    ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` with the generator of the parameters'
    device, :func:`nnlib.random.default_generator` (the weight rule is what torch's
    ``kaiming_uniform_(a=sqrt(5))`` works out to).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {value!r}")
        device = check_device(device)  # None: the default device
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        shape = (self.out_features, self.in_features)
        self.weight = Parameter(empty(shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(self.out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from ``U(-1/sqrt(in_features), 1/sqrt(in_features))``."""
        generator = generator_for(self.weight.device)
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        dtype = self.weight.dtype
        self.weight._array[...] = generator.uniform(-bound, bound, self.weight.shape).astype(dtype)
        if self.bias is not None:
            self.bias._array[...] = generator.uniform(-bound, bound, self.bias.shape).astype(dtype)

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: expected input with last dimension {self.in_features}, "
                f"got shape {tuple(shape)}"
            )
        weight, bias = self.weight, self.bias
        if input.dtype != weight.dtype:
            _check_dtypes(repr(self), input, weight, bias)
        return _LinearFunction.apply(input, weight, bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
