"""Chapter 3's activation functions: ``leaky_relu``, ``elu``, ``gelu``, ``silu``, ``softplus``.

Each one is an :class:`~nnlib.autograd.Function` with a hand-written forward and backward on
arrays, written so that no input, however large, produces ``inf``, ``NaN`` or a NumPy warning:

* exponentials only ever see ``-|x|`` (or an argument clipped where the result has long been
  exactly 0 or 1), so they can underflow to 0 but never overflow;
* ``expm1`` and ``log1p`` keep full precision near zero, where ``exp(x) - 1`` and
  ``log(1 + x)`` would lose it to cancellation.

The exact GELU needs the error function, which NumPy lacks. :func:`erf` and :func:`erfc`
evaluate W. J. Cody's rational Chebyshev approximations (*Math. Comp.* 23 (1969), 631-638;
coefficients as in his SPECFUN routine ``CALERF``), vectorised: on a dense grid they agree with
``math.erf`` / ``math.erfc`` to within a few units in the last place (relative error below
1e-15, see ``tests/test_activations.py``).

Chapter 2's ``relu``, ``sigmoid``, ``tanh``, ``softmax`` and ``log_softmax`` live in
:mod:`nnlib.ops`.
"""

from __future__ import annotations

import math
from typing import Any

from nnlib.autograd import Function
from nnlib.backend import array_module
from nnlib.ops.elementwise import stable_sigmoid
from nnlib.tensor import Tensor

__all__ = ["elu", "erf", "erfc", "gelu", "leaky_relu", "silu", "softplus"]

_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_CUBIC = 0.044715

# ---------------------------------------------------------------------------------------------
# The error function (Cody 1969). Three rational approximations, coefficients highest power first:
#   |x| <= 0.46875:      erf(x)  = x * R1(x**2)
#   0.46875 < y <= 4:    erfc(y) = exp(-y**2) * R2(y)
#   y > 4, z = 1/y**2:   erfc(y) = exp(-y**2) / y * (1/sqrt(pi) - z * R3(z))
# ---------------------------------------------------------------------------------------------
_SMALL = 0.46875
_ERF_SMALL_NUM = (
    1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
    3.77485237685302021e02, 3.20937758913846947e03,
)  # fmt: skip
_ERF_SMALL_DEN = (
    1.0, 2.36012909523441209e01, 2.44024637934444173e02,
    1.28261652607737228e03, 2.84423683343917062e03,
)  # fmt: skip
_ERFC_MID_NUM = (
    2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
    6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
    1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
)  # fmt: skip
_ERFC_MID_DEN = (
    1.0, 1.57449261107098347e01, 1.17693950891312499e02,
    5.37181101862009858e02, 1.62138957456669019e03, 3.29079923573345963e03,
    4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
)  # fmt: skip
_ERFC_TAIL_NUM = (
    1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
    1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4,
)  # fmt: skip
_ERFC_TAIL_DEN = (
    1.0, 2.56852019228982242e00, 1.87295284992346047e00,
    5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3,
)  # fmt: skip
_ERFC_ZERO_FROM = 26.55  # erfc(y) is below the smallest float64 (subnormals included) beyond


def _polynomial(coefficients: tuple[float, ...], t: Any) -> Any:
    """Horner's rule: ``c[0] * t**n + c[1] * t**(n-1) + ... + c[n]``, elementwise."""
    result = array_module(t).full_like(t, coefficients[0])
    for c in coefficients[1:]:
        result *= t
        result += c
    return result


def _exp_minus_square(y: Any) -> Any:
    """``exp(-y**2)`` to full relative precision.

    ``y * y`` is rounded, and ``exp`` turns an absolute error ``d`` in its argument into a
    relative error ``d`` in the result, i.e. about ``y**2 * 1e-16``. Splitting ``y = h + l``
    with ``h`` a multiple of 1/16 makes ``h * h`` exact and leaves only the small ``l`` rounded.
    """
    xp = array_module(y)
    h = xp.trunc(y * 16.0) / 16.0
    return xp.exp(-h * h) * xp.exp(-(y - h) * (y + h))


def _erf_small(x: Any) -> Any:
    t = x * x
    return x * _polynomial(_ERF_SMALL_NUM, t) / _polynomial(_ERF_SMALL_DEN, t)


def _erfc_nonnegative(y: Any) -> Any:
    """``erfc(y)`` for ``y >= 0`` (NaN stays NaN)."""
    xp = array_module(y)
    out = xp.where(xp.isnan(y), y, 0.0)  # erfc is exactly 0 (in floating point) far out
    small = y <= _SMALL
    out[small] = 1.0 - _erf_small(y[small])
    mid = (y > _SMALL) & (y <= 4.0)
    ym = y[mid]
    ratio = _polynomial(_ERFC_MID_NUM, ym) / _polynomial(_ERFC_MID_DEN, ym)
    out[mid] = _exp_minus_square(ym) * ratio
    tail = (y > 4.0) & (y < _ERFC_ZERO_FROM)
    yt = y[tail]
    z = 1.0 / (yt * yt)
    correction = z * _polynomial(_ERFC_TAIL_NUM, z) / _polynomial(_ERFC_TAIL_DEN, z)
    out[tail] = _exp_minus_square(yt) / yt * (_INV_SQRT_PI - correction)
    return out


def _erf_array(x: Any) -> Any:
    """Elementwise ``erf`` of a floating-point array (same dtype)."""
    xp = array_module(x)
    y = xp.abs(x)
    out = xp.empty_like(x)
    small = y <= _SMALL
    out[small] = _erf_small(x[small])
    large = ~small  # includes NaN, which stays NaN
    out[large] = xp.sign(x[large]) * (1.0 - _erfc_nonnegative(y[large]))
    return out


def _erfc_array(x: Any) -> Any:
    """Elementwise ``erfc = 1 - erf`` of a floating-point array, accurate also where it is tiny."""
    xp = array_module(x)
    tail = _erfc_nonnegative(xp.abs(x))
    return xp.where(x < 0, 2.0 - tail, tail)


# ---------------------------------------------------------------------------------------------
# Functions (forward and backward on arrays)
# ---------------------------------------------------------------------------------------------
def _erf_derivative(x: Any) -> Any:
    """``2/sqrt(pi) * exp(-x**2)``; ``|x|`` is capped at 40, where it is exactly 0 already."""
    xp = array_module(x)
    return _TWO_OVER_SQRT_PI * _exp_minus_square(xp.minimum(xp.abs(x), 40.0))


class _Erf(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * _erf_derivative(x)


class _Erfc(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _erfc_array(x)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        (x,) = ctx.saved_tensors
        return -grad_output * _erf_derivative(x)


class _LeakyReLU(Function):
    @staticmethod
    def forward(ctx: Any, x: Any, negative_slope: float) -> Any:
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.negative_slope = negative_slope
        return array_module(x).where(positive, x, x * negative_slope)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> tuple[Any, None]:
        (positive,) = ctx.saved_tensors
        xp = array_module(grad_output)
        return xp.where(positive, grad_output, grad_output * ctx.negative_slope), None


class _ELU(Function):
    @staticmethod
    def forward(ctx: Any, x: Any, alpha: float) -> Any:
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        # expm1 of min(x, 0): exact near 0, and never exp of a large positive number.
        return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0.0)))

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> tuple[Any, None]:
        (x,) = ctx.saved_tensors
        xp = array_module(x)
        slope = xp.where(x > 0, 1.0, ctx.alpha * xp.exp(xp.minimum(x, 0.0)))
        return grad_output * slope, None


class _GELU(Function):
    """``x * Phi(x)`` with the standard normal CDF ``Phi(x) = erfc(-x / sqrt(2)) / 2``.

    Writing ``Phi`` with ``erfc`` (not ``(1 + erf) / 2``) keeps it accurate for negative
    ``x``, where ``1 + erf`` would cancel to 0.
    """

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        cdf = 0.5 * _erfc_array(-x * _INV_SQRT_2)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> tuple[Any, None]:
        x, cdf = ctx.saved_tensors
        xp = array_module(x)
        # Beyond |x| = 40 the density exp(-x**2/2) is exactly 0 even in float64; clipping
        # keeps x**2 from overflowing for huge float32 inputs.
        clipped = xp.clip(x, -40.0, 40.0)
        pdf = _INV_SQRT_2PI * xp.exp(-0.5 * clipped * clipped)
        return grad_output * (cdf + x * pdf)


class _GELUTanh(Function):
    """``x * (1 + tanh(u)) / 2`` with ``u = sqrt(2/pi) * (x + 0.044715 x**3)``.

    ``(1 + tanh(u)) / 2`` equals ``sigmoid(2u)``, which stays accurate where ``1 + tanh(u)``
    would cancel to 0.
    """

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = array_module(x)
        # Beyond |x| = 50 the gate is exactly 0 or 1; clipping keeps x**3 finite.
        clipped = xp.clip(x, -50.0, 50.0)
        gate = stable_sigmoid(2.0 * _SQRT_2_OVER_PI * (clipped + _GELU_TANH_CUBIC * clipped**3))
        ctx.save_for_backward(x, clipped, gate)
        return x * gate

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> tuple[Any, None]:
        x, clipped, gate = ctx.saved_tensors
        du_dx = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_CUBIC * clipped * clipped)
        return grad_output * (gate + x * (2.0 * gate * (1.0 - gate)) * du_dx)


class _SiLU(Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        s = stable_sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        x, s = ctx.saved_tensors
        return grad_output * (s * (1.0 + x * (1.0 - s)))


class _Softplus(Function):
    @staticmethod
    def forward(ctx: Any, x: Any, beta: float, threshold: float) -> Any:
        xp = array_module(x)
        z = x * beta
        ctx.save_for_backward(z)
        ctx.threshold = threshold
        # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)): exp never overflows.
        smooth = (xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, smooth)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> tuple[Any, None, None]:
        (z,) = ctx.saved_tensors
        slope = array_module(z).where(z > ctx.threshold, 1.0, stable_sigmoid(z))
        return grad_output * slope, None, None


# ---------------------------------------------------------------------------------------------
# Public, torch-shaped functions
# ---------------------------------------------------------------------------------------------
def _check_input(op: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    if input.dtype.kind != "f":
        # torch raises NotImplementedError here too ("not implemented for 'Long'").
        raise NotImplementedError(
            f"{op}: expected a floating-point tensor, got dtype {input.dtype}; convert first, "
            "e.g. x.float()"
        )


def _maybe_in_place(input: Tensor, compute: Any, inplace: bool, op: str) -> Tensor:
    """``compute(input)``; with ``inplace=True`` written into ``input`` as torch does (the
    in-place change is recorded by autograd, so gradients still flow)."""
    if inplace:
        return input._apply_inplace(compute, op)
    return compute(input)


def erf(input: Tensor) -> Tensor:
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.

    Returns
    -------
    Tensor
        Same shape and dtype; values in ``[-1, 1]``.
    """
    _check_input("erf", input)
    return _Erf.apply(input)


def erfc(input: Tensor) -> Tensor:
    """The complementary error function ``erfc(x) = 1 - erf(x)``, accurate where it is tiny.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.

    Returns
    -------
    Tensor
        Same shape and dtype; values in ``[0, 2]``.
    """
    _check_input("erfc", input)
    return _Erfc.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0`` and ``negative_slope * x`` otherwise, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    negative_slope : float
        Slope for negative inputs (also the gradient at exactly 0, as in torch).
    inplace : bool
        Write the result into ``input`` when no gradient has to flow through it.

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``.
    """
    _check_input("leaky_relu", input)
    return _maybe_in_place(
        input, lambda x: _LeakyReLU.apply(x, negative_slope), inplace, "leaky_relu_"
    )


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` otherwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    alpha : float
        Value that the output approaches as ``x -> -inf`` is ``-alpha``.
    inplace : bool
        Write the result into ``input`` when no gradient has to flow through it.

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``.
    """
    _check_input("elu", input)
    return _maybe_in_place(input, lambda x: _ELU.apply(x, alpha), inplace, "elu_")


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``, ``Phi`` the standard normal CDF.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    approximate : {"none", "tanh"}
        ``"none"``: the exact ``Phi(x) = (1 + erf(x / sqrt(2))) / 2``. ``"tanh"``:
        ``Phi(x) ~ (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3))) / 2``.

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``.
    """
    _check_approximate("gelu", approximate)
    _check_input("gelu", input)
    return _GELU.apply(input) if approximate == "none" else _GELUTanh.apply(input)


def _check_approximate(op: str, approximate: Any) -> None:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{op}: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """Sigmoid linear unit (swish) ``x * sigmoid(x)``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    inplace : bool
        Write the result into ``input`` when no gradient has to flow through it.

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``.
    """
    _check_input("silu", input)
    return _maybe_in_place(input, _SiLU.apply, inplace, "silu_")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    beta : float
        Sharpness: larger ``beta`` is closer to ``relu``. Must not be 0.
    threshold : float
        Above ``beta * x > threshold`` the function is taken as linear (as in torch).

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``; positive.
    """
    _check_input("softplus", input)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero (the function divides by beta)")
    return _Softplus.apply(input, beta, threshold)
