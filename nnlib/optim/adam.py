"""Adam and AdamW: momentum plus a per-coordinate step size, with bias correction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nnlib.optim.optimizer import Optimizer, check_beta, check_non_negative
from nnlib.tensor import Tensor

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (the shape of ``torch.optim.Adam``).

    One step :math:`t = 1, 2, \dots` for a parameter :math:`\theta` with gradient :math:`g`:

    .. math::

        g &\leftarrow g + \lambda \theta \quad\text{(or } \theta \leftarrow
            (1 - \eta\lambda)\theta \text{ when decoupled, as in AdamW)} \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2
            \quad (\hat v \leftarrow \max(\hat v, v) \text{ with amsgrad}) \\
        \theta &\leftarrow \theta - \frac{\eta}{1 - \beta_1^t} \,
            \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}

    The first moment :math:`m` and second moment :math:`v` start at zero; dividing by
    :math:`1 - \beta^t` removes the bias towards zero of the first steps. Note that
    :math:`\epsilon` is added *after* the bias correction of :math:`\sqrt v`.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups.
    lr : float, default 1e-3
        Learning rate :math:`\eta`.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates :math:`(\beta_1, \beta_2)` of the two running averages, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        Weight decay :math:`\lambda` (an L2 penalty added to the gradient).
    amsgrad : bool, default False
        Normalise by the largest second moment seen so far (AMSGrad).
    maximize : bool, default False
        Ascend the objective instead of descending it.
    decoupled_weight_decay : bool, default False
        Shrink the parameters directly instead of adding to the gradient (this is AdamW).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def validate_options(self, options: dict[str, Any]) -> None:
        name = type(self).__name__
        check_non_negative(name, "lr", options["lr"])
        check_non_negative(name, "eps", options["eps"])
        betas = options["betas"]
        if len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_beta(name, "betas[0]", betas[0])
        check_beta(name, "betas[1]", betas[1])
        check_non_negative(name, "weight_decay", options["weight_decay"])

    def _update(
        self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any], xp: Any
    ) -> None:
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        step = state["step"]

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param

        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)  # move a fraction 1 - beta1 towards g
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second_moment = state["max_exp_avg_sq"]
        else:
            second_moment = exp_avg_sq

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1

        update = xp.sqrt(second_moment)
        update /= bias_correction2**0.5
        update += eps
        xp.divide(exp_avg, update, out=update)  # reuse the denominator's memory
        update *= -step_size
        param += update


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (the shape of ``torch.optim.AdamW``).

    Each step first shrinks the parameters, :math:`\theta \leftarrow (1 - \eta\lambda)\theta`,
    then takes a plain Adam step; the decay never enters the running averages.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups.
    lr : float, default 1e-3
        Learning rate :math:`\eta`.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates of the two running averages, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 1e-2
        Decoupled weight decay :math:`\lambda`.
    amsgrad : bool, default False
        Normalise by the largest second moment seen so far (AMSGrad).
    maximize : bool, default False
        Ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
