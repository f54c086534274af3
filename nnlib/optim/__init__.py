"""Optimizers with the shape of ``torch.optim``.

A facade: every name is defined in the module of the chapter that introduces it
(see :mod:`nnlib.curriculum`). ``nnlib.optim.lr_scheduler`` is a module of its own.
"""

from nnlib.optim import lr_scheduler
from nnlib.optim.adagrad import Adagrad
from nnlib.optim.adam import Adam, AdamW
from nnlib.optim.optimizer import Optimizer
from nnlib.optim.rmsprop import RMSprop
from nnlib.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
