"""nnlib: the small NumPy deep-learning library built in *Neural Networks from First Principles*.

The top level re-exports what a PyTorch user expects to find on ``torch``: tensors and their
factories, dtypes, ``no_grad``, ``manual_seed``, ``save``/``load``, plus the book's helpers
(``show``, ``torch_device``, ``gradcheck``, ``draw_graph``). Every name is defined in the module
of the chapter that introduces it (see :mod:`nnlib.curriculum`).
"""

from nnlib import data, datasets, nn, optim
from nnlib.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from nnlib.backend import Device
from nnlib.devices import torch_device
from nnlib.gradcheck import GradcheckError, gradcheck
from nnlib.graph_view import draw_graph
from nnlib.ops import (
    abs,
    argmax,
    argmin,
    cat,
    clamp,
    exp,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    relu,
    sigmoid,
    softmax,
    sqrt,
    stack,
    sum,
    tanh,
    var,
    where,
)
from nnlib.random import manual_seed
from nnlib.serialization import load, save
from nnlib.show import show
from nnlib.tensor import (
    Tensor,
    arange,
    bool,  # served by nnlib.tensor's module __getattr__, like torch.bool
    bool_,
    empty,
    eye,
    float32,
    float64,
    from_numpy,
    full,
    int32,
    int64,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    uint8,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"

__all__ = [
    "Device",
    "GradcheckError",
    "Tensor",
    "abs",
    "arange",
    "argmax",
    "argmin",
    "bool",
    "bool_",
    "cat",
    "clamp",
    "data",
    "datasets",
    "draw_graph",
    "empty",
    "enable_grad",
    "exp",
    "eye",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "gradcheck",
    "int32",
    "int64",
    "is_grad_enabled",
    "linspace",
    "load",
    "log",
    "log_softmax",
    "logsumexp",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "relu",
    "save",
    "set_grad_enabled",
    "show",
    "sigmoid",
    "softmax",
    "sqrt",
    "stack",
    "sum",
    "tanh",
    "tensor",
    "torch_device",
    "uint8",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
