"""Three ordinary torch training programs, run once with torch and once with nnlib.

Each program below is plain torch code. The nnlib run executes the very same text with only
the import lines changed (``import nnlib as torch``, ``import nnlib.nn as nn``, ...), starts
from the same initial weights (copied from a torch model) and must reproduce torch's loss
at every step.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch

import nnlib

IMPORTS_FOR_NNLIB = {
    "import torch\n": "import nnlib as torch\n",
    "import torch.nn as nn\n": "import nnlib.nn as nn\n",
    "import torch.nn.functional as F\n": "import nnlib.nn.functional as F\n",
    "from torch.utils.data import": "from nnlib.utils.data import",
    "from torch.optim.lr_scheduler import": "from nnlib.optim.lr_scheduler import",
}

MLP_WITH_DATALOADER = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.optim.lr_scheduler import StepLR


class MLP(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_hidden)
        self.out = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.out(x)


def run(x, y, init, device):
    device = torch.device(device if torch.cuda.is_available() else "cpu")
    data = TensorDataset(torch.tensor(x), torch.tensor(y))
    loader = DataLoader(data, batch_size=16, shuffle=False, num_workers=0)
    model = MLP(x.shape[1] * x.shape[2], 32, 3).to(device)
    model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    criterion = nn.CrossEntropyLoss()
    losses, log = [], []
    for epoch in range(4):
        model.train()
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in loader:
                pred = model(xb.to(device)).argmax(dim=1)
                correct += (pred == yb.to(device)).sum().item()
        log.append(f"epoch {epoch}: loss {loss:.4f} acc {correct / len(data):.3f}")
    return losses, log
"""

REGRESSION_WITH_GROUPS = """
import torch
import torch.nn as nn


def run(x, y, init, device):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(x.shape[1], 16), nn.Tanh(), nn.Linear(16, 1))
    model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    model = model.double().to(device)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith("bias") else decay).append(p)
    optimizer = torch.optim.SGD(
        [
            {"params": decay, "weight_decay": 1e-3},
            {"params": no_decay, "lr": 0.05, "weight_decay": 0.0},
        ],
        lr=0.02,
        momentum=0.9,
        nesterov=True,
    )
    inputs = torch.from_numpy(x).to(device)
    targets = torch.from_numpy(y).view(-1, 1).to(device)
    losses, norms = [], []
    for step in range(60):
        batch = slice((step * 8) % len(x), (step * 8) % len(x) + 8)
        optimizer.zero_grad()
        prediction = model(inputs[batch])
        loss = nn.functional.mse_loss(prediction, targets[batch])
        loss.backward()
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        optimizer.step()
        with torch.no_grad():
            for p in model.parameters():
                p.data.clamp_(-3.0, 3.0)
        losses.append(loss.item())
        norms.append(float(total))
    with torch.no_grad():
        final = ((model(inputs) - targets) ** 2).mean().item()
    return losses + norms + [final], [f"{final:.6f}"]
"""

BATCHNORM_DROPOUT_SAVE_LOAD = """
import os
import torch
import torch.nn as nn


def make_model(n_in, p):
    return nn.Sequential(
        nn.Linear(n_in, 24, bias=False),  # BatchNorm's shift makes a bias redundant
        nn.BatchNorm1d(24),
        nn.ReLU(),
        nn.Dropout(p),
        nn.Linear(24, 2),
    )


def run(x, y, init, device, p=0.0, folder="."):
    model = make_model(x.shape[1], p)
    model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    inputs, labels = torch.tensor(x), torch.tensor(y)
    losses = []
    for epoch in range(3):
        model.train()
        for start in range(0, len(x), 20):
            optimizer.zero_grad()
            loss = criterion(model(inputs[start : start + 20]), labels[start : start + 20])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            losses.append(criterion(model(inputs), labels).item())
    path = os.path.join(folder, "checkpoint.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    restored = make_model(x.shape[1], p)
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer = torch.optim.RMSprop(restored.parameters(), lr=1e-3, alpha=0.9)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    restored.eval()
    with torch.no_grad():
        same = torch.equal(restored(inputs), model(inputs))
        losses.append(criterion(restored(inputs), labels).item())
    for network, opt in ((model, optimizer), (restored, restored_optimizer)):
        network.train()
        opt.zero_grad()
        loss = criterion(network(inputs[:20]), labels[:20])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    running = model[1].running_mean.tolist() + model[1].running_var.tolist()
    return losses + running + [float(same)], [str(model[1].num_batches_tracked.item())]
"""


def _namespace(source: str, for_nnlib: bool) -> dict:
    if for_nnlib:
        for old, new in IMPORTS_FOR_NNLIB.items():
            source = source.replace(old, new)
    namespace: dict = {}
    exec(compile(textwrap.dedent(source), "<program>", "exec"), namespace)  # noqa: S102
    return namespace


def _only_imports_differ(source: str) -> None:
    ported = source
    for old, new in IMPORTS_FOR_NNLIB.items():
        ported = ported.replace(old, new)
    changed = [
        (a, b) for a, b in zip(source.splitlines(), ported.splitlines(), strict=True) if a != b
    ]
    assert changed and all(a.lstrip().startswith(("import ", "from ")) for a, _ in changed)


def _initial_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def _compare(source: str, x, y, init, device, rtol, **kwargs):
    _only_imports_differ(source)
    theirs, their_log = _namespace(source, False)["run"](x, y, init, device, **kwargs)
    nnlib_device = str(nnlib.get_default_device())  # the pretend GPU when the suite runs on it
    ours, our_log = _namespace(source, True)["run"](x, y, init, nnlib_device, **kwargs)
    assert len(ours) == len(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)
    assert our_log == their_log


def _blobs(rng, n, n_features, classes):
    centers = rng.standard_normal((classes, n_features)) * 2
    y = rng.integers(0, classes, n)
    x = centers[y] + rng.standard_normal((n, n_features))
    return x, y


def test_mlp_with_dataloader_adam_and_scheduler(device):
    rng = np.random.default_rng(0)
    x, y = _blobs(rng, 80, 6, 3)
    x = x.reshape(80, 2, 3).astype(np.float32)
    torch.manual_seed(0)
    model = _namespace(MLP_WITH_DATALOADER, False)["MLP"](6, 32, 3)
    _compare(MLP_WITH_DATALOADER, x, y.astype(np.int64), _initial_state(model), device, 2e-4)


def test_regression_with_parameter_groups_and_clipping(device):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 5))
    y = np.sin(x @ rng.standard_normal(5)) + 0.1 * rng.standard_normal(64)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    _compare(REGRESSION_WITH_GROUPS, x, y, _initial_state(model), device, 1e-9)


@pytest.mark.parametrize("p", [0.0, 0.5])
def test_batchnorm_dropout_train_eval_save_load(p, device, tmp_path):
    rng = np.random.default_rng(2)
    x, y = _blobs(rng, 60, 4, 2)
    x = x.astype(np.float32)
    torch.manual_seed(2)
    model = _namespace(BATCHNORM_DROPOUT_SAVE_LOAD, False)["make_model"](4, p)
    init = _initial_state(model)
    if p == 0.0:  # no random masks: every loss must match torch's, step by step
        _compare(BATCHNORM_DROPOUT_SAVE_LOAD, x, y, init, device, 2e-4, folder=str(tmp_path))
        return
    # With dropout the masks differ between the libraries (different random streams), so
    # only what does not depend on them is compared: the program runs, eval mode is
    # deterministic, and the checkpoint restores the model exactly.
    ours, log = _namespace(BATCHNORM_DROPOUT_SAVE_LOAD, True)["run"](
        x, y, init, device, p=p, folder=str(tmp_path)
    )
    assert ours[-1] == 1.0 and log == ["10"]  # 3 epochs of 3 batches, then one more step
    assert np.isfinite(ours).all()
