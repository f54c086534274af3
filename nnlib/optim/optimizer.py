"""The optimizer base class: parameter groups, per-parameter state, ``step`` and checkpoints.

An optimizer owns a list of *parameter groups*. Each group is a dict holding a list of
parameters under ``"params"`` and the options (``lr``, ``momentum``, ...) that apply to
them, so one optimizer can train, say, the biases with a larger learning rate than the
weights. Methods that remember something between steps (a momentum buffer, running
averages) keep it in ``optimizer.state[param]``, a dict per parameter.

Subclasses only describe how *one* parameter is updated (:meth:`Optimizer._update`);
the loop over groups and parameters, ``zero_grad`` and ``state_dict`` live here.
The updates work directly on the parameter's ``._array`` array, in place, like torch's
updates under ``torch.no_grad()``: optimizer steps are not part of the autograd graph.
"""

from __future__ import annotations

import copy
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from nnlib.autograd import enable_grad
from nnlib.backend import is_array, move
from nnlib.tensor import Tensor

__all__ = ["Optimizer", "check_beta", "check_non_negative"]


def _check_number(optimizer: str, name: str, value: Any) -> None:
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer}: {name} must be a number, got {value!r}")


def check_non_negative(optimizer: str, name: str, value: float) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``value >= 0``."""
    _check_number(optimizer, name, value)
    if not value >= 0.0:  # written this way so that NaN fails too
        raise ValueError(f"{optimizer}: invalid {name} value {value!r}; it must be >= 0")


def check_beta(optimizer: str, name: str, value: float) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``0 <= value < 1``."""
    _check_number(optimizer, name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{optimizer}: invalid {name} value {value!r}; it must be in [0, 1)")


class Optimizer:
    """Base class of all optimizers (the shape of ``torch.optim.Optimizer``).

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimize (usually ``model.parameters()``), or parameter groups:
        dicts with a ``"params"`` list and any options that override ``defaults``
        for that group.
    defaults : dict
        The default value of every option of this optimizer.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` plus every option.
    state : dict
        ``state[param]`` is a dict with what the method remembers about ``param``.
    defaults : dict
        The options' default values.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                "but got a single Tensor; wrap it in a list"
            )
        if isinstance(params, set):
            raise TypeError(
                f"{type(self).__name__}: parameters should be given in a fixed order (a list), "
                "not a set"
            )
        self.defaults = dict(defaults)
        self.validate_options(self.defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        groups = list(params)
        if len(groups) == 0:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- groups
    def validate_options(self, options: dict[str, Any]) -> None:
        """Check the options of a group (or the defaults); subclasses raise ``ValueError``."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group; options it does not set take the optimizer's defaults.

        Useful for fine-tuning: unfreeze some layers and hand them to the optimizer.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(param_group)}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                f"{name}: parameters should be given in a fixed order (a list), not a set"
            )
        params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name} can only optimize Tensors, but one of the params is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        in_other_groups = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in in_other_groups for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")

        group = dict(param_group)
        group["params"] = params
        for option, default in self.defaults.items():
            group.setdefault(option, default)
        self.validate_options(group)
        self.param_groups.append(group)

    # ------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters (``None``, or zeros in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss; called (with gradients
            enabled) before the update.

        Returns
        -------
        The loss returned by ``closure``, or ``None``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                self._update(p._array, p.grad._array, self.state[p], group, p.xp)
                p._version += 1  # an in-place change, as torch's optimizers make
        return loss

    def _update(
        self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any], xp: Any
    ) -> None:
        """Update one parameter array in place.

        Parameters
        ----------
        param : ndarray
            The parameter's storage; change it in place and keep its dtype.
        grad : ndarray
            Its gradient, same shape. Do not change it in place: it belongs to ``p.grad``.
        state : dict
            What this optimizer remembers about the parameter (empty at first).
        group : dict
            The options of the parameter's group.
        xp : module
            The array module of the parameter (NumPy), for functions such as ``xp.sqrt``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Return a snapshot of the optimizer's state, in torch's layout.

        ``{"state": {index: {name: array or number}}, "param_groups": [{options...,
        "params": [indices]}]}``: parameters are replaced by their position over all
        groups, so the dict can be loaded into an optimizer built on other (equal-shaped)
        parameters. Arrays are copies.
        """
        index_of: dict[int, int] = {}
        param_groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index_of.setdefault(id(p), len(index_of)) for p in group["params"]]
            param_groups.append(packed)
        state = {
            index_of[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index_of and s
        }
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a dict made by :meth:`state_dict` (from this or an equal optimizer).

        The groups must match in number and size; saved options (``lr``, ...) replace
        the current ones. State arrays are copied and cast to their parameter's dtype.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                f"{name}: a state dict must be a dict with 'state' and 'param_groups' entries"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}: loaded state dict has {len(saved_groups)} parameter groups, "
                f"but the optimizer has {len(self.param_groups)}"
            )
        param_of: dict[Any, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}: loaded state dict's parameter group {i} has "
                    f"{len(saved['params'])} parameters, but the optimizer's group {i} has "
                    f"{len(group['params'])}"
                )
            param_of.update(zip(saved["params"], group["params"], strict=True))

        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for index, saved_state in state_dict["state"].items():
            if index not in param_of:
                raise ValueError(
                    f"{name}: loaded state for parameter {index!r}, which is in no group"
                )
            param = param_of[index]
            new_state[param] = {
                key: _cast_state_value(name, index, key, value, param)
                for key, value in saved_state.items()
            }

        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            options = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            self.validate_options(options)
            new_groups.append({**options, "params": group["params"]})
        self.state = new_state
        self.param_groups = new_groups

    # ------------------------------------------------------------------ misc
    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _copy_value(value: Any) -> Any:
    """Copy arrays and Tensors so that a state dict is a snapshot; numbers pass through."""
    if isinstance(value, Tensor):
        return value._array.copy()
    if hasattr(value, "shape"):  # an array
        return value.copy()
    return copy.deepcopy(value)


def _cast_state_value(optimizer: str, index: Any, key: str, value: Any, param: Tensor) -> Any:
    """Turn one loaded state entry into what the update rules expect."""
    if key == "step":  # the step counter: a plain Python number
        number = float(value.item() if hasattr(value, "item") else value)
        return int(number) if number.is_integer() else number
    if value is None or isinstance(value, (int, float, bool, str)):
        return value
    array = value._array if isinstance(value, Tensor) else value
    if is_array(array):
        array = move(array, param.device)  # state follows its parameter's device, as in torch
    array = param.xp.array(array, dtype=param.dtype, copy=True)
    if array.shape != param.shape:
        raise ValueError(
            f"{optimizer}: loaded state {key!r} of parameter {index!r} has shape "
            f"{array.shape}, but the parameter has shape {param.shape}"
        )
    return array
