"""``nnlib.optim.lr_scheduler`` against ``torch.optim.lr_scheduler``: the same learning rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnlib.optim import lr_scheduler
from nnlib.optim.adam import Adam
from nnlib.optim.sgd import SGD
from nnlib.tensor import tensor

N_EPOCHS = 30
LRS = (0.1, 0.05)


class WarmUp:
    """A callable object (not a function), so that LambdaLR's state dict keeps its attributes."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def __call__(self, epoch: int) -> float:
        return min(1.0, (epoch + 1) / self.epochs)


#: (scheduler name, positional arguments, keyword arguments).
CASES = [
    ("StepLR", (7,), {"gamma": 0.5}),
    ("StepLR", (3,), {}),
    ("ExponentialLR", (0.9,), {}),
    ("CosineAnnealingLR", (10,), {}),
    ("CosineAnnealingLR", (7,), {"eta_min": 0.01}),
    ("CosineAnnealingLR", (1,), {"eta_min": 0.001}),
    ("LambdaLR", (lambda epoch: 0.95**epoch,), {}),
    ("LambdaLR", ([lambda epoch: 1 / (epoch + 1), WarmUp(5)],), {}),
]


def _case_id(case) -> str:
    name, args, kwargs = case
    shown = [a.__class__.__name__ if callable(a) or isinstance(a, list) else a for a in args]
    return f"{name}-{shown}-{kwargs}"


def _optimizers(n_groups: int):
    ours = SGD(
        [{"params": [tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in LRS[:n_groups]]
    )
    theirs = torch.optim.SGD(
        [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in LRS[:n_groups]]
    )
    return ours, theirs


def _make(name, optimizer, args, kwargs):
    module = lr_scheduler if isinstance(optimizer, SGD) else torch.optim.lr_scheduler
    return getattr(module, name)(optimizer, *args, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_learning_rates_match_torch(case):
    name, args, kwargs = case
    optimizer, torch_optimizer = _optimizers(2)
    scheduler = _make(name, optimizer, args, kwargs)
    torch_scheduler = _make(name, torch_optimizer, args, kwargs)
    assert scheduler.get_last_lr() == pytest.approx(torch_scheduler.get_last_lr(), rel=1e-12)
    assert [g["initial_lr"] for g in optimizer.param_groups] == list(LRS)

    for epoch in range(N_EPOCHS):
        optimizer.step()
        torch_optimizer.step()
        scheduler.step()
        torch_scheduler.step()
        assert scheduler.last_epoch == torch_scheduler.last_epoch == epoch + 1
        expected = torch_scheduler.get_last_lr()
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-12, atol=0)
        np.testing.assert_allclose(
            [g["lr"] for g in optimizer.param_groups], expected, rtol=1e-12, atol=0
        )


def test_cosine_annealing_follows_the_closed_form_within_a_half_period():
    optimizer, _ = _optimizers(1)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=20, eta_min=0.001)
    for epoch in range(1, 21):
        scheduler.step()
        closed_form = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * epoch / 20)) / 2
        assert scheduler.get_last_lr()[0] == pytest.approx(closed_form, rel=1e-10)


def test_scheduler_drives_the_optimizer_steps():
    """The learning rate a scheduler sets is the one the next optimizer step uses."""
    p = tensor(np.zeros(1), requires_grad=True)
    optimizer = SGD([p], lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = tensor(np.ones(1))
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose(p._array, [-(1.0 + 0.5 + 0.25)])


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_state_dict_round_trip(case):
    """12 epochs, save optimizer and scheduler, resume on fresh ones: == an uninterrupted run."""
    name, args, kwargs = case
    optimizer, _ = _optimizers(2)
    scheduler = _make(name, optimizer, args, kwargs)
    for _ in range(12):
        optimizer.step()
        scheduler.step()
    optimizer_state, scheduler_state = optimizer.state_dict(), scheduler.state_dict()
    assert "optimizer" not in scheduler_state
    assert scheduler_state["last_epoch"] == 12

    resumed_optimizer, _ = _optimizers(2)
    for group in resumed_optimizer.param_groups:
        group["lr"] = 7.0  # overwritten by the loaded state
    resumed = _make(name, resumed_optimizer, args, kwargs)
    resumed_optimizer.load_state_dict(optimizer_state)
    resumed.load_state_dict(scheduler_state)
    assert resumed.get_last_lr() == scheduler.get_last_lr()

    for _ in range(N_EPOCHS - 12):
        optimizer.step()
        resumed_optimizer.step()
        scheduler.step()
        resumed.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert [g["lr"] for g in resumed_optimizer.param_groups] == scheduler.get_last_lr()


def test_lambda_lr_state_dict_keeps_callable_objects_but_not_functions():
    optimizer, _ = _optimizers(2)
    warm_up = WarmUp(5)
    scheduler = lr_scheduler.LambdaLR(optimizer, [lambda e: 1.0, warm_up])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, {"epochs": 5}]
    warm_up.epochs = 100
    scheduler.load_state_dict(state)
    assert warm_up.epochs == 5
    assert state["lr_lambdas"] == [None, {"epochs": 5}]


def test_scheduler_works_with_any_optimizer():
    p = tensor(np.zeros(3), requires_grad=True)
    optimizer = Adam([p], lr=0.01)
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.005
    assert isinstance(scheduler, lr_scheduler.LRScheduler)


def test_resuming_with_last_epoch_needs_initial_lr():
    optimizer, _ = _optimizers(1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optimizer, step_size=3, last_epoch=5)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda opt: lr_scheduler.StepLR(object(), 3), TypeError, "object is not an Optimizer"),
        (lambda opt: lr_scheduler.StepLR(opt, 0), ValueError, "step_size must be a positive"),
        (lambda opt: lr_scheduler.StepLR(opt, 2.5), ValueError, "step_size must be a positive"),
        (lambda opt: lr_scheduler.CosineAnnealingLR(opt, 0), ValueError, "T_max must be positive"),
        (
            lambda opt: lr_scheduler.LambdaLR(opt, [lambda e: 1.0] * 3),
            ValueError,
            "Expected 2 lr_lambdas, but got 3",
        ),
        (lambda opt: lr_scheduler.LambdaLR(opt, 0.5), TypeError, "lr_lambda should be a function"),
    ],
)
def test_bad_input_raises_clear_errors(make, error, match):
    optimizer, _ = _optimizers(2)
    with pytest.raises(error, match=match):
        make(optimizer)


def test_base_class_needs_get_lr():
    optimizer, _ = _optimizers(1)
    with pytest.raises(NotImplementedError, match="get_lr"):
        lr_scheduler.LRScheduler(optimizer)
