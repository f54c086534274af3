"""Helpers for the autograd-core tests: nnlib/torch twins of the same data, compared closely."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from nnlib.tensor import Tensor, tensor

#: (rtol, atol) per dtype: float64 tight, float32 loose (DEVELOPERS.md principle 4).
TOLERANCES = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-6)}

TORCH_DTYPES = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}


def twins(arrays: Sequence[np.ndarray], device: str, requires_grad: bool = True):
    """The same arrays as nnlib leaves and as torch leaves on ``device``."""
    ours = [tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]
    theirs = [
        torch.tensor(a, device=device, requires_grad=requires_grad and a.dtype.kind == "f")
        for a in arrays
    ]
    return ours, theirs


def to_numpy(value: Any) -> np.ndarray:
    """An nnlib or torch tensor (on any device) as a NumPy array."""
    if isinstance(value, Tensor):
        return value._array
    return value.detach().cpu().numpy()


def assert_close(ours: Any, theirs: Any, dtype: Any, what: str = "value") -> None:
    """An nnlib tensor and a torch tensor agree in shape and values (``dtype``'s tolerance)."""
    rtol, atol = TOLERANCES[np.dtype(dtype).type]
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch's {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def check_parity(
    fn_ours: Callable[..., Any],
    fn_theirs: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    device: str,
    seed: int = 0,
) -> None:
    """Forward values and input gradients of ``fn`` agree between nnlib and torch.

    The output is backpropagated with the same random upstream gradient on both sides.
    """
    dtype = arrays[0].dtype
    ours, theirs = twins(arrays, device)
    out_ours, out_theirs = fn_ours(*ours), fn_theirs(*theirs)
    assert out_ours.dtype == np.dtype(str(out_theirs.dtype).removeprefix("torch.")), (
        f"dtype {out_ours.dtype} != torch's {out_theirs.dtype}"
    )
    assert_close(out_ours, out_theirs, dtype, "forward")
    upstream = np.random.default_rng(seed).standard_normal(out_ours.shape).astype(dtype)
    out_ours.backward(tensor(upstream))
    out_theirs.backward(torch.tensor(upstream, device=device))
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad._array), f"input {i}: torch has no grad"
            continue
        assert a.grad is not None, f"input {i}: nnlib has no grad but torch does"
        assert a.grad.dtype == a.dtype, f"input {i}: grad dtype {a.grad.dtype} != {a.dtype}"
        assert_close(a.grad, b.grad, dtype, f"gradient of input {i}")
