"""The map of the book: which chapter introduces which ``nnlib`` module.

Chapter order is layer order. A module may import only modules of its own or of
earlier chapters, and the notebook of chapter *k* may use only modules of
chapters up to *k*. ``tests/test_curriculum.py`` enforces both rules with this
map, so a new module must be added here, next to the chapter that explains it.

Facade modules (package ``__init__`` files and ``nnlib.nn.functional``) only
re-export names; they belong to no chapter.
"""

from __future__ import annotations

#: Chapter number -> (notebook stem under ``chapters/``, title).
CHAPTERS: dict[int, tuple[str, str]] = {
    1: ("01_perceptrons", "Perceptrons"),
    2: ("02_backpropagation", "Backpropagation"),
    3: ("03_activations", "Activation functions and initialisation"),
    4: ("04_optimization", "Optimization"),
    5: ("05_overfitting", "Overfitting and regularization"),
}

#: Module -> chapter that introduces it.
MODULE_CHAPTER: dict[str, int] = {
    # Chapter 1: perceptrons
    "nnlib.curriculum": 1,
    "nnlib.show": 1,
    "nnlib.glue": 1,
    "nnlib.devices": 1,
    "nnlib.datasets.toy": 1,
    "nnlib.perceptron": 1,
    "nnlib.plot": 1,
    # Chapter 2: backpropagation
    "nnlib.backend": 2,
    "nnlib.random": 2,
    "nnlib.tensor": 2,
    "nnlib.autograd": 2,
    "nnlib.ops": 2,
    "nnlib.gradcheck": 2,
    "nnlib.nn.parameter": 2,
    "nnlib.nn.module": 2,
    "nnlib.nn.linear": 2,
    "nnlib.nn.container": 2,
    "nnlib.nn.activation": 2,
    "nnlib.nn.loss": 2,
    "nnlib.optim.optimizer": 2,
    "nnlib.optim.sgd": 2,
    "nnlib.interop": 2,
    "nnlib.graph_view": 2,
    # Chapter 3: activation functions and initialisation
    "nnlib.activation_functions": 3,
    "nnlib.nn.activation_modules": 3,
    "nnlib.nn.init": 3,
    # Chapter 4: optimization
    "nnlib.optim.adagrad": 4,
    "nnlib.optim.rmsprop": 4,
    "nnlib.optim.adam": 4,
    "nnlib.optim.lr_scheduler": 4,
    "nnlib.nn.utils.clip_grad": 4,
    "nnlib.data.dataset": 4,
    "nnlib.data.dataloader": 4,
    "nnlib.datasets.digits": 4,
    "nnlib.training": 4,
    # Chapter 5: overfitting and regularization
    "nnlib.nn.dropout": 5,
    "nnlib.nn.normalization": 5,
    "nnlib.regularization": 5,
    "nnlib.datasets.idx": 5,
    "nnlib.datasets.mnist": 5,
    "nnlib.serialization": 5,
}

#: Modules that only re-export names defined elsewhere. A facade that also appears in
#: ``MODULE_CHAPTER`` (``nnlib.ops``) gathers one chapter's modules and may be imported by them.
FACADES: frozenset[str] = frozenset(
    {
        "nnlib",
        "nnlib.data",
        "nnlib.datasets",
        "nnlib.figures",
        "nnlib.nn",
        "nnlib.nn.functional",
        "nnlib.nn.utils",
        "nnlib.ops",
        "nnlib.optim",
    }
)


def chapter_of(module: str) -> int:
    """Return the chapter that introduces ``module`` (a dotted module name).

    Submodules of a mapped package (``nnlib.ops.elementwise`` under ``nnlib.ops``)
    belong to the package's chapter unless they are mapped themselves.
    """
    name = module
    while name:
        if name in MODULE_CHAPTER:
            return MODULE_CHAPTER[name]
        if "." not in name:
            break
        name = name.rsplit(".", 1)[0]
    raise KeyError(
        f"module {module!r} is not in nnlib.curriculum.MODULE_CHAPTER; "
        "add it next to the chapter that introduces it"
    )
