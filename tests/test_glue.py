"""``nnlib.glue`` writes what myst-nb's ``{glue:text}`` role reads."""

from __future__ import annotations

import pytest

pytest.importorskip("IPython")

from nnlib.glue import GLUE_PREFIX, glue  # noqa: E402


def _published(monkeypatch, **kwargs):
    seen = []
    monkeypatch.setattr(
        "IPython.display.display",
        lambda obj, raw=False, metadata=None: seen.append((obj, raw, metadata)),
    )
    glue(**kwargs)
    assert len(seen) == 1
    return seen[0]


def test_hidden_value_uses_myst_nb_protocol(monkeypatch) -> None:
    bundle, raw, metadata = _published(monkeypatch, name="acc", value=0.925)
    assert raw
    assert bundle == {GLUE_PREFIX + "text/plain": "0.925"}
    assert metadata["scrapbook"] == {"name": "acc", "mime_prefix": GLUE_PREFIX}


def test_displayed_value(monkeypatch) -> None:
    bundle, _, metadata = _published(monkeypatch, name="n", value=12, display=True)
    assert bundle == {"text/plain": "12"}
    assert metadata["scrapbook"]["mime_prefix"] == ""


def test_matches_myst_nb(monkeypatch) -> None:
    myst_glue = pytest.importorskip("myst_nb").glue
    ours = _published(monkeypatch, name="x", value=1.5)
    theirs = []
    monkeypatch.setattr(
        "myst_nb.ext.glue.ipy_display",
        lambda obj, raw=False, metadata=None: theirs.append((obj, raw, metadata)),
    )
    myst_glue("x", 1.5, display=False)
    assert theirs == [ours]


@pytest.mark.parametrize("name", ["", None, 3])
def test_bad_name(name) -> None:
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        glue(name, 1)
