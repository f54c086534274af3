"""Rosenblatt's perceptron: the first learning machine.

A perceptron scores a point ``x`` with a weighted sum ``x @ weight + bias`` and
predicts class 1 when the score is positive, class 0 otherwise. Its decision
boundary is the straight line (hyperplane) where the score is zero.

It learns from its mistakes, one sample at a time: with the two classes coded as
``target = -1`` and ``target = +1``, a sample is a mistake when
``target * score <= 0``, and each mistake moves the hyperplane towards the
sample (:func:`perceptron_update`). If some hyperplane separates the classes with
margin ``gamma`` and every point lies within radius ``R`` of the origin,
Novikoff's theorem says the rule makes at most ``(R / gamma) ** 2`` mistakes
(:func:`mistake_bound`); if none does, it never stops making them.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "Perceptron",
    "PerceptronConvergenceWarning",
    "mistake_bound",
    "perceptron_update",
]


class PerceptronConvergenceWarning(UserWarning):
    """A perceptron reached ``max_epochs`` and still made mistakes."""


def perceptron_update(
    weight: np.ndarray, bias: float, x: np.ndarray, target: int, lr: float = 1.0
) -> tuple[np.ndarray, float, bool]:
    """One step of the perceptron learning rule, for one sample.

    If the sample is misclassified (``target * (x @ weight + bias) <= 0``; a score
    of exactly zero counts as a mistake), the hyperplane moves towards it::

        weight <- weight + lr * target * x
        bias   <- bias   + lr * target

    Otherwise nothing changes. The inputs are not modified.

    Parameters
    ----------
    weight : ndarray of shape (d,)
        Current weights.
    bias : float
        Current bias.
    x : ndarray of shape (d,)
        One sample.
    target : {-1, +1}
        Its class.
    lr : float, default 1.0
        Learning rate (step size), > 0.

    Returns
    -------
    weight : ndarray of shape (d,)
        New weights (a new array).
    bias : float
        New bias.
    mistake : bool
        Whether the sample was misclassified (and an update made).
    """
    weight = np.asarray(weight, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if weight.ndim != 1 or x.shape != weight.shape:
        raise ValueError(
            f"perceptron_update: weight and x must be 1-D arrays of the same shape (d,); "
            f"got weight {weight.shape} and x {x.shape}"
        )
    if target not in (-1, 1):
        raise ValueError(f"perceptron_update: target must be -1 or +1; got {target!r}")
    _check_lr(lr)

    mistake = bool(target * (x @ weight + bias) <= 0)
    if mistake:
        return weight + lr * target * x, float(bias + lr * target), True
    return weight.copy(), float(bias), False


class Perceptron:
    """Rosenblatt's perceptron for two classes.

    Parameters
    ----------
    lr : float, default 1.0
        Learning rate of the update rule, > 0.
    max_epochs : int, default 100
        Maximum number of passes over the training data.
    shuffle : bool, default True
        Visit the samples in a new random order every epoch.
    seed : int or None, default 0
        Seed of the generator that shuffles the samples.

    Attributes
    ----------
    weight_ : ndarray of shape (n_features,)
        Learned weights.
    bias_ : float
        Learned bias.
    mistakes_per_epoch_ : list of int
        Number of mistakes (updates) in each epoch.
    n_epochs_ : int
        Number of epochs run.
    converged_ : bool
        Whether the last epoch made no mistake; training stops after such an epoch.
    history_ : list of (ndarray of shape (n_features,), float)
        ``(weight, bias)`` after every epoch, to plot how the boundary moves.

    Examples
    --------
    >>> from nnlib.datasets.toy import make_blobs
    >>> X, y = make_blobs(margin=0.5)
    >>> Perceptron().fit(X, y).score(X, y)
    1.0
    """

    def __init__(
        self, lr: float = 1.0, max_epochs: int = 100, shuffle: bool = True, seed: int | None = 0
    ) -> None:
        _check_lr(lr)
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, (int, np.integer)):
            raise ValueError(f"Perceptron: max_epochs must be an integer; got {max_epochs!r}")
        if max_epochs < 1:
            raise ValueError(f"Perceptron: max_epochs must be at least 1; got {max_epochs}")
        self.lr = lr
        self.max_epochs = int(max_epochs)
        self.shuffle = shuffle
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> Perceptron:
        """Learn a separating hyperplane with the perceptron rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training points.
        y : array-like of shape (n_samples,)
            Their labels, 0 or 1 (mapped to the targets -1 and +1 of the rule).

        Returns
        -------
        Perceptron
            ``self``, fitted.

        Warns
        -----
        PerceptronConvergenceWarning
            If an epoch without mistakes is not reached within ``max_epochs``.
        """
        X, y = _check_X(X, "Perceptron.fit"), _check_labels(y, "Perceptron.fit")
        _check_same_length(X, y)
        targets = 2 * y - 1
        rng = np.random.default_rng(self.seed)
        weight, bias = np.zeros(X.shape[1]), 0.0
        self.mistakes_per_epoch_, self.history_ = [], []
        for _ in range(self.max_epochs):
            order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
            weight, bias, mistakes = self._run_epoch(weight, bias, X[order], targets[order])
            self.mistakes_per_epoch_.append(mistakes)
            self.history_.append((weight.copy(), bias))
            if mistakes == 0:
                break
        self.weight_, self.bias_ = weight, bias
        self.n_epochs_ = len(self.mistakes_per_epoch_)
        self.converged_ = self.mistakes_per_epoch_[-1] == 0
        if not self.converged_:
            warnings.warn(
                f"Perceptron did not converge: {self.mistakes_per_epoch_[-1]} mistakes in the "
                f"last of {self.n_epochs_} epochs. The data may not be linearly separable "
                "(if they are, raise max_epochs).",
                PerceptronConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _run_epoch(
        self, weight: np.ndarray, bias: float, X: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, float, int]:
        """One pass over the samples, in the given order; returns the number of mistakes."""
        # Rosenblatt's rule is online: each update changes the scores of all later samples,
        # so this loop over samples cannot be vectorised away.
        mistakes = 0
        for x, target in zip(X, targets, strict=True):
            weight, bias, mistake = perceptron_update(weight, bias, x, int(target), self.lr)
            mistakes += mistake
        return weight, bias, mistakes

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Scores ``X @ weight_ + bias_``, shape ``(n_samples,)``; positive means class 1."""
        self._check_fitted()
        X = _check_X(X, "Perceptron")
        if X.shape[1] != len(self.weight_):
            raise ValueError(
                f"Perceptron: X has {X.shape[1]} features, but the perceptron was fitted "
                f"with {len(self.weight_)}"
            )
        return X @ self.weight_ + self.bias_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels, 0 or 1, as an int64 array of shape ``(n_samples,)``."""
        return (self.decision_function(X) > 0).astype(np.int64)

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy: the fraction of samples of ``X`` whose label ``y`` is predicted."""
        X, y = _check_X(X, "Perceptron.score"), _check_labels(y, "Perceptron.score")
        _check_same_length(X, y)
        return float(np.mean(self.predict(X) == y))

    def _check_fitted(self) -> None:
        if not hasattr(self, "weight_"):
            raise RuntimeError("Perceptron is not fitted yet: call fit(X, y) before predicting")

    def __repr__(self) -> str:
        return (
            f"Perceptron(lr={self.lr}, max_epochs={self.max_epochs}, "
            f"shuffle={self.shuffle}, seed={self.seed})"
        )


def mistake_bound(
    X: np.ndarray, y: np.ndarray, weight: np.ndarray, bias: float
) -> tuple[float, float, float]:
    """Novikoff's bound on the number of mistakes of the perceptron rule.

    The bias is folded into the weights by giving every point an extra input 1:
    ``x' = (x, 1)`` and ``w' = (weight, bias)``. Then

    - ``R = max ||x'||`` is the radius of the (augmented) data,
    - ``gamma = min target * (w' @ x') / ||w'||`` is the margin of the given
      hyperplane (targets -1/+1), positive when it separates the data,

    and the perceptron, started from zero weights, makes at most ``(R / gamma) ** 2``
    mistakes in total, whatever the learning rate and the order of the samples.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points.
    y : array-like of shape (n_samples,)
        Their labels, 0 or 1.
    weight : array-like of shape (n_features,)
        Weights of a hyperplane that separates the classes.
    bias : float
        Its bias.

    Returns
    -------
    R : float
        Radius of the augmented data.
    gamma : float
        Margin of the hyperplane on the augmented data.
    bound : float
        ``(R / gamma) ** 2``.
    """
    X, y = _check_X(X, "mistake_bound"), _check_labels(y, "mistake_bound")
    _check_same_length(X, y)
    weight = np.asarray(weight, dtype=np.float64)
    if weight.shape != (X.shape[1],):
        raise ValueError(
            f"mistake_bound: weight must have shape ({X.shape[1]},) to match X {X.shape}; "
            f"got {weight.shape}"
        )
    X_aug = np.column_stack([X, np.ones(len(X))])
    w_aug = np.append(weight, bias)
    targets = 2 * y - 1
    margins = targets * (X_aug @ w_aug)
    if np.any(margins <= 0):
        raise ValueError(
            f"mistake_bound: the hyperplane does not separate the data; "
            f"{np.count_nonzero(margins <= 0)} of {len(X)} points are on the wrong side or on it"
        )
    R = float(np.linalg.norm(X_aug, axis=1).max())
    gamma = float(margins.min() / np.linalg.norm(w_aug))
    return R, gamma, (R / gamma) ** 2


# --- input checks -----------------------------------------------------------------------------


def _check_X(X, where: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(
            f"{where}: X must be a 2-D array of shape (n_samples, n_features); got shape {X.shape}"
        )
    if len(X) == 0:
        raise ValueError(f"{where}: X has no samples (shape {X.shape})")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: X contains NaN or infinite values")
    return X


def _check_labels(y, where: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"{where}: y must be a 1-D array of shape (n_samples,); got shape {y.shape}"
        )
    valid = np.isin(y, (0, 1))
    if not np.all(valid):
        raise ValueError(f"{where}: labels must be 0 or 1; found {np.unique(y[~valid]).tolist()}")
    return y.astype(np.int64)


def _check_same_length(X: np.ndarray, y: np.ndarray) -> None:
    if len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of samples; got X {X.shape} and y {y.shape}"
        )


def _check_lr(lr) -> None:
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)):
        raise ValueError(f"lr must be a number > 0; got {lr!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
