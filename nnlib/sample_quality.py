"""Scoring generated images with a digit classifier: are they recognisable, and are they varied?

A generative model's samples can be judged without a human by a classifier trained on real
images. Two questions, two numbers:

* **confidence**: the classifier's mean top probability on the samples. Crisp, recognisable
  digits get confident predictions; blurry blends of two digits do not.
* **class coverage**: the entropy of the *average* predicted class distribution,
  ``H(mean_x p(y | x))``. It is ``log 10`` (2.30 nats) when the samples cover the ten classes
  evenly, and 0 when every sample looks like the same digit (mode collapse).

The *inception score* (Salimans et al. 2016) combines both,
``exp(E_x KL(p(y | x) || p(y)))``; it ranges from 1 to the number of classes (10 here). Ours
uses a small MLP trained on the data set at hand instead of the Inception network, so the
numbers compare models *within* this book, not with published scores.

The same score serves every generative chapter (the VAE of chapter 9, and GANs), so that
their samples are compared on one scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlib.autograd import no_grad
from nnlib.backend import CPU, Device, move
from nnlib.data.dataloader import DataLoader
from nnlib.data.dataset import TensorDataset
from nnlib.nn.activation import ReLU
from nnlib.nn.container import Sequential
from nnlib.nn.linear import Linear
from nnlib.nn.loss import cross_entropy
from nnlib.nn.module import Module
from nnlib.ops.softmax import softmax
from nnlib.optim.adam import Adam
from nnlib.random import manual_seed
from nnlib.tensor import Tensor, _array_of, from_numpy

__all__ = ["SampleScore", "classifier_score", "train_digit_classifier"]


def _flat(where: str, images: Any, dtype: Any) -> Any:
    """Images ``(N, ...)`` as an array ``(N, D)`` of ``dtype``, on the device they are on."""
    array = _array_of(images)
    if array.ndim < 2:
        raise ValueError(f"{where}: images must have shape (N, H, W) or (N, D), got {array.shape}")
    return array.reshape(len(array), -1).astype(dtype, copy=False)


def _on_device(array: Any, device: Device) -> Tensor:
    """``array`` as a tensor on ``device``: copied there once, or shared if it is there."""
    array = move(array, device)
    return from_numpy(array) if device == "cpu" else Tensor(array)


def train_digit_classifier(
    images: Any,
    labels: Any,
    hidden: int = 128,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    dtype: Any = "float32",
    model: Module | None = None,
) -> Module:
    """Train a digit classifier with Adam: a small MLP ``D -> hidden -> ReLU -> classes``, or
    ``model``.

    Parameters
    ----------
    images : array or Tensor, shape ``(N, H, W)`` or ``(N, D)``
        Real images with pixel values in [0, 1].
    labels : array or Tensor of int, shape ``(N,)``
    hidden, epochs, batch_size, lr : the network's width and the training schedule
    seed : int
        Seeds the initial weights (nnlib's global generator) and the shuffling.
    dtype : dtype of the weights (and of the images fed to ``model``)
    model : Module, optional
        The classifier to train instead of the MLP (``hidden`` is then unused), for example a
        convolutional network of chapter 6 that starts with ``nn.Unflatten``. It receives
        images flattened to ``(batch, D)`` and must return logits ``(batch, classes)``; build
        it (and seed its initial weights) before the call.

    Returns
    -------
    Module
        The trained classifier, in evaluation mode; it outputs logits.
    """
    x = _flat("train_digit_classifier", images, np.dtype(dtype))
    y = _array_of(labels).astype(np.int64)
    classes = int(y.max()) + 1
    if model is None:
        manual_seed(seed)
        model = Sequential(
            Linear(x.shape[1], hidden, dtype=dtype), ReLU(), Linear(hidden, classes, dtype=dtype)
        )
    device = next(iter(model.parameters())).device  # the data go where the model is, once
    data = TensorDataset(_on_device(x, device), _on_device(y, device))
    optimizer = Adam(model.parameters(), lr=lr)
    loader = DataLoader(data, batch_size=batch_size, shuffle=True, generator=seed)
    model.train()
    for _ in range(epochs):
        for inputs, targets in loader:
            loss = cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


@dataclass(frozen=True)
class SampleScore:
    """What a classifier says about a set of images (see the module docstring)."""

    #: ``exp(E_x KL(p(y|x) || p(y)))``, between 1 and the number of classes.
    inception_score: float
    #: Mean over images of the top class probability.
    confidence: float
    #: Entropy (nats) of the mean class distribution; ``log(classes)`` is perfectly even.
    class_entropy: float
    #: Fraction of images whose top class is each class.
    class_histogram: np.ndarray

    def __str__(self) -> str:
        return (
            f"inception score {self.inception_score:.2f}, confidence {self.confidence:.3f}, "
            f"class entropy {self.class_entropy:.3f} nats "
            f"(max {np.log(len(self.class_histogram)):.3f})"
        )


@no_grad()
def classifier_score(classifier: Module, images: Any) -> SampleScore:
    """Score ``images`` (``(N, H, W)`` or ``(N, D)``, in [0, 1]) with a trained classifier.

    The classifier must map flattened images ``(N, D)`` to class logits ``(N, classes)``, like
    the one :func:`train_digit_classifier` returns.
    """
    weight = next(iter(classifier.parameters()))
    x = _on_device(_flat("classifier_score", images, weight.dtype), weight.device)
    was_training = classifier.training
    classifier.eval()
    try:
        # A few numbers per image: the score is computed on the host, wherever the model is.
        probs = move(softmax(classifier(x), dim=1)._array, CPU).astype(np.float64)
    finally:
        classifier.train(was_training)
    marginal = probs.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_probs = np.where(probs > 0, np.log(probs), 0.0)
        log_marginal = np.where(marginal > 0, np.log(marginal), 0.0)
    kl = (probs * (log_probs - log_marginal)).sum(axis=1)
    histogram = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]) / len(probs)
    return SampleScore(
        inception_score=float(np.exp(kl.mean())),
        confidence=float(probs.max(axis=1).mean()),
        class_entropy=float(-(marginal * log_marginal).sum()),
        class_histogram=histogram,
    )
