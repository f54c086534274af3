"""Check backpropagated gradients against finite differences, like ``torch.autograd.gradcheck``.

For every input that requires grad and every output, :func:`gradcheck` builds two Jacobians:

* the *numerical* one from central differences, (f(x + eps) - f(x - eps)) / (2 eps), one input
  element at a time, and
* the *analytical* one from ``backward()``, one output element at a time,

and reports the largest disagreement. Central differences have error O(eps**2) but also lose
digits to rounding, which is why the inputs must be float64.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnlib.autograd import enable_grad, no_grad
from nnlib.backend import CPU, array_module, move
from nnlib.tensor import Tensor

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians of :func:`gradcheck` disagree."""


def _as_tuple(values: Any) -> tuple:
    return tuple(values) if isinstance(values, (tuple, list)) else (values,)


def _outputs(fn: Callable[..., Any], inputs: Sequence[Any]) -> list[Tensor]:
    outputs = _as_tuple(fn(*inputs))
    for out in outputs:
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return Tensors, got a {type(out).__name__}")
    return [out for out in outputs if out.dtype.kind == "f"]


def _numerical_jacobians(
    fn: Callable[..., Any], inputs: list[Any], index: int, eps: float
) -> list[np.ndarray]:
    """d(output k)/d(input ``index``) by central differences, shape (out.size, input.size)."""
    flat = inputs[index]._array.reshape(-1)  # a view: perturbing it perturbs the input
    columns: list[list[np.ndarray]] = []
    with no_grad():
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = [_host(out).astype(np.float64).ravel() for out in _outputs(fn, inputs)]
            flat[i] = original - eps
            minus = [_host(out).astype(np.float64).ravel() for out in _outputs(fn, inputs)]
            flat[i] = original
            columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus, strict=True)])
    n_outputs = len(_outputs(fn, inputs))
    return [
        np.stack([col[k] for col in columns], axis=1)
        if columns
        else np.zeros((0, 0), dtype=np.float64)
        for k in range(n_outputs)
    ]


def _host(t: Tensor) -> np.ndarray:
    """A tensor's values as a NumPy array on the CPU (the Jacobians are compared there)."""
    return move(t._array, CPU)


def _analytical_jacobians(
    fn: Callable[..., Any], inputs: list[Any], index: int
) -> list[np.ndarray]:
    """d(output k)/d(input ``index``) by backpropagation, one output element at a time."""
    leaf = inputs[index]
    jacobians = []
    with enable_grad():
        outputs = _outputs(fn, inputs)
        for out in outputs:
            rows = np.zeros((out._array.size, leaf._array.size), dtype=np.float64)
            if out.requires_grad:
                for j in range(out._array.size):
                    for t in inputs:
                        if isinstance(t, Tensor):
                            t.grad = None
                    seed = array_module(out).zeros(out._array.size, dtype=out.dtype)
                    seed[j] = 1
                    out.backward(Tensor(seed.reshape(out.shape)), retain_graph=True)
                    if leaf.grad is not None:
                        rows[j] = _host(leaf.grad).ravel()
            jacobians.append(rows)
    return jacobians


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare the gradients of ``fn`` at ``inputs`` with central finite differences.

    Parameters
    ----------
    fn : callable
        Takes the inputs and returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple
        The arguments of ``fn``. Tensors with ``requires_grad=True`` are checked and must be
        float64; other arguments are passed through unchanged.
    eps : float
        Finite-difference step.
    atol, rtol : float
        Elementwise tolerance: ``|analytical - numerical| <= atol + rtol * |numerical|``.
    raise_exception : bool
        Raise :class:`GradcheckError` on a mismatch (default) instead of returning False.

    Returns
    -------
    bool
        True when every Jacobian entry agrees.
    """
    inputs = list(_as_tuple(inputs))
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite differences need "
                "float64 inputs (use .double())"
            )
    # Work on private copies so the caller's tensors and their .grad are left untouched.
    inputs = [
        Tensor(t._array.copy(), requires_grad=t.requires_grad) if isinstance(t, Tensor) else t
        for t in inputs
    ]
    for i in checked:
        numerical = _numerical_jacobians(fn, inputs, i, eps)
        analytical = _analytical_jacobians(fn, inputs, i)
        for k, (num, ana) in enumerate(zip(numerical, analytical, strict=True)):
            bad = np.abs(ana - num) > atol + rtol * np.abs(num)
            if bad.any() or np.isnan(ana).any() != np.isnan(num).any():
                if not raise_exception:
                    return False
                error = np.abs(ana - num)
                row, col = np.unravel_index(int(np.nanargmax(error)), error.shape)
                element = np.unravel_index(int(col), inputs[i].shape)
                raise GradcheckError(
                    f"gradcheck: Jacobian mismatch for output {k} with respect to input {i}: "
                    f"largest difference {error[row, col]:.3e} at input element "
                    f"{tuple(int(e) for e in element)}, output element {int(row)}: numerical "
                    f"{num[row, col]:.6g}, analytical {ana[row, col]:.6g} "
                    f"(atol={atol}, rtol={rtol})"
                )
    return True
