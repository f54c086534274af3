"""Functions with the shape of ``torch.nn.functional``.

A facade: every name is defined in the module of the chapter that introduces it
(see :mod:`nnlib.curriculum`).
"""

from nnlib.activation_functions import elu, gelu, leaky_relu, silu, softplus
from nnlib.nn.conv import conv1d, conv2d, conv_transpose2d
from nnlib.nn.dropout import dropout
from nnlib.nn.fold import fold, pad, unfold
from nnlib.nn.linear import linear
from nnlib.nn.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from nnlib.nn.normalization import batch_norm, layer_norm
from nnlib.nn.pooling import (
    adaptive_avg_pool2d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from nnlib.nn.sparse import embedding
from nnlib.nn.upsampling import interpolate
from nnlib.ops import log_softmax, one_hot, relu, sigmoid, softmax, tanh

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "fold",
    "gelu",
    "interpolate",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
    "unfold",
]
