"""Neural-network building blocks with the shape of ``torch.nn``.

A facade: every name is defined in the module of the chapter that introduces it
(see :mod:`nnlib.curriculum`).
"""

from nnlib.nn import functional, init, utils
from nnlib.nn.activation import Flatten, Identity, ReLU, Sigmoid, Tanh
from nnlib.nn.activation_modules import ELU, GELU, LeakyReLU, LogSoftmax, SiLU, Softmax, Softplus
from nnlib.nn.container import ModuleList, Sequential
from nnlib.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from nnlib.nn.dropout import Dropout
from nnlib.nn.flatten import Unflatten
from nnlib.nn.lazy import LazyLinear
from nnlib.nn.linear import Linear
from nnlib.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from nnlib.nn.module import Module
from nnlib.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from nnlib.nn.parameter import Parameter
from nnlib.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d
from nnlib.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from nnlib.nn.sparse import Embedding
from nnlib.nn.upsampling import Upsample

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "GRU",
    "GRUCell",
    "Identity",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "LazyLinear",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "RNN",
    "RNNCell",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "Unflatten",
    "Upsample",
    "functional",
    "init",
    "utils",
]
