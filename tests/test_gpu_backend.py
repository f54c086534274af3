"""The GPU backend's device semantics, on the pretend GPU (so CI without a GPU checks them too).

``use_pretend_gpu()`` makes ``cuda`` a pretend device whose arrays keep CuPy's rules
(:mod:`nnlib.pretend_gpu`). Every behaviour below is torch's: where a tensor lives, moving it,
errors for mixing devices or reading a GPU tensor as NumPy, modules and optimizers on the GPU,
saving and loading, random numbers, data loading and the exchange with torch.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import nnlib
from nnlib import _cupy_names, backend, nn, pretend_gpu
from nnlib.backend import use_pretend_gpu
from nnlib.data import DataLoader, TensorDataset
from nnlib.interop import from_torch, to_torch
from nnlib.optim import Adam
from nnlib.pretend_gpu import PretendArray, SeamError

NNLIB = Path(nnlib.__file__).resolve().parent


@pytest.fixture
def gpu():
    """The pretend GPU as ``cuda``, with the CPU as the default device."""
    with use_pretend_gpu():
        backend.set_default_device("cpu")
        yield


# ------------------------------------------------------------------ devices
def test_the_pretend_gpu_is_listed_and_picked(gpu):
    assert backend.available_devices() == ["cpu", "cuda:0"]
    assert nnlib.cuda.is_available() and nnlib.cuda.device_count() == 1
    assert nnlib.pick_device("auto") == "cuda:0" and nnlib.pick_device("cpu") == "cpu"
    assert "pretend" in nnlib.cuda.get_device_name()
    assert nnlib.device("cuda:0").type == "cuda" and nnlib.device("cuda:0").index == 0
    nnlib.cuda.synchronize()


def test_without_a_gpu_auto_is_the_cpu_and_cuda_raises(without_gpu):
    assert nnlib.pick_device("auto") == "cpu" and not nnlib.cuda.is_available()
    with pytest.raises(RuntimeError, match="'cuda' is not available to nnlib: CuPy is not"):
        nnlib.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="not available"):
        nn.Linear(2, 2).cuda()


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "cpu:0:1", "tpu"])
def test_unknown_device_strings_raise(gpu, name):
    with pytest.raises(RuntimeError, match="unknown device"):
        nnlib.zeros(2, device=name)


def test_a_device_index_beyond_the_count_raises(gpu):
    with pytest.raises(RuntimeError, match="has 1 CUDA device"):
        nnlib.zeros(2, device="cuda:1")
    with pytest.raises(RuntimeError, match="not available to nnlib"):
        nnlib.zeros(2, device="mps")


# ------------------------------------------------------------------ tensors
@pytest.mark.parametrize(
    "make",
    [
        lambda d: nnlib.tensor([1.0, 2.0], device=d),
        lambda d: nnlib.zeros(2, 3, device=d),
        lambda d: nnlib.ones(2, device=d),
        lambda d: nnlib.empty(2, device=d),
        lambda d: nnlib.full((2,), 3.0, device=d),
        lambda d: nnlib.arange(4, device=d),
        lambda d: nnlib.linspace(0, 1, 5, device=d),
        lambda d: nnlib.eye(3, device=d),
        lambda d: nnlib.rand(3, device=d),
        lambda d: nnlib.randn(3, device=d),
        lambda d: nnlib.randint(0, 5, (4,), device=d),
        lambda d: nnlib.randperm(6, device=d),
        lambda d: nnlib.normal(0.0, 1.0, (3,), device=d),
        lambda d: nnlib.zeros_like(nnlib.ones(2, device=d)),
        lambda d: nnlib.randn_like(nnlib.ones(2, device=d)),
        lambda d: nnlib.ones(2, device=d).new_zeros(3),
    ],
)
def test_every_factory_makes_tensors_on_the_device(gpu, make):
    t = make("cuda")
    assert t.device == "cuda:0" and t.is_cuda and isinstance(t._array, PretendArray)
    assert make("cpu").device == "cpu" and make(None).device == "cpu"


def test_randperm_on_the_gpu_is_a_permutation(gpu):
    nnlib.manual_seed(3)
    values = nnlib.randperm(50, device="cuda").cpu().tolist()
    assert sorted(values) == list(range(50)) and values != list(range(50))


def test_reading_a_gpu_tensor_as_numpy_raises_like_torch(gpu):
    t = nnlib.tensor([1.5, 2.5], device="cuda")
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor.*Tensor.cpu\(\)"):
        t.numpy()
    with pytest.raises(TypeError, match="Use Tensor.cpu"):
        np.asarray(t)
    np.testing.assert_array_equal(t.cpu().numpy(), [1.5, 2.5])
    assert t.tolist() == [1.5, 2.5]
    assert float(t.sum()) == 4.0 and t[0].item() == 1.5
    assert repr(t) == "tensor([1.5000, 2.5000], device='cuda:0')"
    assert repr(nnlib.zeros(1, dtype=nnlib.float64, device="cuda", requires_grad=True)) == (
        "tensor([0.], device='cuda:0', dtype=float64, requires_grad=True)"
    )


def test_ops_refuse_to_mix_devices_except_zero_dim_cpu_tensors(gpu):
    x = nnlib.ones(3, device="cuda", requires_grad=True)
    with pytest.raises(RuntimeError, match="same device.*cuda:0 and cpu"):
        x + nnlib.ones(3)
    with pytest.raises(RuntimeError, match="same device.*cuda:0 and cpu"):
        nnlib.ones(3) @ x
    with pytest.raises(RuntimeError, match="a NumPy array is on the cpu"):
        x * np.ones(3)
    scale = nnlib.tensor(2.0, requires_grad=True)  # 0-d on the CPU: joins the GPU, as in torch
    y = (x * scale).sum()
    assert y.device == "cuda:0"
    y.backward()
    assert scale.grad.device == "cpu" and scale.grad.item() == 3.0
    assert x.grad.device == "cuda:0" and x.grad.cpu().tolist() == [2.0, 2.0, 2.0]


def test_to_cuda_cpu_move_and_are_differentiable(gpu):
    x = nnlib.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda:0" and y.grad_fn is not None and x.cuda().device == "cuda:0"
    assert y.to("cuda") is y and y.cuda() is y and x.cpu() is x
    (y.cpu() * y.cpu()).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0]
    z = x.to("cuda", nnlib.float64)
    assert z.device == "cuda:0" and z.dtype == np.float64
    assert nnlib.ones(2).to(z).device == "cuda:0"  # t.to(other): other's dtype and device
    assert x.to(0).device == "cuda:0"


def test_moving_between_devices_matches_torch(gpu, device):
    """Values and gradients through a round trip CPU -> GPU -> CPU, against torch's ``to``."""
    data = np.array([[1.5, -2.0], [0.25, 4.0]])
    x = nnlib.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out = ((x.to("cuda") * 3).exp().cpu() * x).sum()
    tout = ((tx.to(device) * 3).exp().to("cpu") * tx).sum()
    out.backward()
    tout.backward()
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="unknown device 'gpu'"):
        x.to("gpu")


def test_indexing_and_assignment_accept_cpu_indices_and_values(gpu):
    t = nnlib.arange(6, device="cuda").reshape(2, 3)
    assert t[[1, 0]].device == "cuda:0" and t[nnlib.tensor([1])].cpu().tolist() == [[3, 4, 5]]
    t[0] = np.array([7, 8, 9])
    t[1, nnlib.tensor([0, 2])] = 0
    assert t.cpu().tolist() == [[7, 8, 9], [0, 4, 0]]


def test_out_of_range_indices_raise_although_cupy_would_wrap_them(gpu):
    raw = pretend_gpu.xp.arange(3)
    assert int(raw[np.array([3])][0]) == 0  # the pretend GPU wraps around, as CuPy does
    t = nnlib.arange(6, device="cuda").reshape(2, 3)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        t[:, [0, 3]]
    with pytest.raises(IndexError, match="index -3 is out of bounds for dimension 0 with size 2"):
        t[[-3]]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1"):
        t[..., nnlib.tensor([5])] = 1
    assert t[..., [-1]].cpu().tolist() == [[2], [5]]


def test_copy_works_across_devices_like_torch(gpu):
    weight = nn.Linear(2, 2).weight  # on the CPU
    with nnlib.no_grad():
        weight.copy_(nnlib.ones(2, 2, device="cuda"))
    assert weight.device == "cpu" and weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    source = nnlib.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    buffer = nnlib.zeros(2)
    buffer.copy_(source * 3)  # recorded: the gradient flows back to the GPU
    buffer.sum().backward()
    assert buffer.device == "cpu" and source.grad.device == "cuda:0"
    assert source.grad.cpu().tolist() == [3.0, 3.0]


def test_a_list_of_gpu_tensors_makes_one_tensor(gpu):
    parts = [nnlib.tensor(1.0, device="cuda"), nnlib.tensor(2.0, device="cuda")]
    assert nnlib.tensor(parts).tolist() == [1.0, 2.0]


# ------------------------------------------------------------------ modules and optimizers
def _train(model, x, y, steps=3):
    optimizer = Adam(model.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return loss, optimizer


def test_module_to_moves_parameters_in_place_and_trains_like_the_cpu(gpu):
    nnlib.manual_seed(0)
    cpu_model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    gpu_model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    gpu_model.load_state_dict(cpu_model.state_dict())
    weight = gpu_model[0].weight
    assert gpu_model.cuda() is gpu_model and gpu_model[0].weight is weight
    assert all(p.device == "cuda:0" for p in gpu_model.parameters())
    x = nnlib.randn(5, 3)
    y = nnlib.randn(5, 1)
    cpu_loss, _ = _train(cpu_model, x, y)
    gpu_loss, optimizer = _train(gpu_model, x.cuda(), y.cuda())
    assert gpu_loss.device == "cuda:0" and gpu_loss.item() == pytest.approx(cpu_loss.item())
    state = optimizer.state[weight]
    assert backend.device_of(state["exp_avg"]) == "cuda:0"
    gpu_model.cpu()
    assert weight.device == "cpu" and weight.grad.device == "cpu"
    np.testing.assert_allclose(weight.detach().numpy(), cpu_model[0].weight.detach().numpy())


def test_modules_honour_device_and_buffers_move(gpu):
    bn = nn.BatchNorm1d(3).to("cuda")
    assert nn.BatchNorm1d(3, device="cuda").running_var.device == "cuda:0"
    assert bn.running_mean.device == "cuda:0" and bn.num_batches_tracked.device == "cuda:0"
    bn(nnlib.randn(4, 3, device="cuda"))
    assert bn.num_batches_tracked.item() == 1
    assert nn.Linear(2, 2, device="cuda").weight.device == "cuda:0"
    assert nn.Conv2d(1, 2, 3, device="cuda").weight.device == "cuda:0"
    assert nn.LSTM(2, 3, device="cuda").weight_hh_l0.device == "cuda:0"
    assert nn.Embedding(5, 2, device="cuda").weight.device == "cuda:0"
    backend.set_default_device("cuda")
    assert nn.Linear(2, 2).weight.device == "cuda:0"  # the default device
    assert nn.Linear(2, 2, device="cpu").weight.device == "cpu"


# ------------------------------------------------------------------ files, torch and data
def test_save_writes_cpu_arrays_and_load_restores_the_device(gpu, tmp_path):
    path = tmp_path / "ckpt.npz"
    model = nn.Linear(2, 1).cuda()
    _, optimizer = _train(model, nnlib.randn(4, 2, device="cuda"), nnlib.randn(4, 1, device="cuda"))
    nnlib.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    with np.load(path, allow_pickle=False) as archive:  # plain NumPy arrays in the file
        assert all(isinstance(archive[name], np.ndarray) for name in archive.files)
    loaded = nnlib.load(path)
    assert loaded["model"]["weight"].device == "cuda:0"
    assert backend.device_of(loaded["optimizer"]["state"][0]["exp_avg"]) == "cuda:0"
    on_cpu = nnlib.load(path, map_location="cpu")
    assert on_cpu["model"]["weight"].device == "cpu"
    assert isinstance(on_cpu["optimizer"]["state"][0]["exp_avg"], np.ndarray)
    mapped = nnlib.load(path, map_location={"cuda:0": "cpu"})
    assert mapped["model"]["bias"].device == "cpu"
    restored = nn.Linear(2, 1)
    restored.load_state_dict(loaded["model"])  # GPU values into a CPU model
    np.testing.assert_array_equal(
        restored.weight.detach().numpy(), model.weight.detach().cpu().numpy()
    )


def test_loading_gpu_tensors_without_a_gpu_asks_for_map_location(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    with use_pretend_gpu():
        nnlib.save({"w": nnlib.ones(2, device="cuda")}, path)
    from nnlib import backend as b

    monkeypatch.setattr(b, "_cuda", None)
    monkeypatch.setattr(b, "_cuda_searched", True)
    with pytest.raises(RuntimeError, match="saved on cuda:0.*map_location='cpu'"):
        nnlib.load(path)
    assert nnlib.load(path, map_location="cpu")["w"].device == "cpu"


def test_interop_goes_through_dlpack(gpu):
    t = nnlib.tensor([[1.0, 2.0]], device="cuda", requires_grad=True)
    tt = to_torch(t)
    assert isinstance(tt, torch.Tensor) and tt.tolist() == [[1.0, 2.0]] and tt.requires_grad
    back = from_torch(torch.tensor([3.0, 4.0]))
    assert back.device == "cpu" and back.tolist() == [3.0, 4.0]


def test_a_data_set_kept_on_the_gpu_gives_gpu_batches(gpu):
    x, y = nnlib.randn(10, 2), nnlib.arange(10)
    on_gpu = DataLoader(TensorDataset(x.cuda(), y.cuda()), batch_size=4, shuffle=True)
    on_cpu = DataLoader(TensorDataset(x, y), batch_size=4)
    assert {b.device for batch in on_gpu for b in batch} == {"cuda:0"}
    assert {b.device for batch in on_cpu for b in batch} == {"cpu"}
    assert sorted(v for _, yb in on_gpu for v in yb.cpu().tolist()) == list(range(10))


def test_fit_moves_batches_to_the_model_device(gpu):
    from nnlib.training import fit

    nnlib.manual_seed(0)
    model = nn.Linear(2, 1).cuda()
    loader = DataLoader(TensorDataset(nnlib.randn(8, 2), nnlib.randn(8, 1)), batch_size=4)
    history = fit(
        model, Adam(model.parameters(), lr=0.1), nn.MSELoss(), loader, epochs=2, progress=False
    )
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]


# ------------------------------------------------------------------ random numbers
def test_seeding_makes_gpu_draws_repeatable_and_cuda_seed_leaves_the_cpu_alone(gpu):
    nnlib.manual_seed(5)
    first = nnlib.randn(4, device="cuda").cpu().tolist()
    cpu_stream = [nnlib.randn(2).tolist(), nnlib.randn(2).tolist()]
    nnlib.manual_seed(5)
    assert nnlib.randn(4, device="cuda").cpu().tolist() == first
    assert nnlib.randn(2).tolist() == cpu_stream[0]
    nnlib.cuda.manual_seed(5)  # reseeds the GPU only: the CPU stream goes on
    assert nnlib.randn(4, device="cuda").cpu().tolist() == first
    assert nnlib.randn(2).tolist() == cpu_stream[1]
    drops = nn.functional.dropout(nnlib.ones(1000, device="cuda"), 0.5)
    assert drops.device == "cuda:0" and 400 < int((drops == 0).sum()) < 600


# ------------------------------------------------------------------ the pretend GPU's rules
def _run_as_nnlib_code(source: str, **names):
    """Run ``source`` as if it were a file of the nnlib package (the rules apply there)."""
    namespace = {"np": np, **names}
    exec(compile(source, os.path.join(NNLIB, "_probe.py"), "exec"), namespace)  # noqa: S102
    return namespace.get("result")


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("result = np.asarray(a)", SeamError),
        ("result = a + np.ones(3)", SeamError),
        ("result = np.ones(3) * a", SeamError),
        ("result = a[np.array([0, 1])]", SeamError),
        ("a[:2] = np.array([1.0, 2.0])", SeamError),
        ("result = np.concatenate([a, np.ones(2)])", SeamError),
        ("result = np.lib.stride_tricks.as_strided(a, (2,), (8,))", SeamError),
        ("result = xp.lib.stride_tricks.as_strided(a, (2,), (8,), writeable=False)", TypeError),
        ("result = a.flags.writeable", AttributeError),
        ("result = a.setflags(write=False)", AttributeError),
        ("result = xp.errstate", AttributeError),
    ],
)
def test_nnlib_code_that_bypasses_the_seam_fails(source, error):
    a = pretend_gpu.xp.asarray(np.arange(3.0))
    with pytest.raises(error):
        _run_as_nnlib_code(source, a=a, xp=pretend_gpu.xp)


def test_pretend_arrays_behave_like_cupy_arrays():
    xp = pretend_gpu.xp
    a = xp.asarray(np.arange(6.0).reshape(2, 3))
    assert not isinstance(a, np.ndarray) and isinstance(a, xp.ndarray)
    total = _run_as_nnlib_code("result = (a * 2 + 1).sum()", a=a)
    assert isinstance(total, PretendArray) and total.shape == () and float(total) == 36.0
    assert isinstance(a[0, 0], PretendArray)  # scalar indexing gives a 0-d array
    view = xp.diagonal(a)
    view[...] = 0  # CuPy's diagonal is writeable
    assert a.get()[0, 0] == 0 and a.get()[1, 1] == 0
    assert a.T.base is a.T.base  # .base keeps its identity
    assert isinstance(a.get(), np.ndarray)


_XP_USE = re.compile(r"\bxp\.(linalg\.|lib\.stride_tricks\.)?([A-Za-z_]\w*)")


def test_the_library_uses_only_functions_cupy_has():
    """Every ``xp.name`` in nnlib exists in CuPy, also in code the tests do not reach."""
    known = {
        "": _cupy_names.MODULE | {"ndarray", "linalg", "lib", "random"},
        "linalg.": _cupy_names.LINALG,
        "lib.stride_tricks.": _cupy_names.STRIDE_TRICKS,
    }
    missing = set()
    for path in NNLIB.rglob("*.py"):
        if path.name in {"pretend_gpu.py", "_cupy_names.py"}:
            continue
        for prefix, name in _XP_USE.findall(path.read_text()):
            if name not in known[prefix]:
                missing.add(f"{path.relative_to(NNLIB)}: xp.{prefix}{name}")
    assert not missing, sorted(missing)
