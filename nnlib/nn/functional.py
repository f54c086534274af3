"""Functions with the shape of ``torch.nn.functional``.

A facade: every name is defined in the module of the chapter that introduces it
(see :mod:`nnlib.curriculum`).
"""

from nnlib.activation_functions import elu, gelu, leaky_relu, silu, softplus
from nnlib.nn.dropout import dropout
from nnlib.nn.linear import linear
from nnlib.nn.loss import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss
from nnlib.nn.normalization import batch_norm, layer_norm
from nnlib.ops import log_softmax, relu, sigmoid, softmax, tanh

__all__ = [
    "batch_norm",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]
