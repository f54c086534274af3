"""Convolution benchmarks (chapter 6): nnlib time / torch time for the cases of issue 8.

Usage::

    .venv/bin/python benchmarks/bench_conv.py            # these cases only
    .venv/bin/python benchmarks/bench_conv.py --quick
    .venv/bin/python benchmarks/bench_conv.py --one-thread
    .venv/bin/python benchmarks/run.py                   # every benchmark, these included

The timing machinery (alternating phases, medians, the table) is :mod:`run`'s; this file only
defines the tasks. Each task first checks that both libraries compute the same numbers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if "--one-thread" in sys.argv[1:]:  # as in run.py: before NumPy loads OpenBLAS
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_variable] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import run  # noqa: E402
import torch  # noqa: E402
from run import Result, _check_close, compare, training_step  # noqa: E402

import nnlib  # noqa: E402
import nnlib.nn.functional as F  # noqa: E402
from nnlib import nn, optim  # noqa: E402
from nnlib.interop import copy_parameters  # noqa: E402

TF = torch.nn.functional


def _conv_case(
    rng: np.random.Generator,
    budget_s: float,
    shape: tuple[int, int, int, int],
    out_channels: int,
    kernel: int,
    padding: int,
    target: float,
) -> Result:
    """conv2d forward + backward (input, weight and bias gradients) on float32 data."""
    n, c, h, w = shape
    x = rng.standard_normal(shape).astype(np.float32)
    weight = (rng.standard_normal((out_channels, c, kernel, kernel)) * 0.1).astype(np.float32)
    bias = rng.standard_normal(out_channels).astype(np.float32)
    xo = nnlib.tensor(x, requires_grad=True)
    wo = nnlib.tensor(weight, requires_grad=True)
    bo = nnlib.tensor(bias, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    bt = torch.tensor(bias, requires_grad=True)
    out_hw = h + 2 * padding - kernel + 1, w + 2 * padding - kernel + 1
    g = rng.standard_normal((n, out_channels, *out_hw)).astype(np.float32)
    go, gt = nnlib.tensor(g), torch.from_numpy(g)

    def ours():
        xo.grad = wo.grad = bo.grad = None
        F.conv2d(xo, wo, bo, padding=padding).backward(go)

    def theirs():
        xt.grad = wt.grad = bt.grad = None
        TF.conv2d(xt, wt, bt, padding=padding).backward(gt)

    ours()
    theirs()
    what = f"conv2d {shape}"
    _check_close(what + " (input gradient)", xo.grad._array, xt.grad, 1e-3)
    _check_close(what + " (weight gradient)", wo.grad._array, wt.grad, 1e-2)
    name = f"conv2d fwd+bwd {shape} -> {out_channels}, {kernel}x{kernel} pad {padding}"
    return compare(Result(name, "ms", 1e3, target), {"nnlib": ours, "torch": theirs}, budget_s)


def bench_conv_large(rng: np.random.Generator, budget_s: float) -> Result:
    """(32, 64, 16, 16) -> 64 channels, 3x3, padding 1."""
    return _conv_case(rng, budget_s, (32, 64, 16, 16), 64, 3, 1, 2.5)


def bench_conv_first_layer(rng: np.random.Generator, budget_s: float) -> Result:
    """(64, 1, 28, 28) -> 6 channels, 5x5: a LeNet first layer."""
    return _conv_case(rng, budget_s, (64, 1, 28, 28), 6, 5, 0, 3.0)


def bench_max_pool(rng: np.random.Generator, budget_s: float) -> Result:
    """max_pool2d 2x2 forward + backward on (64, 32, 28, 28)."""
    x = rng.standard_normal((64, 32, 28, 28)).astype(np.float32)
    g = rng.standard_normal((64, 32, 14, 14)).astype(np.float32)
    xo, xt = nnlib.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go, gt = nnlib.tensor(g), torch.from_numpy(g)

    def ours():
        xo.grad = None
        F.max_pool2d(xo, 2).backward(go)

    def theirs():
        xt.grad = None
        TF.max_pool2d(xt, 2).backward(gt)

    ours()
    theirs()
    _check_close("max_pool2d (input gradient)", xo.grad._array, xt.grad)
    result = Result("max_pool2d 2x2 fwd+bwd (64, 32, 28, 28)", "ms", 1e3, 1.0)
    return compare(result, {"nnlib": ours, "torch": theirs}, budget_s)


def lenet(library) -> object:
    """The chapter's LeNet-style CNN for 1x16x16 images, in ``library`` (nnlib.nn or torch.nn)."""
    return library.Sequential(
        library.Conv2d(1, 6, 5, padding=2),  # 6 x 16 x 16
        library.ReLU(),
        library.MaxPool2d(2),  # 6 x 8 x 8
        library.Conv2d(6, 16, 5),  # 16 x 4 x 4
        library.ReLU(),
        library.MaxPool2d(2),  # 16 x 2 x 2
        library.Flatten(),
        library.Linear(16 * 2 * 2, 120),
        library.ReLU(),
        library.Linear(120, 10),
    )


def bench_cnn_step(rng: np.random.Generator, budget_s: float) -> Result:
    """One Adam training step of the LeNet-style CNN on a batch of 64 1x16x16 images."""
    ours, theirs = lenet(nn), lenet(torch.nn)
    copy_parameters(theirs, ours)
    ours_opt = optim.Adam(ours.parameters(), lr=1e-3)
    theirs_opt = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    x = rng.standard_normal((64, 1, 16, 16)).astype(np.float32)
    y = rng.integers(0, 10, size=64)
    xo, yo = nnlib.tensor(x), nnlib.tensor(y)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ours_step = training_step(ours, ours_opt, F.cross_entropy, xo, yo)
    theirs_step = training_step(theirs, theirs_opt, TF.cross_entropy, xt, yt)

    _check_close("CNN step (loss)", ours_step()._array, theirs_step())
    _check_close("CNN step (weights)", ours[0].weight._array, theirs[0].weight)
    result = Result("LeNet-style CNN Adam step, batch 64, 1x16x16", "ms", 1e3, 3.0)
    return compare(result, {"nnlib": ours_step, "torch": theirs_step}, budget_s)


def conv_tasks(rng: np.random.Generator, scale: float = 1.0) -> list[Result]:
    """Run every convolution benchmark (``scale`` multiplies the time budgets)."""
    return [
        bench_conv_large(rng, 8 * scale),
        bench_conv_first_layer(rng, 6 * scale),
        bench_max_pool(rng, 6 * scale),
        bench_cnn_step(rng, 8 * scale),
    ]


def main() -> int:
    torch.set_num_threads(run.TORCH_THREADS)
    scale = 0.25 if "--quick" in sys.argv[1:] else 1.0
    print("nnlib vs torch: convolutions (chapter 6)")
    for line in run.machine_facts():
        print("  " + line)
    print()
    run.print_table(conv_tasks(np.random.default_rng(0), scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
