"""A small Sphinx extension for the book.

* ``nnfp_warnings_are_errors`` (bool): turn every warning into an error, so a book with broken
  references, bad docstrings or missing figures never builds "successfully".
* Math without a network: MathJax's files come from the ``django-static-mathjax`` package (on
  PyPI, no dependencies) and are copied into ``_static/mathjax/`` of the built book;
  ``mathjax_path`` in ``_config.yml`` points there, so formulas render offline, with no CDN.
* The Open-in-Colab badge image of the chapters' title cells is served from the book's own
  ``_static/colab-badge.svg`` (the notebooks keep Colab's address, which Colab and GitHub show).
* Each page's scripts are listed once: sphinx-thebe registers its configuration snippet twice,
  and the second ``const THEBE_JS_URL`` is a JavaScript error on every page.
* Bibliography labels in the same author-year form as the citations in the text
  (``bibtex_default_style: nnfp_author_year``).
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

#: The remote badge image the title cells name, and the local copy the book shows instead.
COLAB_BADGE_URL = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "/_static/colab-badge.svg"

#: What of MathJax's ``es5`` folder the book serves: the TeX + MathML + CommonHTML bundle, the
#: components it loads on demand (TeX extensions, menu, accessibility) and the CommonHTML fonts.
MATHJAX_FILES = ["tex-mml-chtml.js", "input", "output/chtml", "output/chtml.js", "a11y", "ui"]
MATHJAX_FILES += ["sre", "adaptors"]
MATHJAX_TARGET = "mathjax"  # under _static/


def _strict(app: Sphinx, config) -> None:
    if config.nnfp_warnings_are_errors:
        app.warningiserror = True


def mathjax_source() -> Path:
    """The ``es5`` folder of the MathJax 3 distribution that ``django-static-mathjax`` installs."""
    try:
        root = Path(str(resources.files("mathjax"))) / "static" / "mathjax"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / "es5" / "tex-mml-chtml.js").is_file():
        raise RuntimeError(
            "MathJax's files are missing: install the book extra "
            '(pip install -e ".[book]", which brings django-static-mathjax)'
        )
    return root / "es5"


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / MATHJAX_TARGET
    for name in MATHJAX_FILES:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name, dirs_exist_ok=True)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name)
    shutil.copy2(source.parent / "LICENSE", target / "LICENSE")


class LocalColabBadge(SphinxTransform):
    """Show the book's own copy of the Open-in-Colab badge image."""

    default_priority = 100  # before Sphinx collects the images of the page

    def apply(self, **kwargs) -> None:
        for image in self.document.findall(nodes.image):
            if image.get("uri") == COLAB_BADGE_URL:
                image["uri"] = LOCAL_BADGE
                if "candidates" in image:
                    del image["candidates"]


def _unique_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # an inline script is registered with filename None or "": the same script either way
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def _register_author_year_style() -> None:
    """``nnfp_author_year``: pybtex's plain style with "Author, Year" labels.

    The labels follow sphinxcontrib-bibtex's ``author_year`` citations in the text: one author
    ("Rosenblatt, 1958"), two ("Alpaydin and Kaynak, 1998"), three or more ("Rumelhart et al.,
    1986").
    """
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            for entry in sorted_entries:
                yield _author_year_label(entry)

    class AuthorYearStyle(PlainStyle):
        default_label_style = AuthorYearLabels

    register_plugin("pybtex.style.labels", "nnfp_author_year", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "nnfp_author_year", AuthorYearStyle, force=True)


def _author_year_label(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(person.last_names) or str(person) for person in persons]
    names = [name.replace("{", "").replace("}", "") for name in names]
    if not names:
        authors = entry.fields.get("key", entry.key)
    elif len(names) == 1:
        authors = names[0]
    elif len(names) == 2:
        authors = f"{names[0]} and {names[1]}"
    else:
        authors = f"{names[0]} et al."
    year = entry.fields.get("year", "n.d.")
    return f"{authors}, {year}"


def setup(app: Sphinx) -> dict:
    app.add_config_value("nnfp_warnings_are_errors", False, "env")
    app.connect("config-inited", _strict)
    app.add_transform(LocalColabBadge)
    app.connect("html-page-context", _unique_scripts, priority=100)
    app.connect("build-finished", _copy_mathjax)
    _register_author_year_style()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
