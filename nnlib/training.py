"""A small training loop: :func:`fit`, :func:`evaluate` and the :class:`History` they record.

Every epoch of :func:`fit` does exactly what a hand-written PyTorch loop does::

    model.train()
    for inputs, targets in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()

and then, optionally, evaluates on ``val_loader``, steps the learning-rate ``scheduler``, and asks
the ``callbacks`` whether to stop. Per-epoch numbers are averages over *samples* (each batch's
mean weighted by its size), so a smaller last batch does not count extra.

Two conveniences make it pleasant in a notebook:

* a progress bar over epochs (``tqdm.auto``) showing the latest numbers; it is silent when
  ``progress=False``, when the environment variable ``TQDM_DISABLE`` is set, or when the output
  is neither a terminal nor a notebook (for example a log file or a test run);
* Ctrl-C (or the notebook's *interrupt* button) stops training cleanly after the current batch
  and returns the history so far, with ``history.interrupted = True``.
"""

from __future__ import annotations

import inspect
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from tqdm import TqdmWarning

from nnlib.autograd import no_grad
from nnlib.backend import CPU, move
from nnlib.nn.module import Module
from nnlib.tensor import Tensor

with warnings.catch_warnings():
    # Inside Jupyter without ipywidgets, tqdm.auto warns at import and falls back to the plain
    # text bar, which is all we need; keep that warning out of every notebook's output.
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm

__all__ = ["History", "accuracy", "evaluate", "fit"]

Metric = Callable[[Any, Any], float]


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


def _as_array(x: Any) -> np.ndarray:
    """Values as a NumPy array on the CPU (scores are counted there, wherever they were made)."""
    return move(x._array, CPU) if isinstance(x, Tensor) else np.asarray(x)


def accuracy(output: Tensor | np.ndarray, target: Tensor | np.ndarray) -> float:
    """Fraction of correct predictions.

    Parameters
    ----------
    output : Tensor or array
        Either class scores (logits) of shape ``(N, C)`` with ``C >= 2``, where the largest
        wins, or binary logits of shape ``(N,)`` or ``(N, 1)``, where ``> 0`` means class 1.
    target : Tensor or array
        Class indices of shape ``(N,)`` (or one-hot/probabilities ``(N, C)``) for class scores;
        labels 0/1 of shape ``(N,)`` or ``(N, 1)`` for binary logits.

    Returns
    -------
    float
        In ``[0, 1]``.
    """
    out, tgt = _as_array(output), _as_array(target)
    if out.ndim == 2 and out.shape[1] >= 2:
        if tgt.shape == out.shape:  # one-hot or class probabilities
            tgt = tgt.argmax(axis=1)
        if tgt.shape != (out.shape[0],):
            raise ValueError(
                f"accuracy: class scores of shape {out.shape} need targets of shape "
                f"({out.shape[0]},), got {tgt.shape}"
            )
        predicted = out.argmax(axis=1)
    elif out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1):
        out, tgt = out.reshape(-1), tgt.reshape(-1)
        if tgt.shape != out.shape:
            raise ValueError(
                f"accuracy: binary logits of shape {_as_array(output).shape} need as many "
                f"targets, got shape {_as_array(target).shape}"
            )
        predicted, tgt = out > 0, tgt > 0.5
    else:
        raise ValueError(
            f"accuracy: expected logits of shape (N, C) or (N,), got {_as_array(output).shape}"
        )
    if predicted.size == 0:
        raise ValueError("accuracy: got an empty batch")
    return float((predicted == tgt).mean())


# --------------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------------


class History:
    """What :func:`fit` returns: one list of per-epoch values per quantity.

    Attributes
    ----------
    history : dict of str to list of float
        ``"loss"``, one entry per metric (``"accuracy"``...), ``"val_loss"`` and ``"val_..."``
        with a validation loader, and ``"lr"`` (the learning rate used in that epoch).
    epochs : int
        Number of completed epochs (the length of every list).
    interrupted : bool
        Whether training was stopped by Ctrl-C / ``KeyboardInterrupt``.
    stopped_early : bool
        Whether a callback asked to stop.

    ``nnlib.plot.plot_history(history)`` draws it; ``history["loss"]`` reads one list.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epochs = 0
        self.interrupted = False
        self.stopped_early = False

    def append(self, logs: Mapping[str, float]) -> None:
        """Record one completed epoch."""
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self.epochs += 1

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self) -> str:
        flags = ", interrupted=True" if self.interrupted else ""
        flags += ", stopped_early=True" if self.stopped_early else ""
        return f"History(epochs={self.epochs}, keys={list(self.history)}{flags})"


# --------------------------------------------------------------------------------------------------
# Progress bar
# --------------------------------------------------------------------------------------------------


def _env_disables_progress() -> bool:
    """Read ``TQDM_DISABLE`` now (tqdm itself reads it only once, when it is imported)."""
    value = os.environ.get("TQDM_DISABLE", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def _in_notebook() -> bool:
    """Whether we run inside a Jupyter (IPython kernel) session."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def show_progress(progress: bool = True) -> bool:
    """Whether :func:`fit` should draw a progress bar (see the module docstring)."""
    if not progress or _env_disables_progress():
        return False
    return _in_notebook() or _stderr_is_terminal()


def _format_logs(logs: Mapping[str, float]) -> dict[str, str]:
    return {key: f"{value:.4g}" for key, value in logs.items()}


# --------------------------------------------------------------------------------------------------
# Ctrl-C
# --------------------------------------------------------------------------------------------------


class _DeferredInterrupt:
    """While active, a first Ctrl-C only sets ``requested``; a second one interrupts at once.

    Signal handlers can only be installed from the main thread; elsewhere Ctrl-C keeps raising
    ``KeyboardInterrupt`` right away, which :func:`fit` also handles.
    """

    def __init__(self) -> None:
        self.requested = False
        self._installed = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
            self._installed = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._installed:
            # ``None`` means the old handler was not set from Python: fall back to Python's own.
            previous = signal.default_int_handler if self._previous is None else self._previous
            signal.signal(signal.SIGINT, previous)


# --------------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------------


def _split_batch(batch: Any, model: Any) -> tuple[Any, Any]:
    """A batch's (inputs, targets), moved to the device of the model's parameters."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError(
            "fit/evaluate: each batch must be a pair (inputs, targets), got "
            f"{type(batch).__name__}"
            + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        )
    device = _model_device(model)
    return tuple(
        part.to(device) if device is not None and isinstance(part, Tensor) else part
        for part in batch
    )


def _model_device(model: Any) -> Any:
    """The device of the model's first parameter (None for a model without parameters)."""
    parameters = getattr(model, "parameters", None)
    if parameters is None:
        return None
    for parameter in parameters():
        return parameter.device
    return None


def _batch_size(inputs: Any) -> int:
    shape = getattr(inputs, "shape", None)
    return int(shape[0]) if shape else len(inputs)


def _check_metrics(metrics: Mapping[str, Metric] | None) -> dict[str, Metric]:
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise TypeError(
            "metrics must map a name to a function fn(output, target) -> float, e.g. "
            f"{{'accuracy': accuracy}}; got {type(metrics).__name__}"
        )
    for name, fn in metrics.items():
        if not callable(fn):
            raise TypeError(f"metric {name!r} is not callable: {fn!r}")
    return dict(metrics)


class _Averages:
    """Running sample-weighted means of the loss and the metrics over one pass."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, values: Mapping[str, float], n: int) -> None:
        for key, value in values.items():
            self.sums[key] = self.sums.get(key, 0.0) + float(value) * n
        self.count += n

    def means(self) -> dict[str, float]:
        return {key: total / self.count for key, total in self.sums.items()}


def _batch_values(
    output: Any, targets: Any, loss: Tensor | None, metrics: Mapping[str, Metric]
) -> dict[str, float]:
    values = {} if loss is None else {"loss": loss.item()}
    with no_grad():
        for name, fn in metrics.items():
            values[name] = float(fn(output, targets))
    return values


def evaluate(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor] | None,
    loader: Iterable,
    metrics: Mapping[str, Metric] | None = None,
) -> dict[str, float]:
    """Average loss and metrics of ``model`` over ``loader``, in eval mode and without gradients.

    Parameters
    ----------
    model : Module
        Called on each batch's inputs; its train/eval mode is restored afterwards.
    loss_fn : callable or None
        ``loss_fn(output, targets) -> scalar Tensor`` (a batch mean); None to skip the loss.
    loader : iterable of (inputs, targets)
        For example a :class:`~nnlib.data.dataloader.DataLoader`.
    metrics : mapping of str to callable, optional
        ``name -> fn(output, targets) -> float`` (a batch mean), e.g. ``{"accuracy": accuracy}``.

    Returns
    -------
    dict of str to float
        ``"loss"`` (if ``loss_fn``) and one entry per metric, each a mean over samples.
    """
    metrics = _check_metrics(metrics)
    was_training = model.training
    model.eval()
    averages = _Averages()
    try:
        with no_grad():
            for batch in loader:
                inputs, targets = _split_batch(batch, model)
                output = model(inputs)
                loss = None if loss_fn is None else loss_fn(output, targets)
                averages.add(_batch_values(output, targets, loss, metrics), _batch_size(inputs))
    finally:
        model.train(was_training)
    if averages.count == 0:
        raise ValueError("evaluate: the loader yielded no batches")
    return averages.means()


def _current_lr(optimizer: Any) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if groups and "lr" in groups[0]:
        return float(groups[0]["lr"])
    return None


def _step_scheduler(scheduler: Any, logs: Mapping[str, float]) -> None:
    """``scheduler.step()``, or ``scheduler.step(metric)`` for schedulers that need one
    (like torch's ``ReduceLROnPlateau``): they take the validation loss if there is one."""
    required = [
        p
        for p in inspect.signature(scheduler.step).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if required:
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


def _train_one_epoch(
    model: Module,
    optimizer: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    loader: Iterable,
    metrics: Mapping[str, Metric],
    interrupt: _DeferredInterrupt,
) -> dict[str, float] | None:
    """One pass over ``loader``; the epoch's means, or None if Ctrl-C asked to stop."""
    model.train()
    averages = _Averages()
    for batch in loader:
        inputs, targets = _split_batch(batch, model)
        optimizer.zero_grad()
        output = model(inputs)
        loss = loss_fn(output, targets)
        loss.backward()
        optimizer.step()
        averages.add(_batch_values(output.detach(), targets, loss, metrics), _batch_size(inputs))
        if interrupt.requested:
            return None
    if averages.count == 0:
        raise ValueError("fit: train_loader yielded no batches")
    return averages.means()


def fit(
    model: Module,
    optimizer: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    train_loader: Iterable,
    *,
    epochs: int = 1,
    val_loader: Iterable | None = None,
    metrics: Mapping[str, Metric] | None = None,
    scheduler: Any = None,
    callbacks: Sequence[Any] | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader`` and record a :class:`History`.

    Parameters
    ----------
    model : Module
        The model; it is left in the train/eval mode it had before.
    optimizer : Optimizer
        Built on ``model.parameters()``.
    loss_fn : callable
        ``loss_fn(output, targets) -> scalar Tensor``, a batch mean (e.g. ``CrossEntropyLoss()``).
    train_loader : iterable of (inputs, targets)
        Iterated once per epoch (a ``DataLoader`` reshuffles each time).
    epochs : int
        Number of passes over the training data.
    val_loader : iterable of (inputs, targets), optional
        Evaluated with :func:`evaluate` after every epoch; adds ``"val_loss"`` and
        ``"val_<metric>"`` to the history.
    metrics : mapping of str to callable, optional
        ``name -> fn(output, targets) -> float``, e.g. ``{"accuracy": accuracy}``. Training
        metrics are measured on the fly, on the outputs of the training steps.
    scheduler : learning-rate scheduler, optional
        ``scheduler.step()`` is called after every epoch (``scheduler.step(val_loss)`` for
        schedulers whose ``step`` requires a metric).
    callbacks : sequence of objects, optional
        Each may define ``on_epoch_end(epoch, logs, model) -> bool | None`` (True stops
        training) and ``on_train_end(model)``, e.g. :class:`nnlib.regularization.EarlyStopping`.
        ``on_train_end`` is not called when training is interrupted.
    progress : bool
        Show an epoch progress bar (see the module docstring for when it stays silent).

    Returns
    -------
    History
        Per-epoch ``loss``, metrics, ``val_*`` and ``lr``; ``interrupted`` tells whether
        Ctrl-C stopped training (the model then keeps its latest weights).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    metrics = _check_metrics(metrics)
    callbacks = list(callbacks or [])
    history = History()
    was_training = model.training

    bar = tqdm(
        range(epochs),
        desc="Training",
        unit="epoch",
        disable=not show_progress(progress),
        file=sys.stderr,
        dynamic_ncols=True,
    )
    try:
        with _DeferredInterrupt() as interrupt:
            for epoch in bar:
                lr = _current_lr(optimizer)
                logs = _train_one_epoch(model, optimizer, loss_fn, train_loader, metrics, interrupt)
                if logs is None:  # Ctrl-C during the epoch: stop after that batch
                    history.interrupted = True
                    break
                if val_loader is not None:
                    val = evaluate(model, loss_fn, val_loader, metrics)
                    logs.update({f"val_{key}": value for key, value in val.items()})
                if lr is not None:
                    logs["lr"] = lr
                history.append(logs)
                bar.set_postfix(_format_logs(logs), refresh=False)
                if scheduler is not None:
                    _step_scheduler(scheduler, logs)
                stop = [
                    bool(cb.on_epoch_end(epoch, dict(logs), model))
                    for cb in callbacks
                    if hasattr(cb, "on_epoch_end")
                ]
                if any(stop):
                    history.stopped_early = True
                    break
                if interrupt.requested:  # Ctrl-C during validation or the callbacks
                    history.interrupted = True
                    break
    except KeyboardInterrupt:  # raised directly (second Ctrl-C, a callback, another thread)
        history.interrupted = True
    finally:
        bar.close()
        model.train(was_training)

    if history.interrupted:
        print(
            f"Training interrupted after {history.epochs} complete epoch(s) of {epochs}; "
            "the model keeps its current weights and the history so far is returned."
        )
    else:
        for cb in callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end(model)
    return history
