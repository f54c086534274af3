"""Lazy modules: layers that learn their input size from the first batch, like ``nn.LazyLinear``.

``LazyLinear(out_features)`` does not need ``in_features``: its weight is an empty,
uninitialised parameter until the first ``forward``, which reads the size of the input's
last dimension, gives the *same* Parameter objects their real shapes and draws them as
:class:`~nnlib.nn.linear.Linear` does. The module then becomes a plain ``Linear``, as in torch.
An optimizer may be built before that first call: it holds the same parameter objects.
"""

from __future__ import annotations

import numpy as np

from nnlib.backend import array_module
from nnlib.nn.linear import Linear
from nnlib.tensor import Tensor

__all__ = ["LazyLinear"]


class LazyLinear(Linear):
    """A :class:`~nnlib.nn.linear.Linear` whose ``in_features`` is inferred on the first call.

    Parameters
    ----------
    out_features : int
        Size of each output sample.
    bias : bool, default True
    device : str, optional
        Where to create the parameters, as in :class:`~nnlib.nn.linear.Linear`.
    dtype : dtype, optional
        Parameter dtype; float32 by default.

    Shape
    -----
    input ``(*, H_in)`` -> output ``(*, out_features)``; ``H_in`` is fixed by the first input.
    """

    def __init__(
        self,
        out_features: int,
        bias: bool = True,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__(0, out_features, bias=bias, device=device, dtype=dtype)
        self.weight._array = array_module(self.weight._array).empty((0,), dtype=self.weight.dtype)
        if self.bias is not None:
            self.bias._array = array_module(self.bias._array).empty((0,), dtype=self.bias.dtype)

    def has_uninitialized_params(self) -> bool:
        """True until the first ``forward`` has fixed the shapes."""
        return True

    def initialize_parameters(self, input: Tensor) -> None:
        """Give weight and bias their shapes from ``input`` and draw them like ``Linear``."""
        if not isinstance(input, Tensor) or input.ndim == 0:
            raise ValueError(
                f"LazyLinear: the first input must be a tensor with a last dimension (the input "
                f"features), got {type(input).__name__} of shape {getattr(input, 'shape', ())}"
            )
        self.in_features = int(input.shape[-1])
        dtype = self.weight.dtype
        xp = array_module(self.weight._array)  # the placeholder's device
        self.weight._array = xp.empty((self.out_features, self.in_features), dtype=dtype)
        if self.bias is not None:
            self.bias._array = xp.empty((self.out_features,), dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.in_features > 0:
            super().reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        self.initialize_parameters(input)
        self.__class__ = Linear  # from now on an ordinary Linear layer (torch's cls_to_become)
        return Linear.forward(self, input)

    def extra_repr(self) -> str:
        return f"in_features=0, out_features={self.out_features}, bias={self.bias is not None}"
