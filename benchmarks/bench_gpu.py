"""Time nnlib on a CUDA GPU (CuPy) against PyTorch on the same GPU, and against nnlib on the CPU.

Usage::

    .venv/bin/python benchmarks/bench_gpu.py            # on a machine with a GPU and CuPy
    .venv/bin/python benchmarks/bench_gpu.py --pretend  # no GPU: checks that the script runs

Every task does the same work from the same initial weights in both libraries; the script
first checks that the results agree, then times each library in turn (warm-up calls first,
``synchronize`` before reading the clock, since GPU calls return before the work is done) and
prints the medians and the ratio nnlib / torch. The last line is the speed-up nnlib gets from
the GPU on chapter 6's CNN training step.

With ``--pretend`` (or without a GPU) nnlib runs on the pretend GPU and torch on the CPU:
the ratios then mean nothing, the run only shows that the code path works.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if "--pretend" in sys.argv[1:]:
    os.environ["NNLIB_PRETEND_GPU"] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the nnlib of this checkout

import numpy as np  # noqa: E402
import torch  # noqa: E402

import nnlib  # noqa: E402
import nnlib.nn.functional as F  # noqa: E402
from nnlib import nn, optim  # noqa: E402
from nnlib.interop import copy_parameters  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the other benchmark scripts
from bench_conv import lenet  # noqa: E402
from run import mlp, training_step  # noqa: E402

#: task -> target ratio nnlib / torch (issue 12).
TARGETS = {"MLP train step": 1.5, "conv2d fwd+bwd": 3.0, "LSTM fwd+bwd": 3.0}


def median_seconds(step: Callable[[], object], sync: Callable[[], None], calls: int) -> float:
    """Median wall time of ``step`` over ``calls`` calls, after 3 warm-up calls."""
    for _ in range(3):
        step()
    sync()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _sync_nnlib() -> None:
    nnlib.cuda.synchronize()


def _sync_torch() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def mlp_task(rng: np.random.Generator, torch_device: str):
    """784-256-256-10 MLP, batch 512, float32: forward, cross-entropy, backward, SGD step."""
    x = rng.standard_normal((512, 784)).astype(np.float32)
    y = rng.integers(0, 10, 512)
    ours, theirs = mlp(nn), mlp(torch.nn)
    copy_parameters(theirs, ours)
    ours.cuda()
    theirs.to(torch_device)
    xo, yo = nnlib.tensor(x, device="cuda"), nnlib.tensor(y, device="cuda")
    xt, yt = torch.tensor(x, device=torch_device), torch.tensor(y, device=torch_device)
    opt_o = optim.SGD(ours.parameters(), lr=0.01)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.01)
    step_o = training_step(ours, opt_o, F.cross_entropy, xo, yo)
    step_t = training_step(theirs, opt_t, torch.nn.functional.cross_entropy, xt, yt)
    return step_o, step_t


def conv_task(rng: np.random.Generator, torch_device: str):
    """conv2d forward + backward, (64, 64, 32, 32) -> 64 channels, 3x3, padding 1, float32."""
    x = rng.standard_normal((64, 64, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(np.float32)
    g = rng.standard_normal((64, 64, 32, 32)).astype(np.float32)
    xo = nnlib.tensor(x, device="cuda", requires_grad=True)
    wo = nnlib.tensor(w, device="cuda", requires_grad=True)
    go = nnlib.tensor(g, device="cuda")
    xt = torch.tensor(x, device=torch_device, requires_grad=True)
    wt = torch.tensor(w, device=torch_device, requires_grad=True)
    gt = torch.tensor(g, device=torch_device)

    def step_o():
        xo.grad = wo.grad = None
        out = F.conv2d(xo, wo, padding=1)
        out.backward(go)
        return out

    def step_t():
        xt.grad = wt.grad = None
        out = torch.nn.functional.conv2d(xt, wt, padding=1)
        out.backward(gt)
        return out

    return step_o, step_t


def lstm_task(rng: np.random.Generator, torch_device: str):
    """One LSTM layer, T=50, N=64, 128 -> 256, float32: forward and backward."""
    x = rng.standard_normal((50, 64, 128)).astype(np.float32)
    ours, theirs = nn.LSTM(128, 256), torch.nn.LSTM(128, 256)
    copy_parameters(theirs, ours)
    ours.cuda()
    theirs.to(torch_device)
    xo = nnlib.tensor(x, device="cuda", requires_grad=True)
    xt = torch.tensor(x, device=torch_device, requires_grad=True)

    def step_o():
        out, _ = ours(xo)
        out.sum().backward()
        return out

    def step_t():
        out, _ = theirs(xt)
        out.sum().backward()
        return out

    return step_o, step_t


def cnn_step(device: str, rng: np.random.Generator) -> Callable[[], object]:
    """Chapter 6's LeNet-style CNN, batch 64 of 1x16x16 images, one Adam step on ``device``."""
    nnlib.manual_seed(0)
    model = lenet(nn).to(device)
    x = nnlib.tensor(rng.standard_normal((64, 1, 16, 16)).astype(np.float32), device=device)
    y = nnlib.tensor(rng.integers(0, 10, 64), device=device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    return training_step(model, optimizer, F.cross_entropy, x, y)


def _agree(ours: object, theirs: object, name: str) -> None:
    a = ours.detach().cpu().numpy()
    b = theirs.detach().cpu().numpy()
    if not np.allclose(a, b, rtol=2e-3, atol=2e-3):
        raise SystemExit(f"{name}: nnlib and torch disagree (max |diff| {np.abs(a - b).max():.3g})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretend", action="store_true", help="no GPU: run on the pretend GPU")
    parser.add_argument("--quick", action="store_true", help="few calls: checks that it runs")
    args = parser.parse_args()
    if not nnlib.cuda.is_available():
        print("nnlib sees no GPU (CuPy missing or no CUDA device): rerun with --pretend to check")
        return 0
    torch_device = "cuda" if torch.cuda.is_available() else "cpu"
    calls = 2 if args.quick else 20
    rng = np.random.default_rng(0)
    print(f"nnlib on {nnlib.cuda.get_device_name()}; torch on {torch_device}")
    print(f"{'task':<18}{'nnlib ms':>10}{'torch ms':>10}{'ratio':>8}{'target':>8}")
    for name, make in (
        ("MLP train step", mlp_task),
        ("conv2d fwd+bwd", conv_task),
        ("LSTM fwd+bwd", lstm_task),
    ):
        ours, theirs = make(rng, torch_device)
        _agree(ours(), theirs(), name)
        t_ours = median_seconds(ours, _sync_nnlib, calls)
        t_theirs = median_seconds(theirs, _sync_torch, calls)
        ratio = t_ours / t_theirs
        print(
            f"{name:<18}{t_ours * 1e3:>10.2f}{t_theirs * 1e3:>10.2f}{ratio:>7.2f}x"
            f"{TARGETS[name]:>7.1f}x"
        )
    on_gpu = median_seconds(cnn_step("cuda", rng), _sync_nnlib, calls)
    on_cpu = median_seconds(cnn_step("cpu", rng), _sync_nnlib, calls)
    print(
        f"chapter 6 CNN step: nnlib on the GPU {on_gpu * 1e3:.2f} ms, on the CPU "
        f"{on_cpu * 1e3:.2f} ms: {on_cpu / on_gpu:.1f}x faster on the GPU"
    )
    if args.pretend:
        print("(pretend GPU: the ratios above say nothing about speed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
