"""Neural-network building blocks with the shape of ``torch.nn``.

A facade: every name is defined in the module of the chapter that introduces it
(see :mod:`nnlib.curriculum`).
"""

from nnlib.nn import functional, init, utils
from nnlib.nn.activation import Flatten, Identity, ReLU, Sigmoid, Tanh
from nnlib.nn.activation_modules import ELU, GELU, LeakyReLU, LogSoftmax, SiLU, Softmax, Softplus
from nnlib.nn.container import ModuleList, Sequential
from nnlib.nn.dropout import Dropout
from nnlib.nn.linear import Linear
from nnlib.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from nnlib.nn.module import Module
from nnlib.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from nnlib.nn.parameter import Parameter

__all__ = [
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "CrossEntropyLoss",
    "Dropout",
    "ELU",
    "Flatten",
    "GELU",
    "Identity",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "functional",
    "init",
    "utils",
]
