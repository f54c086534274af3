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
    6: ("06_convolutional", "Convolutional networks"),
    7: ("07_recurrent", "Recurrent networks"),
    8: ("08_gan", "Generative adversarial networks"),
    9: ("09_vae", "Variational autoencoders"),
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
    "nnlib.figures.networks": 1,
    # Chapter 2: backpropagation
    "nnlib.backend": 2,
    "nnlib.pretend_gpu": 2,
    "nnlib._cupy_names": 2,
    "nnlib.cuda": 2,
    "nnlib.random": 2,
    "nnlib.tensor": 2,
    "nnlib.autograd": 2,
    "nnlib.ops": 2,
    "nnlib.gradcheck": 2,
    "nnlib.nn.parameter": 2,
    "nnlib.nn.module": 2,
    "nnlib.nn.linear": 2,
    "nnlib.nn.lazy": 2,
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
    "nnlib.datasets.packaged": 4,
    "nnlib.training": 4,
    # Chapter 5: overfitting and regularization
    "nnlib.nn.dropout": 5,
    "nnlib.nn.normalization": 5,
    "nnlib.regularization": 5,
    "nnlib.datasets.idx": 5,
    "nnlib.datasets.mnist": 5,
    "nnlib.serialization": 5,
    # Chapter 6: convolutional networks
    "nnlib.buffers": 6,
    "nnlib.nn.fold": 6,
    "nnlib.nn.conv": 6,
    "nnlib.nn.pooling": 6,
    "nnlib.nn.flatten": 6,
    "nnlib.figures.convolution": 6,
    # Chapter 7: recurrent networks
    "nnlib.nn.rnn": 7,
    "nnlib.nn.sparse": 7,
    "nnlib.nn.utils.rnn": 7,
    "nnlib.datasets.sequences": 7,
    "nnlib.datasets.text": 7,
    "nnlib.text": 7,
    "nnlib.figures.recurrent": 7,
    # Chapter 8: generative adversarial networks
    "nnlib.nn.upsampling": 8,
    "nnlib.image_grid": 8,
    "nnlib.sample_quality": 8,
    "nnlib.gan": 8,
    # Chapter 9: variational autoencoders
    "nnlib.distributions.distribution": 9,
    "nnlib.distributions.normal": 9,
    "nnlib.distributions.bernoulli": 9,
    "nnlib.distributions.independent": 9,
    "nnlib.distributions.kl": 9,
    "nnlib.vae": 9,
}

#: Modules that only re-export names defined elsewhere. A facade that also appears in
#: ``MODULE_CHAPTER`` (``nnlib.ops``) gathers one chapter's modules and may be imported by them.
FACADES: frozenset[str] = frozenset(
    {
        "nnlib",
        "nnlib.data",
        "nnlib.datasets",
        "nnlib.distributions",
        "nnlib.figures",
        "nnlib.nn",
        "nnlib.nn.functional",
        "nnlib.nn.utils",
        "nnlib.ops",
        "nnlib.optim",
        "nnlib.utils",
        "nnlib.utils.data",
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


def modules_of(chapter: int) -> list[str]:
    """The modules that ``chapter`` adds to ``nnlib``, in the order of ``MODULE_CHAPTER``.

    Each chapter ends by listing them, so the list in the book cannot drift from this map.

    Raises
    ------
    KeyError
        If ``chapter`` is not in ``CHAPTERS``.
    """
    if chapter not in CHAPTERS:
        raise KeyError(f"modules_of(): no chapter {chapter!r}; chapters are {sorted(CHAPTERS)}")
    return [module for module, number in MODULE_CHAPTER.items() if number == chapter]
