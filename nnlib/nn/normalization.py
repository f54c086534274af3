"""Normalization layers: ``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm``.

Both kinds of layer standardise activations, ``x_hat = (x - mean) / sqrt(var + eps)``, and then
apply a learned per-feature scale and shift, ``y = weight * x_hat + bias``. They differ in *which*
values share a mean and a variance:

* batch norm: one mean/variance per channel, over the batch and every spatial position
  (axes ``0, 2, 3, ...`` of an ``(N, C, *)`` input). In training it uses the statistics of the
  current batch and keeps exponential running averages of them; in ``eval()`` it uses those running
  averages, so a prediction no longer depends on the other samples in the batch.
* layer norm: one mean/variance per sample, over the trailing ``normalized_shape`` dimensions. It
  behaves the same in training and evaluation.

The semantics follow PyTorch exactly: the *biased* variance normalises the batch, the *unbiased*
variance updates ``running_var``, ``momentum=None`` turns the running averages into cumulative
averages counted by ``num_batches_tracked``, and the buffers have torch's names so ``state_dict``
keys match.

Each forward pass is a single custom :class:`~nnlib.autograd.Function` with a hand-written fused
backward. Because the mean and variance depend on every input of their group, the gradient with
respect to ``x`` has two correction terms. With ``g = dL/dy * weight`` and means over a group::

    dL/dx = (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var + eps)
"""

from __future__ import annotations

from collections.abc import Sequence

from nnlib.autograd import Function
from nnlib.backend import device_mismatch
from nnlib.nn.module import Module
from nnlib.nn.parameter import Parameter
from nnlib.tensor import Tensor, ones, tensor, zeros

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "batch_norm",
    "layer_norm",
]


# --------------------------------------------------------------------------------------------------
# Batch normalisation
# --------------------------------------------------------------------------------------------------


def _channel_shape(ndim: int) -> tuple[int, ...]:
    """Shape that broadcasts a per-channel ``(C,)`` array against an ``(N, C, *)`` array."""
    return (1, -1) + (1,) * (ndim - 2)


def _reduce_axes(ndim: int) -> tuple[int, ...]:
    """Every axis of an ``(N, C, *)`` array except the channel axis 1."""
    return (0,) + tuple(range(2, ndim))


class _BatchNormFunction(Function):
    """``y = (x - mean) * invstd * weight + bias`` with per-channel ``mean`` and ``invstd``.

    ``mean`` and ``invstd`` arrive as plain ``(C,)`` arrays. ``batch_stats`` says whether they
    are the statistics of this very batch (training), in which case the backward pass includes
    their dependence on ``x``; otherwise (running statistics) they are constants.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, batch_stats):
        shape = _channel_shape(x.ndim)
        x_hat = (x - mean.reshape(shape)) * invstd.reshape(shape)
        y = x_hat
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        ctx.save_for_backward(x_hat, invstd, weight)
        ctx.batch_stats = batch_stats
        ctx.bias_dtype = None if bias is None else bias.dtype
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x_hat, invstd, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        shape = _channel_shape(grad_output.ndim)
        axes = _reduce_axes(grad_output.ndim)

        # The two per-channel sums that every gradient needs; one pass over the data each.
        sum_g = grad_output.sum(axis=axes)
        sum_g_xhat = (grad_output * x_hat).sum(axis=axes)

        grad_x = grad_weight = grad_bias = None
        if needs_x:
            scale = invstd if weight is None else invstd * weight
            if ctx.batch_stats:
                count = grad_output.size // grad_output.shape[1]
                mean_g = (sum_g / count).reshape(shape)
                mean_g_xhat = (sum_g_xhat / count).reshape(shape)
                grad_x = (grad_output - mean_g - x_hat * mean_g_xhat) * scale.reshape(shape)
            else:
                grad_x = grad_output * scale.reshape(shape)
            grad_x = grad_x.astype(grad_output.dtype, copy=False)
        if needs_weight:
            grad_weight = sum_g_xhat.astype(weight.dtype, copy=False)
        if needs_bias:
            grad_bias = sum_g.astype(ctx.bias_dtype, copy=False)
        return grad_x, grad_weight, grad_bias, None, None, None


def _check_same_dtype(input: Tensor, state: list[Tensor | None], who: str) -> None:
    """Parameters and buffers must have the input's dtype (as for ``Linear``)."""
    for t in state:
        if t is not None and t.dtype != input.dtype:
            raise TypeError(
                f"{who}: input ({input.dtype}) and parameters/buffers ({t.dtype}) must have "
                "the same dtype; convert the input (x.float(), x.double()) or the model "
                "(model.float(), model.double())"
            )


def _check_same_device(input: Tensor, buffers: list[Tensor | None], who: str) -> None:
    """The running statistics must be on the input's device (they are updated outside autograd)."""
    for t in buffers:
        if t is not None and t.device != input.device:
            raise device_mismatch(
                input.device,
                t.device,
                f"{who}: move the module or the input with .to(device) first",
            )


def _check_batch_size(input: Tensor, who: str) -> None:
    values_per_channel = input.numel() // input.shape[1]
    if values_per_channel <= 1:
        raise ValueError(
            f"{who}: expected more than 1 value per channel when training, got input of shape "
            f"{tuple(input.shape)} (use a batch of at least 2 samples, or call eval())"
        )


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of an ``(N, C, *)`` input over every axis except the channel axis.

    Parameters
    ----------
    input : Tensor
        Shape ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)``, ...
    running_mean, running_var : Tensor or None
        ``(C,)`` buffers. In training they are updated in place (if given) with the batch
        statistics: ``running = (1 - momentum) * running + momentum * batch`` where the variance
        is the *unbiased* batch variance. Outside training they are used to normalise.
    weight, bias : Tensor or None
        ``(C,)`` learned scale and shift.
    training : bool
        Normalise with the batch statistics (True) or with the running ones (False).
    momentum : float
        Weight of the new batch in the running averages.
    eps : float
        Added to the variance for numerical stability.

    Returns
    -------
    Tensor
        Same shape as ``input``.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    _check_same_device(input, [running_mean, running_var], "batch_norm")
    x = input._array
    if training:
        _check_batch_size(input, "batch_norm")
        axes = _reduce_axes(x.ndim)
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)  # biased: this is what normalises the batch
        if running_mean is not None and running_var is not None:
            count = x.size // x.shape[1]
            unbiased_var = var * (count / (count - 1))
            # In place, so that every reference to the buffer sees the update.
            running_mean._array[...] = (1 - momentum) * running_mean._array + momentum * mean
            running_var._array[...] = (1 - momentum) * running_var._array + momentum * unbiased_var
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are required when not training"
            )
        mean = running_mean._array.astype(x.dtype, copy=False)
        var = running_var._array.astype(x.dtype, copy=False)
    invstd = ((var + eps) ** -0.5).astype(x.dtype, copy=False)
    return _BatchNormFunction.apply(input, weight, bias, mean, invstd, training)


class _BatchNorm(Module):
    """Shared code of ``BatchNorm1d`` and ``BatchNorm2d``; subclasses say which inputs they take."""

    #: Human-readable accepted shapes, with ``C`` standing for ``num_features``.
    _shape_text = ""
    _input_ndims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        if eps <= 0:
            raise ValueError(f"{name}: eps must be positive, got {eps!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", tensor(0, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean._array[...] = 0
            self.running_var._array[...] = 1
            self.num_batches_tracked._array[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, and the scale/shift to 1/0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight._array[...] = 1
        if self.bias is not None:
            self.bias._array[...] = 0

    def _check_input(self, input: Tensor) -> None:
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._name()}: expected a Tensor, got {type(input).__name__}")
        if input.ndim not in self._input_ndims or input.shape[1] != self.num_features:
            expected = self._shape_text.replace("C", str(self.num_features))
            raise ValueError(
                f"{self._name()}: expected input of shape {expected}, got {tuple(input.shape)}"
            )
        if input.dtype.kind != "f":
            raise TypeError(
                f"{self._name()}: expected a floating-point input, got dtype {input.dtype}"
            )
        _check_same_dtype(input, [self.weight, self.bias, self.running_mean], self._name())
        _check_same_device(input, [self.running_mean], self._name())

    def _name(self) -> str:
        return f"{type(self).__name__}({self.num_features})"

    def forward(self, input: Tensor) -> Tensor:
        """Normalise ``input`` (shape as documented by the subclass); output has the same shape."""
        self._check_input(input)
        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats:
            _check_batch_size(input, self._name())

        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._array[...] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._array)

        # Only update running statistics that are tracked, and only while training.
        update = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if update else None,
            self.running_var if update else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation for ``(N, C)`` features or ``(N, C, L)`` sequences.

    Parameters
    ----------
    num_features : int
        ``C``, the number of channels.
    eps : float
        Added to the variance for numerical stability.
    momentum : float or None
        Weight of each new batch in the running averages; ``None`` means a cumulative average.
    affine : bool
        Learn a per-channel ``weight`` (init 1) and ``bias`` (init 0).
    track_running_stats : bool
        Keep ``running_mean``, ``running_var`` and ``num_batches_tracked`` buffers and use them
        in ``eval()``. If False, batch statistics are used in both modes.
    device, dtype
        Where and in which floating dtype to create parameters and buffers (default float32).
    bias : bool, keyword-only
        Learn the additive ``bias`` (only with ``affine``).

    Shape
    -----
    Input ``(N, C)`` or ``(N, C, L)``; output the same.
    """

    _shape_text = "(N, C) or (N, C, L)"
    _input_ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation for ``(N, C, H, W)`` images, one mean/variance per channel.

    Parameters are those of :class:`BatchNorm1d`.

    Shape
    -----
    Input ``(N, C, H, W)``; output the same.
    """

    _shape_text = "(N, C, H, W)"
    _input_ndims = (4,)


# --------------------------------------------------------------------------------------------------
# Layer normalisation
# --------------------------------------------------------------------------------------------------


class _LayerNormFunction(Function):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` over the last ``num_dims`` axes."""

    @staticmethod
    def forward(ctx, x, weight, bias, num_dims, eps):
        axes = tuple(range(x.ndim - num_dims, x.ndim))
        centered = x - x.mean(axis=axes, keepdims=True)
        var = (centered * centered).mean(axis=axes, keepdims=True)  # biased
        invstd = ((var + eps) ** -0.5).astype(x.dtype, copy=False)
        x_hat = centered * invstd
        y = x_hat
        if weight is not None:
            y = y * weight
        if bias is not None:
            y = y + bias
        ctx.save_for_backward(x_hat, invstd, weight)
        ctx.num_dims = num_dims
        ctx.bias_dtype = None if bias is None else bias.dtype
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x_hat, invstd, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        ndim = grad_output.ndim
        norm_axes = tuple(range(ndim - ctx.num_dims, ndim))
        batch_axes = tuple(range(ndim - ctx.num_dims))

        grad_x = grad_weight = grad_bias = None
        if needs_x:
            g = grad_output if weight is None else grad_output * weight
            mean_g = g.mean(axis=norm_axes, keepdims=True)
            mean_g_xhat = (g * x_hat).mean(axis=norm_axes, keepdims=True)
            grad_x = ((g - mean_g - x_hat * mean_g_xhat) * invstd).astype(
                grad_output.dtype, copy=False
            )
        if needs_weight:
            grad_weight = (
                (grad_output * x_hat).sum(axis=batch_axes).astype(weight.dtype, copy=False)
            )
        if needs_bias:
            grad_bias = grad_output.sum(axis=batch_axes).astype(ctx.bias_dtype, copy=False)
        return grad_x, grad_weight, grad_bias, None, None


def _as_shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(n) for n in normalized_shape)


def _check_layer_norm_input(input: Tensor, shape: tuple[int, ...], who: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(input).__name__}")
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        expected = "(*, " + ", ".join(str(n) for n in shape) + ")"
        raise ValueError(f"{who}: expected input of shape {expected}, got {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: expected a floating-point input, got dtype {input.dtype}")


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation over the trailing ``normalized_shape`` dimensions of ``input``.

    Parameters
    ----------
    input : Tensor
        Shape ``(*, *normalized_shape)``.
    normalized_shape : int or sequence of int
        The trailing dimensions that share one mean and variance.
    weight, bias : Tensor or None
        Shape ``normalized_shape``; elementwise scale and shift.
    eps : float
        Added to the variance for numerical stability.

    Returns
    -------
    Tensor
        Same shape as ``input``.
    """
    shape = _as_shape(normalized_shape)
    _check_layer_norm_input(input, shape, "layer_norm")
    return _LayerNormFunction.apply(input, weight, bias, len(shape), eps)


class LayerNorm(Module):
    """Layer normalisation: standardise each sample over its last ``len(normalized_shape)`` dims.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        Trailing input shape to normalise over, e.g. ``C`` for ``(N, L, C)`` inputs.
    eps : float
        Added to the variance for numerical stability.
    elementwise_affine : bool
        Learn an elementwise ``weight`` (init 1) and, if ``bias``, a ``bias`` (init 0), both of
        shape ``normalized_shape``.
    bias : bool
        Learn the additive ``bias`` (only with ``elementwise_affine``).

    Shape
    -----
    Input ``(*, *normalized_shape)``; output the same.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        shape = _as_shape(normalized_shape)
        if len(shape) == 0 or any(n < 1 for n in shape):
            raise ValueError(
                f"LayerNorm: normalized_shape must be a positive int or a non-empty tuple of "
                f"positive ints, got {normalized_shape!r}"
            )
        if eps <= 0:
            raise ValueError(f"LayerNorm: eps must be positive, got {eps!r}")
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(*shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Scale 1 and shift 0."""
        if self.weight is not None:
            self.weight._array[...] = 1
        if self.bias is not None:
            self.bias._array[...] = 0

    def forward(self, input: Tensor) -> Tensor:
        """Normalise ``input`` of shape ``(*, *normalized_shape)``; output has the same shape."""
        name = f"LayerNorm({self.normalized_shape})"
        _check_layer_norm_input(input, self.normalized_shape, name)
        _check_same_dtype(input, [self.weight, self.bias], name)
        return _LayerNormFunction.apply(
            input, self.weight, self.bias, len(self.normalized_shape), self.eps
        )

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
