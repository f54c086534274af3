"""Training utilities with the shape of ``torch.nn.utils``."""

from nnlib.nn.utils import rnn
from nnlib.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_", "rnn"]
