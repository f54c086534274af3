"""fit / evaluate / accuracy: history, metrics, progress bar, Ctrl-C and early stopping."""

from __future__ import annotations

import io
import os
import signal

import numpy as np
import pytest

from nnlib.autograd import is_grad_enabled
from nnlib.data.dataloader import DataLoader
from nnlib.data.dataset import TensorDataset
from nnlib.nn.linear import Linear
from nnlib.nn.loss import CrossEntropyLoss
from nnlib.optim.lr_scheduler import StepLR
from nnlib.optim.sgd import SGD
from nnlib.random import manual_seed
from nnlib.regularization import EarlyStopping
from nnlib.tensor import tensor
from nnlib.training import History, accuracy, evaluate, fit, show_progress


def blobs(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs in the plane."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    x = centres[y] + rng.standard_normal((n, 2))
    return x.astype(np.float32), y.astype(np.int64)


def loaders(batch_size: int = 16):
    x, y = blobs()
    train = DataLoader(
        TensorDataset(x[:90], y[:90]), batch_size=batch_size, shuffle=True, generator=0
    )
    val = DataLoader(TensorDataset(x[90:], y[90:]), batch_size=batch_size)
    return train, val


def setup(lr: float = 0.1):
    manual_seed(0)
    model = Linear(2, 3)
    return model, SGD(model.parameters(), lr=lr), CrossEntropyLoss()


def test_fit_learns_and_records_history():
    model, optimizer, loss_fn = setup()
    train, val = loaders()
    history = fit(
        model,
        optimizer,
        loss_fn,
        train,
        epochs=6,
        val_loader=val,
        metrics={"accuracy": accuracy},
        progress=False,
    )
    assert isinstance(history, History)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(values) == 6 for values in history.history.values())
    assert history.epochs == 6 and not history.interrupted and not history.stopped_early
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert history["lr"] == [0.1] * 6
    assert model.training  # fit leaves the mode it found
    final = evaluate(model, loss_fn, val, {"accuracy": accuracy})
    assert final == pytest.approx(
        {"loss": history["val_loss"][-1], "accuracy": history["val_accuracy"][-1]}
    )


def test_epoch_means_are_weighted_by_batch_size():
    """With lr=0 the epoch's training loss equals the full-data loss, whatever the batching."""
    model, _, loss_fn = setup()
    x, y = blobs()
    uneven = DataLoader(TensorDataset(x, y), batch_size=7)  # last batch has 1 sample
    history = fit(model, SGD(model.parameters(), lr=0.0), loss_fn, uneven, progress=False)
    full = loss_fn(model(tensor(x)), tensor(y)).item()
    assert history["loss"][0] == pytest.approx(full, rel=1e-5)
    assert evaluate(model, loss_fn, uneven)["loss"] == pytest.approx(full, rel=1e-5)


def test_evaluate_uses_eval_mode_and_no_grad_and_restores_mode():
    class Spy(Linear):
        seen: list = []

        def forward(self, x):
            Spy.seen.append((self.training, is_grad_enabled()))
            return super().forward(x)

    model = Spy(2, 3)
    _, val = loaders()
    evaluate(model, CrossEntropyLoss(), val)
    assert set(Spy.seen) == {(False, False)}
    assert model.training
    model.eval()
    evaluate(model, None, val, {"accuracy": accuracy})
    assert not model.training


def test_scheduler_is_stepped_every_epoch():
    model, optimizer, loss_fn = setup()
    train, _ = loaders()
    history = fit(
        model,
        optimizer,
        loss_fn,
        train,
        epochs=3,
        scheduler=StepLR(optimizer, 1, gamma=0.5),
        progress=False,
    )
    assert history["lr"] == pytest.approx([0.1, 0.05, 0.025])


def test_scheduler_that_needs_a_metric_gets_the_validation_loss():
    class Plateau:
        def __init__(self):
            self.seen = []

        def step(self, metrics):
            self.seen.append(metrics)

    model, optimizer, loss_fn = setup()
    train, val = loaders()
    plateau = Plateau()
    history = fit(
        model,
        optimizer,
        loss_fn,
        train,
        epochs=2,
        val_loader=val,
        scheduler=plateau,
        progress=False,
    )
    assert plateau.seen == history["val_loss"]


# ------------------------------------------------------------------------------ progress bar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_with_stderr(monkeypatch, **kwargs) -> str:
    fake = FakeTerminal()
    monkeypatch.setattr("sys.stderr", fake)
    model, optimizer, loss_fn = setup()
    train, _ = loaders()
    fit(model, optimizer, loss_fn, train, epochs=2, **kwargs)
    return fake.getvalue()


def test_progress_bar_in_a_terminal(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    text = run_with_stderr(monkeypatch)
    assert "Training" in text and "2/2" in text and "loss=" in text


@pytest.mark.parametrize("value", ["1", "True", "yes"])
def test_progress_bar_silent_under_tqdm_disable(monkeypatch, value):
    monkeypatch.setenv("TQDM_DISABLE", value)
    assert run_with_stderr(monkeypatch) == ""


def test_progress_bar_silent_when_asked_or_not_interactive(monkeypatch, capsys):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert run_with_stderr(monkeypatch, progress=False) == ""
    monkeypatch.undo()
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    model, optimizer, loss_fn = setup()
    fit(model, optimizer, loss_fn, loaders()[0], epochs=2)  # pytest's stderr is no terminal
    assert capsys.readouterr().err == ""
    assert show_progress(True) is False


# ------------------------------------------------------------------------------------ Ctrl-C


def test_keyboard_interrupt_from_the_loss_returns_partial_history(capsys):
    model, optimizer, base_loss = setup()
    train, val = loaders()
    calls = {"n": 0}
    snapshot = {}

    def loss_fn(output, target):
        calls["n"] += 1
        if calls["n"] == len(train) + 3:  # third batch of the second epoch
            snapshot["weight"] = model.weight._array.copy()
            raise KeyboardInterrupt
        return base_loss(output, target)

    history = fit(model, optimizer, loss_fn, train, epochs=5, progress=False)
    assert history.interrupted
    assert history.epochs == 1 and len(history["loss"]) == 1
    np.testing.assert_array_equal(model.weight._array, snapshot["weight"])  # state kept
    out = capsys.readouterr().out
    assert "interrupted" in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1


def test_keyboard_interrupt_from_a_callback():
    class Interrupt:
        def on_epoch_end(self, epoch, logs, model):
            if epoch == 1:
                raise KeyboardInterrupt

    model, optimizer, loss_fn = setup()
    history = fit(model, optimizer, loss_fn, loaders()[0], epochs=4, callbacks=[Interrupt()])
    assert history.interrupted and history.epochs == 2


def test_ctrl_c_finishes_the_current_batch():
    """A real SIGINT is deferred: the batch's optimizer step still runs, then fit returns."""
    model, optimizer, base_loss = setup()
    train, _ = loaders()
    steps = {"n": 0}
    original_step = optimizer.step

    def counting_step(*args, **kwargs):
        steps["n"] += 1
        return original_step(*args, **kwargs)

    optimizer.step = counting_step

    def loss_fn(output, target):
        if steps["n"] == 2:
            os.kill(os.getpid(), signal.SIGINT)
        return base_loss(output, target)

    handler_before = signal.getsignal(signal.SIGINT)
    history = fit(model, optimizer, loss_fn, train, epochs=3, progress=False)
    assert history.interrupted and history.epochs == 0
    assert steps["n"] == 3  # the interrupted batch was completed
    assert signal.getsignal(signal.SIGINT) is handler_before


# ---------------------------------------------------------------------------- early stopping


def scripted_validation_loss(model, base_loss, values):
    """A loss function whose value in eval mode (validation) follows ``values``, per epoch."""
    epoch = {"i": -1, "last_mode": True}

    def loss_fn(output, target):
        if model.training:
            epoch["last_mode"] = True
            return base_loss(output, target)
        if epoch["last_mode"]:  # first validation batch of a new epoch
            epoch["i"] += 1
            epoch["last_mode"] = False
        return tensor(np.array(values[epoch["i"]]))  # float64: exact values in the history

    return loss_fn


class WeightRecorder:
    def __init__(self):
        self.weights = []

    def on_epoch_end(self, epoch, logs, model):
        self.weights.append(model.weight._array.copy())


def test_early_stopping_restores_the_best_weights():
    model, optimizer, base_loss = setup()
    train, val = loaders()
    loss_fn = scripted_validation_loss(model, base_loss, [1.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0])
    recorder, stopper = WeightRecorder(), EarlyStopping(patience=2)
    history = fit(
        model,
        optimizer,
        loss_fn,
        train,
        epochs=7,
        val_loader=val,
        callbacks=[recorder, stopper],
        progress=False,
    )
    assert history["val_loss"] == [1.0, 0.5, 0.7, 0.8]
    assert history.stopped_early and history.epochs == 4
    assert stopper.best_epoch == 1 and stopper.best_value == 0.5 and stopper.stopped_epoch == 3
    assert not np.array_equal(recorder.weights[1], recorder.weights[3])
    np.testing.assert_array_equal(model.weight._array, recorder.weights[1])


def test_best_weights_restored_when_training_runs_out_of_epochs():
    model, optimizer, base_loss = setup()
    train, val = loaders()
    loss_fn = scripted_validation_loss(model, base_loss, [1.0, 0.4, 0.6])
    recorder, stopper = WeightRecorder(), EarlyStopping(patience=5)
    history = fit(
        model,
        optimizer,
        loss_fn,
        train,
        epochs=3,
        val_loader=val,
        callbacks=[recorder, stopper],
        progress=False,
    )
    assert not history.stopped_early and stopper.best_epoch == 1
    np.testing.assert_array_equal(model.weight._array, recorder.weights[1])


# ---------------------------------------------------------------------------------- accuracy


def test_accuracy_for_class_scores_and_binary_logits():
    logits = tensor(np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0], [1.0, 2.0, 0.0], [5.0, 0.0, 0.0]]))
    assert accuracy(logits, tensor(np.array([0, 2, 0, 0]))) == 0.75
    assert accuracy(logits, np.eye(3)[[0, 2, 1, 0]]) == 1.0  # one-hot targets
    binary = np.array([1.5, -0.3, 0.2, -2.0])
    assert accuracy(tensor(binary), np.array([1, 0, 0, 0])) == 0.75
    assert accuracy(binary.reshape(4, 1), np.array([[1.0], [0.0], [1.0], [0.0]])) == 1.0


def test_accuracy_errors():
    with pytest.raises(ValueError, match=r"accuracy: class scores of shape \(2, 3\) need targets"):
        accuracy(np.zeros((2, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="accuracy: expected logits of shape"):
        accuracy(np.zeros((2, 3, 4)), np.zeros(2))


# ------------------------------------------------------------------------------------ errors


def test_fit_errors():
    model, optimizer, loss_fn = setup()
    train, _ = loaders()
    with pytest.raises(ValueError, match="fit: epochs must be an int >= 0"):
        fit(model, optimizer, loss_fn, train, epochs=-1)
    with pytest.raises(TypeError, match="metrics must map a name to a function"):
        fit(model, optimizer, loss_fn, train, metrics=[accuracy])
    x, _ = blobs()
    only_inputs = DataLoader(TensorDataset(x), batch_size=10)
    with pytest.raises(ValueError, match=r"each batch must be a pair \(inputs, targets\)"):
        fit(model, optimizer, loss_fn, only_inputs, progress=False)


def test_history_plots():
    import matplotlib

    matplotlib.use("Agg")
    from nnlib.plot import plot_history

    model, optimizer, loss_fn = setup()
    history = fit(model, optimizer, loss_fn, loaders()[0], epochs=2, progress=False)
    ax = plot_history(history, keys=["loss"])
    assert len(ax.get_lines()) == 1
