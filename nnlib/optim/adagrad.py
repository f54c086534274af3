"""Adagrad: every coordinate gets its own step size, shrinking with its gradient history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nnlib.optim.optimizer import Optimizer, check_non_negative
from nnlib.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (the shape of ``torch.optim.Adagrad``).

    One step :math:`t = 1, 2, \dots` for a parameter :math:`\theta` with gradient :math:`g`:

    .. math::

        g &\leftarrow g + \lambda \theta \\
        \tilde\eta &= \eta / (1 + (t - 1) \cdot \text{lr\_decay}) \\
        s &\leftarrow s + g^2 \\
        \theta &\leftarrow \theta - \tilde\eta \, g / (\sqrt{s} + \epsilon)

    The sum :math:`s` starts at ``initial_accumulator_value``; its state is created
    when the parameter joins the optimizer.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups.
    lr : float, default 1e-2
        Learning rate :math:`\eta`.
    lr_decay : float, default 0
        Learning-rate decay per step.
    weight_decay : float, default 0
        L2 penalty :math:`\lambda`.
    initial_accumulator_value : float, default 0
        Start value of the sum of squared gradients.
    eps : float, default 1e-10
        Added to the denominator for numerical stability.
    maximize : bool, default False
        Ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def validate_options(self, options: dict[str, Any]) -> None:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_non_negative("Adagrad", name, options[name])

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = {
                "step": 0,
                "sum": p.xp.full(p.shape, group["initial_accumulator_value"], dtype=p.dtype),
            }

    def _update(
        self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any], xp: Any
    ) -> None:
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])

        sum_of_squares = state["sum"]
        sum_of_squares += grad * grad
        update = xp.sqrt(sum_of_squares)
        update += group["eps"]
        xp.divide(grad, update, out=update)  # g / (sqrt(s) + eps), in the denominator's memory
        update *= -lr
        param += update
