"""Regularization helpers: weight penalties and early stopping.

Penalties
---------
``l1_penalty(params) = sum |w|`` and ``l2_penalty(params) = sum w**2``, summed over every element
of every given parameter, as differentiable scalar Tensors. Add them to the loss yourself::

    loss = loss_fn(model(x), y) + lam * l2_penalty(model.parameters())

Convention: there is **no factor 1/2** in ``l2_penalty``. Its gradient is ``2 * w``, so adding
``lam * l2_penalty`` to the loss is the same as plain SGD with ``weight_decay = 2 * lam``
(``SGD(..., weight_decay=wd)`` adds ``wd * w`` to each gradient), i.e. ``weight_decay=wd``
corresponds to ``(wd / 2) * l2_penalty``. With adaptive optimizers (Adam) the two differ: the
penalty's gradient gets rescaled per parameter, which is why AdamW *decouples* weight decay.
The gradient of ``l1_penalty`` is ``sign(w)`` (0 at exactly 0, as in PyTorch).

Early stopping
--------------
:class:`EarlyStopping` watches a validation metric, remembers the best epoch and a deep copy of the
model's ``state_dict`` at that epoch, stops when the metric has not improved for ``patience``
epochs, and puts the best weights back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from nnlib.backend import device_of, is_array
from nnlib.nn.module import Module
from nnlib.tensor import Tensor, tensor

__all__ = ["EarlyStopping", "l1_penalty", "l2_penalty"]


def _as_list(parameters: Tensor | Iterable[Tensor], who: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(
                f"{who}: expected Tensors (e.g. model.parameters()), got {type(p).__name__}"
            )
    return params


def _total(terms: list[Tensor]) -> Tensor:
    if not terms:
        return tensor(0.0)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def l1_penalty(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """Sum of absolute values of every element of ``parameters``; a differentiable scalar.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Typically ``model.parameters()`` (or only the weights, leaving biases unpenalised).

    Returns
    -------
    Tensor
        Shape ``()``. ``0.0`` if there are no parameters.
    """
    return _total([p.abs().sum() for p in _as_list(parameters, "l1_penalty")])


def l2_penalty(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """Sum of squares of every element of ``parameters`` (no 1/2); a differentiable scalar.

    ``lam * l2_penalty(params)`` in the loss matches ``SGD(weight_decay=2 * lam)``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Typically ``model.parameters()``.

    Returns
    -------
    Tensor
        Shape ``()``. ``0.0`` if there are no parameters.
    """
    return _total([(p * p).sum() for p in _as_list(parameters, "l2_penalty")])


def _copy_state(state: Mapping) -> dict:
    """A deep copy of a ``state_dict``: new arrays, not references to the model's storage.

    Each copy stays on the device of its original (one copy, made there).
    """
    copies = {}
    for name, value in state.items():
        array = value._array if isinstance(value, Tensor) else value
        if not is_array(array):
            array = np.asarray(array)
        copies[name] = tensor(array, device=device_of(array))
    return copies


class EarlyStopping:
    """Stop training when a monitored metric stops improving; keep and restore the best weights.

    Use it as a callback of :func:`nnlib.training.fit`, or by hand::

        stopper = EarlyStopping(patience=3)
        for epoch in range(100):
            ...  # train, then compute val_loss
            if stopper.step(val_loss, model):
                break  # the best weights are back in the model

    Parameters
    ----------
    patience : int
        Stop after this many consecutive epochs without improvement (0: at the first one).
    min_delta : float
        An improvement must beat the best value by more than this.
    mode : {"min", "max"}
        Whether smaller (loss) or larger (accuracy) values are better.
    monitor : str
        Key of the epoch logs to watch when used as a ``fit`` callback, e.g. ``"val_loss"``.
    restore_best_weights : bool
        Keep a deep copy of the best ``state_dict`` and load it back when stopping (and at the
        end of ``fit``).

    Attributes
    ----------
    best_value : float or None
        Best value seen so far.
    best_epoch : int or None
        Epoch (0-based, as the index into the history lists) of ``best_value``.
    stopped_epoch : int or None
        Epoch at which the stop was requested.
    wait : int
        Epochs since the last improvement.
    """

    def __init__(
        self,
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        monitor: str = "val_loss",
        restore_best_weights: bool = True,
    ) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.monitor = monitor
        self.restore_best_weights = restore_best_weights
        self.reset()

    def reset(self) -> None:
        """Forget everything seen so far (to reuse the object for a new run)."""
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self.best_state: dict | None = None
        self._epoch = 0

    def _improves(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.best_value is None:
            return True
        if self.mode == "min":
            return value < self.best_value - self.min_delta
        return value > self.best_value + self.min_delta

    def step(
        self, value: float | Tensor, model: Module | None = None, epoch: int | None = None
    ) -> bool:
        """Record this epoch's ``value``; return True when training should stop.

        If ``model`` is given and ``restore_best_weights`` is set, a deep copy of its
        ``state_dict`` is kept whenever ``value`` improves, and loaded back when stopping.
        ``epoch`` defaults to the number of previous calls.
        """
        value = float(value.item() if isinstance(value, Tensor) else value)
        epoch = self._epoch if epoch is None else epoch
        self._epoch = epoch + 1
        if self._improves(value):
            self.best_value = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights and model is not None:
                self.best_state = _copy_state(model.state_dict())
            return False
        self.wait += 1
        if self.wait < self.patience:
            return False
        self.stopped_epoch = epoch
        if model is not None:
            self.restore(model)
        return True

    def restore(self, model: Module) -> None:
        """Load the best weights seen so far into ``model`` (if they were kept)."""
        if self.restore_best_weights and self.best_state is not None:
            model.load_state_dict(_copy_state(self.best_state))

    # -- the callback interface used by nnlib.training.fit --------------------------------------

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float], model: Module) -> bool:
        """Callback hook: watch ``logs[self.monitor]``; True asks ``fit`` to stop."""
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping: monitored metric {self.monitor!r} is not in the epoch logs "
                f"(available: {sorted(logs)}); pass val_loader to fit or change monitor="
            )
        return self.step(logs[self.monitor], model, epoch)

    def on_train_end(self, model: Module) -> None:
        """Callback hook: at the end of ``fit`` the model gets its best weights back."""
        if self.stopped_epoch is None:  # stopping already restored them
            self.restore(model)

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
            f"mode={self.mode!r}, monitor={self.monitor!r}, "
            f"restore_best_weights={self.restore_best_weights})"
        )
