"""Time nnlib against PyTorch on the same CPU and print nnlib time / torch time for each task.

Usage::

    make bench                                   # same as: .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --one-thread
    .venv/bin/python benchmarks/run.py --quick   # fewer repetitions: checks that it runs

Both libraries do the same work on the same data in one process. Each task runs a few
warm-up calls, then the libraries take turns in phases (nnlib, torch, torch, nnlib, ...), and
the table shows the medians and the ratio of the medians. A ratio below 1 means nnlib is
faster. The start of every phase is not timed, so that one library's idle worker threads do
not compete with the other's (see ``compare``). Small shared machines are noisy: trust ratios
measured in one run, not absolute times across runs, and repeat a run before believing a
change of less than about 20 percent.

By default torch uses 2 threads and NumPy's OpenBLAS its own default; ``--one-thread`` pins
both to one thread (set before NumPy is imported, hence the environment variables below).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ONE_THREAD = "--one-thread" in sys.argv[1:]
if ONE_THREAD:  # OpenBLAS reads these once, when NumPy loads it
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_variable] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the nnlib of this checkout

import numpy as np  # noqa: E402
import torch  # noqa: E402

import nnlib  # noqa: E402
import nnlib.nn.functional as F  # noqa: E402
from nnlib import nn, optim  # noqa: E402
from nnlib.interop import copy_parameters  # noqa: E402

TORCH_THREADS = 1 if ONE_THREAD else 2
BATCH = 128
SIZES = (784, 256, 256, 10)
CHAIN_OPS = 99  # tiny ops per chain: 33 x (mul, add, tanh), then one sum
LR = 0.01
SETTLE_S = 0.15  # untimed start of each phase (see compare)


# ----------------------------------------------------------------------------- timing
class Result:
    """Per-call times (seconds) of each contender (``"nnlib"``, ``"torch"``, ...) for one task."""

    def __init__(self, name: str, unit: str, scale: float, target: float | None) -> None:
        self.name, self.unit, self.scale, self.target = name, unit, scale, target
        self.times: dict[str, list[float]] = {}

    def median(self, side: str) -> float:
        return statistics.median(self.times[side])

    @property
    def ratio(self) -> float:
        return self.median("nnlib") / self.median("torch")

    def spread(self) -> float:
        """The larger interquartile range of nnlib's and torch's times, relative to the median."""
        return max(_relative_iqr(self.times[side]) for side in ("nnlib", "torch"))


def _relative_iqr(samples: list[float]) -> float:
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return (q3 - q1) / statistics.median(samples)


def _sample(fn: Callable[[], object], inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def compare(
    result: Result,
    contenders: dict[str, Callable[[], object]],
    budget_s: float,
    rounds: int = 3,
) -> Result:
    """Fill ``result`` with timings of the contenders, taking turns (for about ``budget_s``).

    The contenders run in phases, one library at a time (A, B, then B, A, then A, B, ...), and
    each phase times blocks of calls of at least ~5 ms. The first ``SETTLE_S`` of every phase
    is not timed: after its last call, a library's idle worker threads keep spinning for a
    while (OpenBLAS for about 0.1 s) and would compete for the cores with the next library.
    Switching libraries on every call instead made both of them many times slower here.
    """
    sides = list(contenders.items())
    for _, fn in sides:  # warm-up: lazy initialisation, allocator, caches
        fn()
    once = max(max(_sample(fn, 1) for _, fn in sides), 1e-7)
    inner = max(1, int(5e-3 / once))
    phase_s = budget_s / (rounds * len(sides))
    result.times = {name: [] for name, _ in sides}
    for round_ in range(rounds):
        for name, fn in sides if round_ % 2 == 0 else sides[::-1]:
            start = time.perf_counter()
            while time.perf_counter() - start < SETTLE_S:
                fn()
            samples = result.times[name]
            taken = len(samples)
            while len(samples) - taken < 3 or time.perf_counter() - start < phase_s:
                samples.append(_sample(fn, inner))
    return result


def _check_close(what: str, ours: np.ndarray, theirs: torch.Tensor, tol: float = 1e-4) -> None:
    """Stop if the two libraries did not compute the same thing (the timing would be moot)."""
    theirs = theirs.detach().numpy()
    if not np.allclose(ours, theirs, rtol=tol, atol=tol):
        raise SystemExit(
            f"benchmark {what}: nnlib and torch disagree (max abs difference "
            f"{np.max(np.abs(ours - theirs)):.3g}); not timing different work"
        )


# ------------------------------------------------------------------------------ tasks
def mlp(library: Any) -> Any:
    """The 784-256-256-10 MLP in ``library`` (``nnlib.nn`` or ``torch.nn``)."""
    a, b, c, d = SIZES
    return library.Sequential(
        library.Linear(a, b),
        library.ReLU(),
        library.Linear(b, c),
        library.ReLU(),
        library.Linear(c, d),
    )


def _mlp_pair() -> tuple[nn.Module, torch.nn.Module]:
    """The MLP in both libraries, with the same initial weights."""
    ours, theirs = mlp(nn), mlp(torch.nn)
    copy_parameters(ours, theirs)
    return ours, theirs


def training_step(model: Any, optimizer: Any, loss_fn: Any, x: Any, y: Any) -> Callable[[], Any]:
    """One training step on ``(x, y)`` as a call that returns the loss: zero_grad, forward,
    loss, backward, optimizer step. The same code serves nnlib and torch objects."""

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def _batch(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH)
    return x, y


def numpy_mlp_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """The same training step written by hand in NumPy: what nnlib's autograd could reach.

    ``params`` is ``[W1, b1, W2, b2, W3, b3]`` (torch's layout), updated in place.
    """
    w1, b1, w2, b2, w3, b3 = params
    rows = np.arange(len(y))
    h1 = x @ w1.T
    h1 += b1
    a1 = np.maximum(h1, 0)
    h2 = a1 @ w2.T
    h2 += b2
    a2 = np.maximum(h2, 0)
    z = a2 @ w3.T
    z += b3
    z -= z.max(axis=1, keepdims=True)  # cross-entropy through a stable log-softmax
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    loss = (np.log(total[:, 0]) - z[rows, y]).mean()
    g = e / total  # d loss / d z = (softmax - one_hot) / N
    g[rows, y] -= 1
    g /= len(y)
    grads = [None] * 6
    grads[4], grads[5] = g.T @ a2, g.sum(axis=0)
    g = g @ w3
    g *= a2 > 0
    grads[2], grads[3] = g.T @ a1, g.sum(axis=0)
    g = g @ w2
    g *= a1 > 0
    grads[0], grads[1] = g.T @ x, g.sum(axis=0)
    for param, grad in zip(params, grads, strict=True):
        param -= LR * grad
    return float(loss)


def bench_mlp_step(rng: np.random.Generator, budget_s: float) -> Result:
    """Forward, cross-entropy, backward and an SGD step of the MLP on one batch."""
    ours, theirs = _mlp_pair()
    by_hand_params = [p._array.copy() for p in ours.parameters()]
    ours_opt = optim.SGD(ours.parameters(), lr=LR)
    theirs_opt = torch.optim.SGD(theirs.parameters(), lr=LR)
    x, y = _batch(rng)
    xo, yo = nnlib.tensor(x), nnlib.tensor(y)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ours_step = training_step(ours, ours_opt, nn.CrossEntropyLoss(), xo, yo)
    theirs_step = training_step(theirs, theirs_opt, torch.nn.CrossEntropyLoss(), xt, yt)

    def by_hand():
        return numpy_mlp_step(by_hand_params, x, y)

    first_losses = ours_step()._array, theirs_step(), by_hand()
    _check_close("MLP step (loss)", first_losses[0], first_losses[1])
    _check_close("MLP step (loss by hand)", np.asarray(first_losses[2]), first_losses[1])
    _check_close("MLP step (weights)", ours[0].weight._array, theirs[0].weight)
    _check_close("MLP step (weights by hand)", by_hand_params[0], theirs[0].weight)
    result = Result("MLP 784-256-256-10 train step, batch 128", "ms", 1e3, 1.0)
    contenders = {"nnlib": ours_step, "torch": theirs_step, "NumPy by hand": by_hand}
    return compare(result, contenders, budget_s)


def _chain(x: Any, weight: Any) -> Any:
    """CHAIN_OPS tiny ops: multiply, add, tanh, repeated."""
    for _ in range(CHAIN_OPS // 3):
        x = (x * weight + 0.5).tanh()
    return x.sum()


def bench_chain(rng: np.random.Generator, budget_s: float, tensor_weight: bool) -> Result:
    """A chain of tiny ops on a (4,) tensor, forward and backward: the cost of one op."""
    start = rng.uniform(-1, 1, size=4).astype(np.float32)
    w = rng.uniform(0.5, 1.5, size=4).astype(np.float32)
    xo = nnlib.tensor(start, requires_grad=True)
    xt = torch.tensor(start, requires_grad=True)
    wo, wt = (nnlib.tensor(w), torch.tensor(w)) if tensor_weight else (1.01, 1.01)

    def ours():
        xo.grad = None
        _chain(xo, wo).backward()

    def theirs():
        xt.grad = None
        _chain(xt, wt).backward()

    ours()
    theirs()
    _check_close("op chain (gradient)", xo.grad._array, xt.grad)
    kind = "tensor" if tensor_weight else "number"
    result = Result(f"tiny op fwd+bwd, (4,), x * {kind} (per op)", "us", 1e6 / (CHAIN_OPS + 1), 1.0)
    return compare(result, {"nnlib": ours, "torch": theirs}, budget_s)


def bench_linear(rng: np.random.Generator, budget_s: float) -> Result:
    """One Linear(784, 256) forward and backward (input gradient included)."""
    ours, theirs = _mlp_pair()
    ours_layer, theirs_layer = ours[0], theirs[0]
    x, _ = _batch(rng)
    g = rng.standard_normal((BATCH, SIZES[1])).astype(np.float32)
    xo, xt = nnlib.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go, gt = nnlib.tensor(g), torch.from_numpy(g)

    def run_ours():
        ours_layer.zero_grad()
        xo.grad = None
        ours_layer(xo).backward(go)

    def run_theirs():
        theirs_layer.zero_grad()
        xt.grad = None
        theirs_layer(xt).backward(gt)

    run_ours()
    run_theirs()
    _check_close("Linear (input gradient)", xo.grad._array, xt.grad)
    result = Result("Linear 784->256 fwd+bwd, batch 128", "ms", 1e3, None)
    return compare(result, {"nnlib": run_ours, "torch": run_theirs}, budget_s)


def bench_relu(rng: np.random.Generator, budget_s: float) -> Result:
    """ReLU forward and backward on the hidden activations (128, 256)."""
    x = rng.standard_normal((BATCH, SIZES[1])).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    xo, xt = nnlib.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go, gt = nnlib.tensor(g), torch.from_numpy(g)

    def run_ours():
        xo.grad = None
        F.relu(xo).backward(go)

    def run_theirs():
        xt.grad = None
        torch.nn.functional.relu(xt).backward(gt)

    result = Result("ReLU fwd+bwd, (128, 256)", "us", 1e6, None)
    return compare(result, {"nnlib": run_ours, "torch": run_theirs}, budget_s)


def bench_cross_entropy(rng: np.random.Generator, budget_s: float) -> Result:
    """Cross-entropy of (128, 10) logits, forward and backward."""
    logits = rng.standard_normal((BATCH, SIZES[-1])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH)
    lo, lt = nnlib.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    yo, yt = nnlib.tensor(y), torch.from_numpy(y)

    def run_ours():
        lo.grad = None
        F.cross_entropy(lo, yo).backward()

    def run_theirs():
        lt.grad = None
        torch.nn.functional.cross_entropy(lt, yt).backward()

    run_ours()
    run_theirs()
    _check_close("cross_entropy (gradient)", lo.grad._array, lt.grad)
    result = Result("cross_entropy fwd+bwd, (128, 10)", "us", 1e6, None)
    return compare(result, {"nnlib": run_ours, "torch": run_theirs}, budget_s)


def bench_sgd(rng: np.random.Generator, budget_s: float) -> Result:
    """``optimizer.step()`` alone over the MLP's parameters (gradients already there)."""
    ours, theirs = _mlp_pair()
    for o, t in zip(ours.parameters(), theirs.parameters(), strict=True):
        g = rng.standard_normal(o.shape).astype(np.float32)
        o.grad, t.grad = nnlib.tensor(g), torch.from_numpy(g.copy())
    ours_opt = optim.SGD(ours.parameters(), lr=LR)
    theirs_opt = torch.optim.SGD(theirs.parameters(), lr=LR)
    result = Result("SGD step alone, MLP parameters", "us", 1e6, None)
    return compare(result, {"nnlib": ours_opt.step, "torch": theirs_opt.step}, budget_s)


# ---------------------------------------------------------------------------- report
def machine_facts() -> list[str]:
    """What the numbers depend on: versions, BLAS, threads, relevant environment, load."""
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{config['name']} {config['version']}"
    except Exception:  # older NumPy: no mode="dicts"
        pass
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__} ({blas}), "
        f"torch {torch.__version__}",
        f"cpu: {_cpu_name()}, {os.cpu_count()} logical CPUs",
        f"threads: torch {torch.get_num_threads()}, NumPy BLAS {_blas_threads()}",
    ]
    variables = (
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    )
    set_variables = [f"{v}={os.environ[v]}" for v in variables if v in os.environ]
    lines.append("environment: " + (", ".join(set_variables) or "no BLAS/OpenMP variables set"))
    if hasattr(os, "getloadavg"):
        lines.append(f"load average (1 min) at start: {os.getloadavg()[0]:.2f}")
    return lines


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_threads() -> str:
    """NumPy's BLAS and its thread count, from threadpoolctl when it is installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "default (install threadpoolctl to see the count)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not pools:
        return "unknown"
    return "; ".join(
        f"{p.get('num_threads')} ({p.get('internal_api')} {p.get('version')}, "
        f"{p.get('architecture')})"
        for p in pools
    )


def print_table(results: list[Result]) -> None:
    name_width = max(len(r.name) for r in results)
    header = (
        f"{'task':<{name_width}}  {'unit':>4}  {'nnlib':>9}  {'torch':>9}  "
        f"{'ratio':>6}  {'spread':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = ""
        if r.target is not None:
            verdict = f"<= {r.target:.1f} " + ("ok" if r.ratio <= r.target else "MISSED")
        print(
            f"{r.name:<{name_width}}  {r.unit:>4}  {r.median('nnlib') * r.scale:>9.3f}  "
            f"{r.median('torch') * r.scale:>9.3f}  {r.ratio:>5.2f}x  {r.spread():>5.0%}  {verdict}"
        )
    print(
        "ratio = median nnlib time / median torch time (below 1: nnlib is faster); "
        "spread = interquartile range / median, the larger of the two sides."
    )
    for r in results:
        for side in r.times.keys() - {"nnlib", "torch"}:
            reference = r.median(side)
            print(
                f"reference, {r.name} in {side}: {reference * r.scale:.3f} {r.unit} = "
                f"{reference / r.median('torch'):.2f}x torch; nnlib / {side} = "
                f"{r.median('nnlib') / reference:.2f}x"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--one-thread", action="store_true", help="pin torch and NumPy's BLAS to one thread"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run (about 15 s) that checks the script"
    )
    args = parser.parse_args()
    torch.set_num_threads(TORCH_THREADS)
    scale = 0.2 if args.quick else 1.0
    rng = np.random.default_rng(0)
    torch.manual_seed(0)

    print("nnlib vs torch, same work on the same CPU")
    for line in machine_facts():
        print("  " + line)
    if not ONE_THREAD and hasattr(os, "getloadavg") and os.getloadavg()[0] >= 1.0:
        print(
            "  note: other programs are running; a multi-threaded step waits whenever one of its "
            "threads has no core,\n  which can make it many times slower: compare with "
            "--one-thread"
        )
    print()
    started = time.perf_counter()
    results = [
        bench_mlp_step(rng, 14 * scale),
        bench_chain(rng, 7 * scale, tensor_weight=False),
        bench_chain(rng, 7 * scale, tensor_weight=True),
        bench_linear(rng, 6 * scale),
        bench_relu(rng, 3 * scale),
        bench_cross_entropy(rng, 4 * scale),
        bench_sgd(rng, 4 * scale),
    ]
    from bench_conv import conv_tasks  # chapter 6: convolutions and pooling (issue 8)

    results += conv_tasks(rng, scale)
    from bench_rnn import rnn_tasks  # chapter 7: recurrent layers (issue 9)

    results += rnn_tasks(rng, scale)
    print_table(results)
    print(f"({time.perf_counter() - started:.0f} s of timing)")
    if max(r.spread() for r in results) > 0.5:
        print("some spreads are above 50%: the machine was busy; run again before trusting them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
