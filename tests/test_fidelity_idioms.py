"""The idioms torch programs are written in, each checked against torch itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nnlib
import nnlib.nn as nn
import nnlib.nn.functional as F
from nnlib.optim import SGD, Adam
from nnlib.optim import lr_scheduler as sched

A = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 3.0, -0.25, 1.0]])


def twins(array, device, requires_grad=True):
    return (
        nnlib.tensor(array, requires_grad=requires_grad),
        torch.tensor(array, device=device, requires_grad=requires_grad),
    )


def assert_close(ours, theirs, rtol=1e-10):
    np.testing.assert_allclose(
        np.asarray(ours._array if isinstance(ours, nnlib.Tensor) else ours),
        theirs.detach().cpu().numpy() if isinstance(theirs, torch.Tensor) else theirs,
        rtol=rtol,
        atol=1e-12,
    )


# ---------------------------------------------------------------------- namespace idioms
def test_device_dtype_aliases_cuda_and_utils_data(without_gpu):
    device = nnlib.device("cuda" if nnlib.cuda.is_available() else "cpu")
    assert device == "cpu" and device.type == "cpu" and not nnlib.cuda.is_available()
    assert nnlib.cuda.device_count() == 0
    nnlib.cuda.manual_seed(0)
    nnlib.cuda.manual_seed_all(0)
    for name in ("long", "float", "double", "half", "float16", "bool", "int", "short", "int8"):
        ours = getattr(nnlib, name)
        theirs = getattr(torch, name)
        assert str(ours) == str(theirs).removeprefix("torch."), name
    from nnlib.utils.data import DataLoader, TensorDataset

    assert DataLoader is nnlib.data.DataLoader and TensorDataset is nnlib.data.TensorDataset
    assert nnlib.ones(3).to(device, non_blocking=True).device == "cpu"
    x = nnlib.ones(2, dtype=nnlib.float64)
    assert x.to("cpu", nnlib.float32, non_blocking=True).dtype == nnlib.float32


def test_equal_allclose_isclose(device):
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7])
    for lib, make in ((nnlib, nnlib.tensor), (torch, lambda v: torch.tensor(v, device=device))):
        assert lib.equal(make(a), make(a)) and not lib.equal(make(a), make(b))
        assert lib.allclose(make(a), make(b)) and make(a).allclose(make(b))
    np.testing.assert_array_equal(
        nnlib.isclose(nnlib.tensor(a), nnlib.tensor(b), rtol=0, atol=1e-9)._array,
        torch.isclose(torch.tensor(a), torch.tensor(b), rtol=0, atol=1e-9).numpy(),
    )


def test_size_compares_equal_to_tuples():
    x, tx = nnlib.zeros(2, 3), torch.zeros(2, 3)
    assert x.shape == (2, 3) == tx.shape and x.size() == tx.size()
    assert isinstance(x.shape, tuple) and isinstance(x.shape, nnlib.Size)
    assert x.shape.numel() == tx.shape.numel() == 6
    assert x.shape[1:] == tx.shape[1:] == (3,) and isinstance(x.shape[1:], nnlib.Size)
    assert x.size(-1) == 3


def test_factories_size_keyword_normal_and_type():
    assert nnlib.zeros(size=(2, 3)).shape == torch.zeros(size=(2, 3)).shape
    assert nnlib.ones(size=[4]).shape == (4,) and nnlib.empty(size=(1, 2)).shape == (1, 2)
    assert nnlib.rand(size=(2,)).shape == (2,) and nnlib.randn(size=(3, 1)).shape == (3, 1)
    nnlib.manual_seed(3)
    a = nnlib.normal(2.0, 3.0, size=(4000,))
    nnlib.manual_seed(3)
    b = nnlib.normal(2.0, 3.0, size=(4000,))
    np.testing.assert_array_equal(a._array, b._array)
    assert a.dtype == torch.normal(2.0, 3.0, size=(2,)).numpy().dtype
    assert abs(a.mean().item() - 2.0) < 0.2 and abs(a.std().item() - 3.0) < 0.2
    means = nnlib.zeros(3, dtype=nnlib.float64)
    assert nnlib.normal(means, 1.0).shape == (3,) and nnlib.normal(means, 1.0).dtype == "float64"
    for dtype in ("torch.FloatTensor", "torch.DoubleTensor", "torch.LongTensor"):
        assert nnlib.ones(2).type(dtype).type() == torch.ones(2).type(dtype).type() == dtype
    assert nnlib.ones(2).type(nnlib.float64).dtype == nnlib.float64
    assert nnlib.tensor([1, 2]).type() == torch.tensor([1, 2]).type()


def test_numpy_keyword_aliases(device):
    x, tx = twins(A, device, requires_grad=False)
    for name in ("sum", "mean", "std", "var", "prod", "logsumexp", "norm", "argmax"):
        kwargs = {"axis": 1, "keepdims": True}
        if name == "norm":
            kwargs = {"dim": 1, "keepdim": True}  # torch's norm has no keepdims alias
        assert_close(getattr(x, name)(**kwargs), getattr(tx, name)(**kwargs))
    assert_close(x.max(axis=0).values, tx.max(axis=0).values)
    assert_close(nnlib.sum(x, axis=0), torch.sum(tx, axis=0))


# ---------------------------------------------------------------------- Tensor methods
@pytest.mark.parametrize(
    "method",
    [
        lambda t: t.contiguous(),
        lambda t: t.T.contiguous(),
        lambda t: t.t(),
        lambda t: t.repeat(2, 3),
        lambda t: t.repeat(2, 1, 2),
        lambda t: t.norm(),
        lambda t: t.norm(dim=1),
        lambda t: t.norm(p=1),
        lambda t: t.norm(p=3, dim=0),
        lambda t: t.norm(p=math.inf, dim=1),
        lambda t: t.prod(),
        lambda t: t.prod(1),
        lambda t: t.prod(0, keepdim=True),
        lambda t: t.split(3, dim=1)[1],
        lambda t: t.split([1, 3], dim=1)[1],
        lambda t: t.chunk(2, dim=1)[0],
        lambda t: t.diagonal(),
        lambda t: t.narrow(1, 1, 2),
        lambda t: t % 0.75,
        lambda t: t.unbind(1)[2],
    ],
)
def test_methods_match_torch_values_and_gradients(method, device):
    x, tx = twins(A, device)
    out, t_out = method(x), method(tx)
    assert out.shape == tuple(t_out.shape) and str(out.dtype) == str(t_out.dtype)[6:]
    assert_close(out, t_out)
    upstream = np.arange(1.0, 1.0 + out._array.size).reshape(out.shape)
    (out * nnlib.tensor(upstream)).sum().backward()
    (t_out * torch.tensor(upstream, device=device)).sum().backward()
    assert_close(x.grad, tx.grad)


def test_norm_and_prod_gradients_at_zero(device):
    x, tx = twins(np.zeros((2, 3)), device)
    x.norm().backward()
    tx.norm().backward()
    assert_close(x.grad, tx.grad)
    y, ty = twins(np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]]), device)
    y.prod(1).sum().backward()
    ty.prod(1).sum().backward()
    assert_close(y.grad, ty.grad)


def test_format_bitwise_floordiv_mod(device):
    loss, t_loss = nnlib.tensor(1.23456), torch.tensor(1.23456, device=device)
    assert f"{loss:.4f}" == f"{t_loss:.4f}" == "1.2346"
    assert f"{nnlib.tensor(3)}" == "3" == f"{torch.tensor(3)}"
    assert f"{nnlib.ones(2)}" == str(nnlib.ones(2))
    with pytest.raises(TypeError):
        f"{nnlib.ones(2):.2f}"
    with pytest.raises(TypeError):
        f"{torch.ones(2):.2f}"
    p, q = [True, True, False], [True, False, False]
    for op in (lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b, lambda a, b: ~a):
        ours = op(nnlib.tensor(p), nnlib.tensor(q))
        theirs = op(torch.tensor(p, device=device), torch.tensor(q, device=device))
        assert ours.dtype == nnlib.bool_
        np.testing.assert_array_equal(ours._array, theirs.cpu().numpy())
    ints = [7, -7, 5, 0]
    for op in (
        lambda a: a // 2,
        lambda a: a % 3,
        lambda a: a // -2,
        lambda a: a % -3,
        lambda a: ~a,
        lambda a: a & 6,
        lambda a: a.float() // 2,
        lambda a: a.float() % 2.5,
    ):
        ours, theirs = op(nnlib.tensor(ints)), op(torch.tensor(ints, device=device))
        assert str(ours.dtype) == str(theirs.dtype)[6:]
        np.testing.assert_array_equal(ours._array, theirs.cpu().numpy())
    with pytest.raises(RuntimeError, match="bitwise"):
        nnlib.ones(2) & nnlib.ones(2)
    w = nnlib.tensor([3.0, -3.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="floor_divide"):
        (w // 2).sum().backward()
    with pytest.raises(RuntimeError, match="remainder"):
        (2.0 % (w + 5.0)).sum().backward()  # torch has no derivative w.r.t. the divisor
    tw = torch.tensor([3.0, -3.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="remainder"):
        (2.0 % (tw + 5.0)).sum().backward()


def test_bare_no_grad_decorator_and_inference_mode():
    @nnlib.no_grad
    def evaluate(x):
        return x * 2

    @torch.no_grad
    def t_evaluate(x):
        return x * 2

    assert not evaluate(nnlib.ones(2, requires_grad=True)).requires_grad
    assert not t_evaluate(torch.ones(2, requires_grad=True)).requires_grad
    assert evaluate.__name__ == "evaluate"

    @nnlib.no_grad()
    def called(x):
        return x * 2

    assert not called(nnlib.ones(2, requires_grad=True)).requires_grad
    with nnlib.inference_mode():
        assert not (nnlib.ones(2, requires_grad=True) * 2).requires_grad

    @nnlib.inference_mode
    def predict(x):
        return x * 2

    @nnlib.inference_mode()
    def predict_called(x):
        return x * 2

    assert not predict(nnlib.ones(2, requires_grad=True)).requires_grad
    assert not predict_called(nnlib.ones(2, requires_grad=True)).requires_grad
    with nnlib.inference_mode(False):
        assert (nnlib.ones(2, requires_grad=True) * 2).requires_grad
    with nnlib.enable_grad():
        assert nnlib.is_grad_enabled()


def test_functional_relu_inplace_and_one_hot(device):
    x, tx = twins(A, device)
    h, th = x * 2, tx * 2
    out, t_out = F.relu(h, inplace=True), torch.nn.functional.relu(th, inplace=True)
    assert out is h and t_out is th
    assert_close(h, th)
    (h * h).sum().backward()
    (th * th).sum().backward()
    assert_close(x.grad, tx.grad)
    for module in (nn.ReLU(inplace=True),):
        h = nnlib.tensor(A) * 1
        module(h)
        assert (h._array >= 0).all()
    labels = [0, 3, 1, 1]
    assert_close(
        F.one_hot(nnlib.tensor(labels)),
        torch.nn.functional.one_hot(torch.tensor(labels, device=device)),
    )
    assert_close(
        F.one_hot(nnlib.tensor([[2], [0]]), num_classes=5),
        torch.nn.functional.one_hot(torch.tensor([[2], [0]], device=device), num_classes=5),
    )
    with pytest.raises(RuntimeError, match="int64"):
        F.one_hot(nnlib.tensor([0.0, 1.0]))


# ---------------------------------------------------------------------- autograd idioms
def test_register_hook_on_leaves_and_intermediates(device):
    def run(lib, make):
        w = make(A)
        seen = []
        w.register_hook(lambda g: seen.append(g.sum().item()))
        h = w * 3
        handle = h.register_hook(lambda g: g * 2)
        (h.exp() * 0.1).sum().backward(retain_graph=True)
        handle.remove()
        first = w.grad.clone()
        w.grad = None
        (h * h).sum().add((w * w).sum()).backward()  # two paths into w: one hook call
        return first, w.grad, seen

    ours = run(nnlib, lambda a: nnlib.tensor(a, requires_grad=True))
    theirs = run(torch, lambda a: torch.tensor(a, device=device, requires_grad=True))
    assert_close(ours[0], theirs[0])
    assert_close(ours[1], theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-10)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        nnlib.ones(2).register_hook(print)


def test_autograd_grad_first_order(device):
    x, tx = twins(A, device)
    w, tw = twins(A[0], device)
    y = ((x * w).sum(1) ** 2).sum()
    ty = ((tx * tw).sum(1) ** 2).sum()
    h = x * 1
    mid = (h.exp() * w).sum()
    t_h = tx * 1
    t_mid = (t_h.exp() * tw).sum()
    gx, gw = nnlib.autograd.grad(y, [x, w])
    tgx, tgw = torch.autograd.grad(ty, [tx, tw])
    assert_close(gx, tgx)
    assert_close(gw, tgw)
    assert x.grad is None and w.grad is None  # .grad untouched, as in torch
    (gh,) = nnlib.autograd.grad(mid, h)
    (tgh,) = torch.autograd.grad(t_mid, t_h)
    assert_close(gh, tgh)
    unused = nnlib.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        nnlib.autograd.grad((x * 2).sum(), [unused])
    assert nnlib.autograd.grad((x * 2).sum(), [unused], allow_unused=True) == (None,)
    with pytest.raises(NotImplementedError, match="create_graph"):
        nnlib.autograd.grad((x * 2).sum(), [x], create_graph=True)


def test_data_is_a_tensor_sharing_storage():
    p = nn.Parameter(nnlib.zeros(3))
    tp = torch.nn.Parameter(torch.zeros(3))
    assert isinstance(p.data, nnlib.Tensor) and not p.data.requires_grad
    p.data.normal_()
    assert (p._array != 0).any()
    p.data.sub_(p.data)
    tp.data.sub_(tp.data)
    np.testing.assert_array_equal(p._array, tp.detach().numpy())
    p.data.add_(2.0)
    (p * p).sum().backward()
    p.grad.data.zero_()
    assert (p.grad._array == 0).all()
    p.data = nnlib.ones(3, dtype=nnlib.float64)
    tp.data = torch.ones(3, dtype=torch.float64)
    assert p.dtype == nnlib.float64 and str(tp.dtype) == "torch.float64"
    with nnlib.no_grad():
        p.data[0] = 5.0
    assert p[0].item() == 5.0


def test_grad_fn_names_like_torch():
    x = nnlib.ones(2, requires_grad=True)
    assert repr((x * 2).grad_fn) == "<MulBackward0>" and (x + x).grad_fn.name() == "AddBackward0"
    assert (x.exp() * x).sum().grad_fn.name() == torch.ones(
        2, requires_grad=True
    ).sum().grad_fn.name()


# ---------------------------------------------------------------------- data and files
def test_tensor_dataset_slicing_and_dataloader_options(device):
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    ours = nnlib.data.TensorDataset(nnlib.tensor(x), nnlib.tensor(y))
    theirs = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    for index in (slice(2, 5), [1, 3], slice(None, None, 3)):
        for a, b in zip(ours[index], theirs[index], strict=True):
            assert_close(a, b)
    loader = nnlib.data.DataLoader(ours, batch_size=4, num_workers=2, pin_memory=True)
    assert [tuple(xb.shape) for xb, _ in loader] == [(4, 2), (4, 2), (2, 2)]
    with pytest.raises(ValueError, match="num_workers"):
        nnlib.data.DataLoader(ours, num_workers=-1)


def test_save_load_options_and_errors(tmp_path):
    state = {"w": nnlib.ones(2)}
    path = tmp_path / "state.pt"
    nnlib.save(state, path)
    loaded = nnlib.load(path, map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(loaded["w"]._array, [1.0, 1.0])
    assert nnlib.load(path, map_location=nnlib.device("cpu"))["w"].shape == (2,)
    target = tmp_path / "missing" / "state.pt"
    with pytest.raises(RuntimeError, match="missing.*does not exist") as error:
        nnlib.save(state, target)
    assert ".tmp" not in str(error.value)
    with pytest.raises(RuntimeError):
        torch.save({"w": torch.ones(2)}, target)


def test_load_state_dict_rejects_values_of_the_wrong_type():
    layer = nn.Linear(2, 1)
    with pytest.raises(RuntimeError, match='"weight".*received list'):
        layer.load_state_dict({"weight": [[1.0, 2.0]], "bias": nnlib.zeros(1)})
    with pytest.raises(RuntimeError):
        torch.nn.Linear(2, 1).load_state_dict({"weight": [[1.0, 2.0]], "bias": torch.zeros(1)})


# ---------------------------------------------------------------------- schedulers
def _lr_trace(lib, make_scheduler, steps, metrics=None, optimizer="sgd"):
    """(lr, momentum) of the first group after every step, for two parameter groups."""
    parameter = nn.Parameter if lib is nnlib else torch.nn.Parameter
    groups = [{"params": [parameter(lib.zeros(2))]}, {"params": [parameter(lib.zeros(1))]}]
    groups[1]["lr"] = 0.05
    if optimizer == "sgd":
        opt = (SGD if lib is nnlib else torch.optim.SGD)(groups, lr=0.1, momentum=0.9)
    else:
        opt = (Adam if lib is nnlib else torch.optim.Adam)(groups, lr=0.1)
    scheduler = make_scheduler(sched if lib is nnlib else torch.optim.lr_scheduler, opt)
    trace = []
    for step in range(steps):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[step])
        for group in opt.param_groups:
            momentum = group.get("momentum", group.get("betas", (0.0,))[0])
            trace.append((group["lr"], momentum))
    return trace


@pytest.mark.parametrize(
    "make, optimizer",
    [
        (lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.5), "sgd"),
        (lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=20), "sgd"),
        (lambda s, o: s.OneCycleLR(o, max_lr=0.5, epochs=4, steps_per_epoch=5), "adam"),
        (lambda s, o: s.OneCycleLR(o, 0.3, total_steps=20, anneal_strategy="linear",
                                   three_phase=True), "sgd"),
    ],
)  # fmt: skip
def test_schedulers_match_torch(make, optimizer):
    ours = _lr_trace(nnlib, make, 19, optimizer=optimizer)
    theirs = _lr_trace(torch, make, 19, optimizer=optimizer)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.94, 0.9, 0.91, 0.92, 0.93, 0.8, 0.81, 0.82, 0.83]
    for kwargs in (
        {"patience": 1},
        {"patience": 2, "factor": 0.5, "cooldown": 1, "min_lr": 0.02},
        {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.01},
    ):

        def make(s, o, kwargs=kwargs):
            return s.ReduceLROnPlateau(o, **kwargs)

        ours = _lr_trace(nnlib, make, len(metrics), metrics)
        theirs = _lr_trace(torch, make, len(metrics), metrics)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ---------------------------------------------------------------------- lazy modules
def test_lazy_linear_infers_in_features_like_torch():
    nnlib.manual_seed(0)
    ours = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    theirs = torch.nn.Sequential(torch.nn.LazyLinear(4), torch.nn.ReLU(), torch.nn.LazyLinear(2))
    opt = Adam(ours.parameters(), lr=0.1)  # built before the shapes are known, as in torch
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    ours(nnlib.tensor(x))
    theirs(torch.tensor(x))
    for layer, t_layer in ((ours[0], theirs[0]), (ours[2], theirs[2])):
        assert type(layer).__name__ == type(t_layer).__name__ == "Linear"
        assert layer.weight.shape == tuple(t_layer.weight.shape)
        assert repr(layer) == repr(t_layer)
    ours.load_state_dict(
        {k: nnlib.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    out, t_out = ours(nnlib.tensor(x)), theirs(torch.tensor(x))
    assert_close(out, t_out, rtol=1e-5)
    out.sum().backward()
    opt.step()
    assert all(p.grad is not None for p in ours.parameters())
