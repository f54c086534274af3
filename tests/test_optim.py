"""``nnlib.optim`` against ``torch.optim``: same parameters, same gradients, same trajectories."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest
import torch

from nnlib.backend import device_of, is_array
from nnlib.nn.parameter import Parameter
from nnlib.optim.adagrad import Adagrad
from nnlib.optim.adam import Adam, AdamW
from nnlib.optim.optimizer import Optimizer
from nnlib.optim.rmsprop import RMSprop
from nnlib.optim.sgd import SGD
from nnlib.tensor import tensor

N_STEPS = 25
#: Relative tolerance per dtype: float32 loose, float64 tight. Rounding errors scale with the
#: size of the parameters, so entries near zero are compared at ``rtol * max |entry|``.
RTOL = {np.float32: 1e-6, np.float64: 1e-12}

OPTIMIZERS = {
    "SGD": (SGD, torch.optim.SGD),
    "Adagrad": (Adagrad, torch.optim.Adagrad),
    "RMSprop": (RMSprop, torch.optim.RMSprop),
    "Adam": (Adam, torch.optim.Adam),
    "AdamW": (AdamW, torch.optim.AdamW),
}

#: (optimizer, options of the first group, options the second group overrides).
CASES = [
    ("SGD", {"lr": 0.1}, {"lr": 0.05, "momentum": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}, {"momentum": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, {"lr": 0.05, "momentum": 0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}, {"lr": 0.05, "momentum": 0.9}),
    (
        "SGD",
        {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
        {"nesterov": False, "dampening": 0.5},
    ),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}, {"lr": 0.05, "maximize": False}),
    ("Adagrad", {"lr": 0.1}, {"lr": 0.05, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}, {"lr": 0.2}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5}, {"lr": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-3}, {"weight_decay": 0.0}),
    ("Adagrad", {"lr": 0.1, "maximize": True}, {"lr": 0.05}),
    ("RMSprop", {"lr": 0.01}, {"lr": 0.005, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9}, {"centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}, {"lr": 0.02, "momentum": 0.0}),
    ("RMSprop", {"lr": 0.01, "centered": True}, {"momentum": 0.5}),
    (
        "RMSprop",
        {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.1},
        {"centered": False, "eps": 1e-3},
    ),
    ("RMSprop", {"lr": 0.01, "maximize": True}, {"lr": 0.005}),
    ("Adam", {"lr": 0.01}, {"lr": 0.02, "betas": (0.8, 0.99)}),
    ("Adam", {"lr": 0.01, "amsgrad": True}, {"lr": 0.02, "amsgrad": False}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}, {"betas": (0.5, 0.9)}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "eps": 1e-3}, {"lr": 0.1}),
    ("Adam", {"lr": 0.01, "maximize": True}, {"lr": 0.02}),
    ("AdamW", {"lr": 0.01}, {"lr": 0.02, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "amsgrad": True}, {"betas": (0.8, 0.99)}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5}, {"weight_decay": 0.0}),
    ("AdamW", {"lr": 0.01, "maximize": True, "amsgrad": True}, {"lr": 0.02}),
]

#: Shapes of the float32 group and of the float64 group.
SHAPES = {np.float32: [(3, 4), (5,)], np.float64: [(2, 3, 2), (1,)]}


def _case_id(case) -> str:
    name, first, second = case
    return f"{name}-{'-'.join(f'{k}={v}' for k, v in first.items())}|{second}"


def _initial_values(dtypes, seed=0):
    """Starting values: one list of arrays per dtype."""
    rng = np.random.default_rng(seed)
    return {
        dtype: [rng.standard_normal(shape).astype(dtype) for shape in SHAPES[dtype]]
        for dtype in dtypes
    }


def _gradient_sequence(values, n_steps, seed=1):
    """``grads[step][dtype][i]``: one random gradient per parameter and step."""
    rng = np.random.default_rng(seed)
    return [
        {
            dtype: [rng.standard_normal(v.shape).astype(dtype) for v in vs]
            for dtype, vs in values.items()
        }
        for _ in range(n_steps)
    ]


def _nnlib_groups(values, second):
    params = {dtype: [Parameter(v.copy()) for v in vs] for dtype, vs in values.items()}
    dtypes = list(values)
    groups = [{"params": params[dtypes[0]]}]
    if len(dtypes) > 1:
        groups.append({"params": params[dtypes[1]], **second})
    return params, groups


def _torch_groups(values, second, devices):
    params = {
        dtype: [torch.tensor(v.copy(), device=devices[dtype], requires_grad=True) for v in vs]
        for dtype, vs in values.items()
    }
    dtypes = list(values)
    groups = [{"params": params[dtypes[0]]}]
    if len(dtypes) > 1:
        groups.append({"params": params[dtypes[1]], **second})
    return params, groups


def _set_grads(params, grads, torch_params=None, device_of=None):
    for dtype, ps in params.items():
        for p, g in zip(ps, grads[dtype], strict=True):
            p.grad = tensor(g.copy())
    if torch_params is not None:
        for dtype, ps in torch_params.items():
            for p, g in zip(ps, grads[dtype], strict=True):
                p.grad = torch.tensor(g.copy(), device=device_of[dtype])


def _assert_params_close(params, torch_params, step):
    for dtype, ps in params.items():
        rtol = RTOL[dtype]
        for i, (p, tp) in enumerate(zip(ps, torch_params[dtype], strict=True)):
            assert p._array.dtype == dtype, f"step {step}: dtype changed to {p._array.dtype}"
            expected = tp.detach().cpu().numpy()
            np.testing.assert_allclose(
                p._array,
                expected,
                rtol=rtol,
                atol=rtol * np.abs(expected).max(),
                err_msg=f"{np.dtype(dtype).name} parameter {i} after step {step}",
            )


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch(case, device):
    """Two groups (float32, float64) with different options follow torch for 25 steps.

    torch's float32 twin runs on the CPU, its float64 twin on ``device``.
    """
    name, first, second = case
    ours, theirs = OPTIMIZERS[name]
    values = _initial_values([np.float32, np.float64])
    grads = _gradient_sequence(values, N_STEPS)
    device_of = {np.float32: "cpu", np.float64: device}

    params, groups = _nnlib_groups(values, second)
    torch_params, torch_groups = _torch_groups(values, second, device_of)
    optimizer = ours(groups, **first)
    torch_optimizer = theirs(torch_groups, **first, foreach=False)

    for step in range(N_STEPS):
        _set_grads(params, grads[step], torch_params, device_of)
        optimizer.step()
        torch_optimizer.step()
        _assert_params_close(params, torch_params, step)
        # The update must not change the gradients it reads (weight decay, maximize).
        for dtype, ps in params.items():
            for p, g in zip(ps, grads[step][dtype], strict=True):
                np.testing.assert_array_equal(p.grad._array, g)


def _least_squares_data(seed=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.standard_normal(16)
    return x, y


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        ("Adagrad", {"lr": 0.3, "lr_decay": 0.01}),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
        ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.01}),
        ("AdamW", {"lr": 0.1}),
    ],
)
def test_trajectory_on_a_real_loss_matches_torch(name, options, device):
    """Gradients from backpropagating a least-squares loss; the closure form of ``step``."""
    ours, theirs = OPTIMIZERS[name]
    x, y = _least_squares_data()
    w0, b0 = np.zeros(3), np.zeros(1)

    w, b = Parameter(w0.copy()), Parameter(b0.copy())
    optimizer = ours([w, b], **options)
    tw = torch.tensor(w0, device=device, requires_grad=True)
    tb = torch.tensor(b0, device=device, requires_grad=True)
    torch_optimizer = theirs([tw, tb], **options, foreach=False)
    tx, ty = torch.tensor(x, device=device), torch.tensor(y, device=device)

    def closure():
        optimizer.zero_grad()
        loss = ((tensor(x) @ w + b - tensor(y)) ** 2).mean()
        loss.backward()
        return loss

    def torch_closure():
        torch_optimizer.zero_grad()
        loss = ((tx @ tw + tb - ty) ** 2).mean()
        loss.backward()
        return loss

    for step in range(N_STEPS):
        loss = optimizer.step(closure)
        torch_loss = torch_optimizer.step(torch_closure)
        np.testing.assert_allclose(loss.item(), torch_loss.item(), rtol=1e-12, err_msg=f"{step}")
        np.testing.assert_allclose(w._array, tw.detach().cpu().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b._array, tb.detach().cpu().numpy(), rtol=1e-12, atol=1e-14)
    final_loss = ((tensor(x) @ w + b - tensor(y)) ** 2).mean().item()
    assert final_loss < ((x @ w0 + b0 - y) ** 2).mean()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_match_torch(name):
    ours, theirs = OPTIMIZERS[name]
    torch_signature = inspect.signature(theirs).parameters
    for arg, parameter in inspect.signature(ours).parameters.items():
        if arg == "params":
            continue
        assert arg in torch_signature, f"{name}: torch has no argument {arg!r}"
        assert parameter.default == torch_signature[arg].default, f"{name}.{arg}"


# ----------------------------------------------------------------------- state dicts
STATEFUL_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("name", "options"), STATEFUL_CASES)
def test_state_dict_round_trip_continues_the_run(name, options):
    """10 steps, save, load into a fresh optimizer, 15 more steps == 25 uninterrupted steps."""
    ours, _ = OPTIMIZERS[name]
    second = {"lr": options["lr"] / 2}
    values = _initial_values([np.float32, np.float64])
    grads = _gradient_sequence(values, N_STEPS)

    params, groups = _nnlib_groups(values, second)
    optimizer = ours(groups, **options)
    for step in range(10):
        _set_grads(params, grads[step])
        optimizer.step()
    saved = optimizer.state_dict()
    snapshot = copy.deepcopy(saved)

    resumed_values = {dtype: [p._array.copy() for p in ps] for dtype, ps in params.items()}
    resumed_params, resumed_groups = _nnlib_groups(resumed_values, {})
    resumed = ours(resumed_groups, lr=123.0)  # options come from the state dict
    resumed.load_state_dict(saved)
    assert [g["lr"] for g in resumed.param_groups] == [options["lr"], options["lr"] / 2]

    for step in range(10, N_STEPS):
        _set_grads(params, grads[step])
        _set_grads(resumed_params, grads[step])
        optimizer.step()
        resumed.step()
    for dtype in params:
        for p, q in zip(params[dtype], resumed_params[dtype], strict=True):
            np.testing.assert_array_equal(p._array, q._array)
    # The state dict is a snapshot: later steps of either optimizer did not change it.
    for index, entry in snapshot["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(saved["state"][index][key], value)


@pytest.mark.parametrize(("name", "options"), STATEFUL_CASES)
def test_state_dict_layout_matches_torch(name, options):
    ours, theirs = OPTIMIZERS[name]
    values = _initial_values([np.float32, np.float64])
    grads = _gradient_sequence(values, 3)
    second = {"lr": options["lr"] / 2}
    params, groups = _nnlib_groups(values, second)
    torch_params, torch_groups = _torch_groups(
        values, second, {np.float32: "cpu", np.float64: "cpu"}
    )
    optimizer = ours(groups, **options)
    torch_optimizer = theirs(torch_groups, **options, foreach=False)
    for step in range(3):
        _set_grads(params, grads[step], torch_params, {np.float32: "cpu", np.float64: "cpu"})
        optimizer.step()
        torch_optimizer.step()

    state, torch_state = optimizer.state_dict(), torch_optimizer.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert state["state"].keys() == torch_state["state"].keys()
    for index, entry in state["state"].items():
        assert entry.keys() == torch_state["state"][index].keys()
        for key, value in entry.items():
            expected = torch_state["state"][index][key].double().numpy()
            np.testing.assert_allclose(
                np.asarray(value, dtype=np.float64),
                expected,
                rtol=1e-6,
                atol=1e-6 * np.abs(expected).max(),
                err_msg=f"state[{index}][{key!r}]",
            )
    for group, torch_group in zip(state["param_groups"], torch_state["param_groups"], strict=True):
        assert group["params"] == torch_group["params"]
        assert group.keys() <= torch_group.keys()
        for key in group.keys() - {"params"}:
            assert group[key] == torch_group[key], key


def test_load_a_torch_state_dict_and_continue_like_torch():
    """A state dict saved by torch (tensors converted to arrays) resumes an nnlib run."""
    values = _initial_values([np.float64])
    grads = _gradient_sequence(values, 20)
    cpu = {np.float64: "cpu"}
    torch_params, torch_groups = _torch_groups(values, {}, cpu)
    torch_optimizer = torch.optim.Adam(torch_groups, lr=0.01, amsgrad=True, foreach=False)
    for step in range(10):
        _set_grads({}, grads[step], torch_params, cpu)
        torch_optimizer.step()
    torch_state = torch_optimizer.state_dict()
    torch_state = {
        "state": {
            index: {key: value.numpy() for key, value in entry.items()}
            for index, entry in torch_state["state"].items()
        },
        "param_groups": torch_state["param_groups"],
    }

    params, groups = _nnlib_groups(
        {np.float64: [p.detach().numpy() for p in torch_params[np.float64]]}, {}
    )
    optimizer = Adam(groups)
    optimizer.load_state_dict(torch_state)
    first = params[np.float64][0]
    exp_avg = optimizer.state[first]["exp_avg"]
    assert is_array(exp_avg) and device_of(exp_avg) == first.device  # on the parameter's device
    for step in range(10, 20):
        _set_grads(params, grads[step], torch_params, cpu)
        optimizer.step()
        torch_optimizer.step()
    _assert_params_close(params, torch_params, 20)


def test_load_state_dict_errors():
    a, b, c = (Parameter(np.zeros(3)) for _ in range(3))
    two_groups = SGD([{"params": [a]}, {"params": [b, c]}], lr=0.1, momentum=0.9)
    one_group = SGD([a, b], lr=0.1)
    with pytest.raises(ValueError, match="2 parameter groups, but the optimizer has 1"):
        one_group.load_state_dict(two_groups.state_dict())
    other = SGD([{"params": [a, b]}, {"params": [c]}], lr=0.1)
    with pytest.raises(
        ValueError, match="group 0 has 1 parameters, but the optimizer's group 0 has 2"
    ):
        other.load_state_dict(two_groups.state_dict())
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        one_group.load_state_dict({"state": {}})

    for p in (a, b, c):
        p.grad = tensor(np.ones(3))
    two_groups.step()
    saved = two_groups.state_dict()
    saved["state"][0]["momentum_buffer"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 0 has shape \(4,\)"):
        SGD([{"params": [a]}, {"params": [b, c]}]).load_state_dict(saved)


# ----------------------------------------------------------------------- behaviour
def test_zero_grad_sets_to_none_or_zeros_in_place():
    p, q = Parameter(np.ones(3)), Parameter(np.ones(2))
    optimizer = SGD([p, q], lr=0.1)
    p.grad = tensor(np.full(3, 2.0))
    grad = p.grad
    optimizer.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad._array, np.zeros(3))
    assert q.grad is None
    optimizer.zero_grad()
    assert p.grad is None


def test_step_skips_parameters_without_gradient():
    p, q = Parameter(np.ones(3)), Parameter(np.ones(2))
    optimizer = Adam([p, q], lr=0.1)
    p.grad = tensor(np.ones(3))
    optimizer.step()
    np.testing.assert_array_equal(q._array, np.ones(2))
    assert not optimizer.state[q]
    assert optimizer.state[p]["step"] == 1
    assert np.all(p._array < 1)


def test_closure_result_is_returned():
    p = Parameter(np.ones(2))
    calls = []

    def closure():
        calls.append(1)
        p.grad = tensor(np.ones(2))
        return 42.0

    assert SGD([p], lr=0.5).step(closure) == 42.0
    assert calls == [1]
    np.testing.assert_array_equal(p._array, np.full(2, 0.5))


def test_add_param_group_takes_defaults_and_adagrad_initialises_state():
    p, q = Parameter(np.ones(2)), Parameter(np.ones(3))
    optimizer = Adagrad([p], lr=0.1, initial_accumulator_value=0.25)
    optimizer.add_param_group({"params": q, "lr": 0.5})
    assert optimizer.param_groups[1]["lr"] == 0.5
    assert optimizer.param_groups[1]["initial_accumulator_value"] == 0.25
    np.testing.assert_array_equal(optimizer.state[q]["sum"], np.full(3, 0.25))
    assert optimizer.state[q]["step"] == 0


def test_repr_is_torch_like():
    p = Parameter(np.ones(2))
    ours = repr(SGD([p], lr=0.1, momentum=0.9))
    theirs = repr(torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1, momentum=0.9))
    ours_lines = ours.splitlines()
    # torch lists a few implementation options (foreach, fused, ...) that nnlib does not have.
    our_keys = {line.split(":")[0] for line in ours_lines}
    assert ours_lines == [line for line in theirs.splitlines() if line.split(":")[0] in our_keys]
    assert ours.startswith("SGD (\nParameter Group 0\n    dampening: 0\n")


def test_optimizer_base_class_needs_an_update_rule():
    p = Parameter(np.ones(2))
    p.grad = tensor(np.ones(2))
    with pytest.raises(NotImplementedError, match="_update"):
        Optimizer([p], {"lr": 0.1}).step()


# ----------------------------------------------------------------------- bad input
def _param():
    return Parameter(np.ones(2))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: SGD([]), ValueError, "empty parameter list"),
        (lambda: SGD(iter([])), ValueError, "empty parameter list"),
        (lambda: SGD(_param()), TypeError, "single Tensor"),
        (lambda: SGD([np.ones(2)]), TypeError, "can only optimize Tensors.*ndarray"),
        (lambda: SGD({_param()}), TypeError, "not a set"),
        (lambda: SGD([_param()], lr=-0.1), ValueError, "SGD: invalid lr value -0.1"),
        (lambda: SGD([_param()], momentum=-0.9), ValueError, "invalid momentum value -0.9"),
        (lambda: SGD([_param()], weight_decay=-1), ValueError, "invalid weight_decay value -1"),
        (lambda: SGD([_param()], nesterov=True), ValueError, "Nesterov momentum requires"),
        (
            lambda: SGD([_param()], momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "zero dampening",
        ),
        (
            lambda: SGD([{"params": [_param()]}, {"params": [_param()], "lr": -1.0}]),
            ValueError,
            "invalid lr value -1.0",
        ),
        (lambda: Adagrad([_param()], lr_decay=-0.1), ValueError, "Adagrad: invalid lr_decay"),
        (
            lambda: Adagrad([_param()], initial_accumulator_value=-1),
            ValueError,
            "invalid initial_accumulator_value value -1",
        ),
        (lambda: Adagrad([_param()], eps=-1e-10), ValueError, "invalid eps value"),
        (lambda: RMSprop([_param()], alpha=-0.5), ValueError, "RMSprop: invalid alpha value -0.5"),
        (lambda: RMSprop([_param()], momentum=-0.5), ValueError, "invalid momentum"),
        (lambda: Adam([_param()], betas=(1.0, 0.999)), ValueError, r"invalid betas\[0\] value 1.0"),
        (lambda: Adam([_param()], betas=(0.9, -0.1)), ValueError, r"betas\[1\] value -0.1"),
        (lambda: Adam([_param()], betas=(0.9,)), ValueError, "betas must be a pair"),
        (lambda: Adam([_param()], eps=-1.0), ValueError, "Adam: invalid eps value -1.0"),
        (lambda: AdamW([_param()], weight_decay=-0.01), ValueError, "AdamW: invalid weight_decay"),
        (lambda: Adam([_param()], lr=float("nan")), ValueError, "invalid lr value nan"),
        (lambda: SGD([_param()], lr="0.1"), TypeError, "SGD: lr must be a number, got '0.1'"),
    ],
)
def test_bad_options_raise_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_parameter_in_two_groups_raises():
    p, q = _param(), _param()
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p, q]}, {"params": [q]}], lr=0.1)
    with pytest.raises(ValueError, match="same parameter twice"):
        SGD([p, p], lr=0.1)
    optimizer = SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="'params' entry"):
        optimizer.add_param_group({"lr": 0.1})


def test_non_leaf_tensor_raises():
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([p * 2], lr=0.1)
