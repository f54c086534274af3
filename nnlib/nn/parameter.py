"""``Parameter``: a Tensor that a ``Module`` registers as trainable, like ``torch.nn.Parameter``."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.backend import is_array
from nnlib.tensor import Tensor, tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor that is a module parameter.

    Assigning a ``Parameter`` as a module attribute registers it, so it shows up in
    ``module.parameters()`` (what an optimizer trains) and in ``module.state_dict()``.

    Parameters
    ----------
    data : Tensor or array_like, optional
        The initial values. A Tensor or NumPy array is used without a copy (the parameter
        shares its storage, as in torch); ``None`` gives an empty float32 parameter.
    requires_grad : bool, default True
        Whether ``backward()`` fills this parameter's ``.grad``.

    Examples
    --------
    >>> w = Parameter(nnlib.zeros(3, 2))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data: Tensor | Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            pass  # the parameter is a fresh leaf that shares the tensor's storage and device
        elif not is_array(data):
            data = tensor(data)._array
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
