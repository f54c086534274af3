"""Time nnlib's LSTM and GRU against PyTorch's: forward and backward of one layer.

Usage::

    .venv/bin/python benchmarks/bench_rnn.py               # LSTM and GRU, about 30 s
    .venv/bin/python benchmarks/bench_rnn.py --one-thread
    .venv/bin/python benchmarks/bench_rnn.py --quick

The shape is the one of the issue: sequence length 50, batch 32, input 64, hidden 128, one
layer, float32. Both libraries start from the same weights and backpropagate the same
gradient of the output and of the final states; the script stops if they disagree. Timing
uses ``benchmarks/run.py``'s machinery (libraries take turns in phases; medians), and
``run.py`` runs these cases too.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# run.py first: with --one-thread it pins OpenBLAS to one thread before NumPy is imported
from run import (  # noqa: E402, I001
    ONE_THREAD,
    TORCH_THREADS,
    Result,
    _check_close,
    compare,
    machine_facts,
    print_table,
)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import nnlib  # noqa: E402
from nnlib import nn  # noqa: E402
from nnlib.interop import copy_parameters  # noqa: E402

SEQ_LEN, BATCH, INPUT, HIDDEN = 50, 32, 64, 128


def bench_recurrent(rng: np.random.Generator, budget_s: float, kind: str) -> Result:
    """Forward and backward of a one-layer ``kind`` ("LSTM" or "GRU") on (50, 32, 64)."""
    ours = getattr(nn, kind)(INPUT, HIDDEN)
    theirs = getattr(torch.nn, kind)(INPUT, HIDDEN)
    copy_parameters(theirs, ours)
    x = rng.standard_normal((SEQ_LEN, BATCH, INPUT)).astype(np.float32)
    g_out = rng.standard_normal((SEQ_LEN, BATCH, HIDDEN)).astype(np.float32)
    g_h = rng.standard_normal((1, BATCH, HIDDEN)).astype(np.float32)
    xo, xt = nnlib.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go, gho = nnlib.tensor(g_out), nnlib.tensor(g_h)
    gt, ght = torch.from_numpy(g_out), torch.from_numpy(g_h)

    def loss(output, state):
        h_n = state[0] if isinstance(state, tuple) else state
        return (output * go).sum() + (h_n * gho).sum()

    def loss_torch(output, state):
        h_n = state[0] if isinstance(state, tuple) else state
        return (output * gt).sum() + (h_n * ght).sum()

    def run_ours():
        ours.zero_grad()
        xo.grad = None
        loss(*ours(xo)).backward()

    def run_theirs():
        theirs.zero_grad()
        xt.grad = None
        loss_torch(*theirs(xt)).backward()

    run_ours()
    run_theirs()
    _check_close(f"{kind} (input gradient)", xo.grad.numpy(), xt.grad, tol=1e-3)
    _check_close(
        f"{kind} (weight_hh gradient)",
        ours.weight_hh_l0.grad.numpy(),
        theirs.weight_hh_l0.grad,
        tol=1e-3,
    )
    name = f"{kind} fwd+bwd, T={SEQ_LEN} N={BATCH} {INPUT}->{HIDDEN}, 1 layer"
    result = Result(name, "ms", 1e3, 2.0)
    return compare(result, {"nnlib": run_ours, "torch": run_theirs}, budget_s)


def bench_lstm(rng: np.random.Generator, budget_s: float) -> Result:
    """The LSTM case of :func:`bench_recurrent`."""
    return bench_recurrent(rng, budget_s, "LSTM")


def bench_gru(rng: np.random.Generator, budget_s: float) -> Result:
    """The GRU case of :func:`bench_recurrent`."""
    return bench_recurrent(rng, budget_s, "GRU")


def rnn_tasks(rng: np.random.Generator, scale: float = 1.0) -> list[Result]:
    """The recurrent cases, for ``run.py`` (``scale`` shortens the timing budget)."""
    return [bench_lstm(rng, 10 * scale), bench_gru(rng, 10 * scale)]


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    torch.set_num_threads(TORCH_THREADS)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    print("nnlib vs torch, recurrent layers" + (" (one thread)" if ONE_THREAD else ""))
    for line in machine_facts():
        print("  " + line)
    print()
    started = time.perf_counter()
    results = rnn_tasks(rng, 0.3 if quick else 1.2)
    print_table(results)
    print(f"({time.perf_counter() - started:.0f} s of timing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
