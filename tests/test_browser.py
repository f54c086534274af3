"""The built book, read in headless Chromium as a reader would, with the network unavailable.

The book is the one build of the test run (``built_book`` in tests/conftest.py), served on the
loopback address. Chromium is Debian's ``chromium`` (``.ci/run`` installs it), driven by
Playwright, which never downloads a browser of its own here. Every request that is not for the
loopback server is aborted, so formulas, images and scripts must all come from the book itself.
Without Chromium (or Playwright) these tests skip and say why.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import struct
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - playwright is part of the test extras
    sync_api = None

# Decided before any fixture runs, so a machine without a browser does not build the book for it.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Chromium is not installed (apt-get install chromium): browser checks not run",
    ),
    pytest.mark.skipif(
        sync_api is None, reason="playwright is not installed: browser checks not run"
    ),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP, PHONE = 1280, 400
CHAPTER = "chapters/01_perceptrons.html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def site(built_book: Path):
    """(base URL, HTML folder): the built book served on 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", built_book
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        # launch() starts Chromium with a fresh, temporary --user-data-dir of its own
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


class Reader:
    """One page in one browser context, offline but for the book's own server."""

    def __init__(self, browser, base: str, width: int, dark: bool = False) -> None:
        self.base = base
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light"
        )
        self.errors: list[str] = []
        self.offsite: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _route(self, route) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def open(self, path: str) -> Reader:
        self.page.goto(self.base + path, wait_until="load")
        # MathJax typesets after load; wait until it has finished (or failed)
        self.page.evaluate(
            "async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
            " { await MathJax.startup.promise; } }"
        )
        return self

    def shown(self, selector: str) -> bool:
        """Whether an element matching ``selector`` is on screen (not hidden, not off-canvas)."""
        return self.page.evaluate(
            """(selector) => [...document.querySelectorAll(selector)].some((e) => {
                 const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                 return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 50
                     && r.right > 10 && r.left < innerWidth - 10; })""",
            selector,
        )

    def toggle(self, name: str):
        return self.page.locator(f"button.{name}-toggle:visible").first

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def reader(browser, site):
    readers = []

    def make(width: int, dark: bool = False) -> Reader:
        readers.append(Reader(browser, site[0], width, dark))
        return readers[-1]

    yield make
    for r in readers:
        r.close()


def _pages(html: Path, pattern: str = "chapters/*.html") -> list[str]:
    """The landing page and the pages matching ``pattern``, as paths relative to ``html``."""
    return ["intro.html", *sorted(p.relative_to(html).as_posix() for p in html.glob(pattern))]


def test_primary_sidebar_toggle_hides_and_shows_it_on_a_desktop(reader) -> None:
    page = reader(DESKTOP).open(CHAPTER)
    assert page.shown(".bd-sidebar-primary"), "the chapter list is shown on a desktop"
    assert page.shown(".bd-sidebar-secondary"), "the in-page contents are shown on a desktop"
    assert page.page.locator("header.bd-header:visible").count() == 0, "no extra top bar"
    page.toggle("primary").click()
    page.page.wait_for_timeout(400)
    assert not page.shown(".bd-sidebar-primary"), "the hamburger hides the chapter list"
    page.toggle("primary").click()
    page.page.wait_for_timeout(400)
    assert page.shown(".bd-sidebar-primary"), "and shows it again"
    assert not page.errors, page.errors


@pytest.mark.parametrize("name", ["primary", "secondary"])
def test_sidebar_toggles_open_and_close_on_a_phone(reader, name: str) -> None:
    page = reader(PHONE).open(CHAPTER)
    sidebar = f".bd-sidebar-{name}"
    assert not page.shown(sidebar), f"the {name} sidebar starts closed on a phone"
    page.toggle(name).click()
    page.page.wait_for_timeout(400)
    assert page.shown(sidebar), f"the {name} toggle opens the sidebar on a phone"
    page.page.keyboard.press("Escape")
    page.page.wait_for_timeout(400)
    assert not page.shown(sidebar), "Escape closes it"
    page.toggle(name).click()
    page.page.wait_for_timeout(400)
    assert page.shown(sidebar), "it opens again"
    page.page.mouse.click(PHONE - 5 if name == "primary" else 5, 450)  # outside the sidebar
    page.page.wait_for_timeout(400)
    assert not page.shown(sidebar), "a click beside the sidebar closes it"
    assert not page.errors, page.errors


def test_every_page_renders_offline(reader, site) -> None:
    """Formulas typeset, images load, no console errors, no request leaves the machine."""
    base, html = site
    page = reader(DESKTOP)
    formulas = 0
    for path in _pages(html) + _pages(html, "chapters/api/*.html")[1:]:
        page.open(path)
        result = page.page.evaluate(
            """async () => {
              const images = [...document.images];
              images.forEach((i) => { i.loading = 'eager'; });
              await Promise.all(images.map((i) => i.decode().catch(() => null)));
              const broken = images.filter((i) => !(i.complete && i.naturalWidth > 0))
                                   .map((i) => i.getAttribute('src'));
              const maths = [...document.querySelectorAll('.math')];
              const raw = maths.filter((m) => !m.querySelector('mjx-container'))
                               .map((m) => m.textContent.slice(0, 60));
              const clone = document.querySelector('main, body').cloneNode(true);
              clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight')
                   .forEach((e) => e.remove());
              const text = clone.textContent;
              return {broken, raw, maths: maths.length,
                      delimiters: ['\\\\(', '\\\\['].filter((d) => text.includes(d))};
            }"""
        )
        formulas += result["maths"]
        assert not result["broken"], f"{path}: images that do not load: {result['broken']}"
        assert not result["raw"], f"{path}: formulas left as raw TeX: {result['raw']}"
        assert not result["delimiters"], f"{path}: raw TeX delimiters in the visible text"
    assert formulas > 20, "the chapters' formulas were found"
    assert not page.errors, page.errors
    assert not page.offsite, f"requests that left the machine: {sorted(set(page.offsite))}"


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def test_chapters_fit_a_phone_screen(reader, site, tmp_path: Path) -> None:
    base, html = site
    page = reader(PHONE)
    for path in _pages(html, "chapters/0*.html"):
        page.open(path)
        overflow = page.page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        shot = tmp_path / (Path(path).stem + ".png")
        page.page.screenshot(path=str(shot), full_page=True)
        assert overflow <= 0, f"{path} is {overflow} px wider than a {PHONE} px phone"
        assert _png_size(shot)[0] == PHONE, f"{path}: the screenshot is wider than the phone"
    assert not page.errors, page.errors


def test_source_listings_follow_dark_mode(reader, site) -> None:
    page = reader(DESKTOP, dark=True)
    page.page.add_init_script("localStorage.setItem('mode', 'dark')")  # the theme's switch
    page.open(CHAPTER)
    assert page.page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    colours = page.page.evaluate(
        """() => [...document.querySelectorAll('.nnfp-source')].map((box) => {
             const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
             const lum = ([r, g, b]) => (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
             const bg = lum(parse(getComputedStyle(box).backgroundColor));
             const spans = [...box.querySelectorAll('pre span')]
                           .filter((s) => s.textContent.trim());
             const worst = Math.min(...spans.map(
               (s) => Math.abs(lum(parse(getComputedStyle(s).color)) - bg)));
             const panel = getComputedStyle(box.parentElement).backgroundColor;
             const clear = panel === 'transparent' || panel.endsWith(', 0)');
             return {bg, worst, panel: clear ? 0 : lum(parse(panel)),
                     folded: !!box.querySelector('details:not([open])')}; })"""
    )
    assert colours, "chapter 1 shows library code with nnlib.show"
    for box in colours:
        assert box["bg"] < 0.3, "a source listing keeps a light background in dark mode"
        assert box["worst"] > 0.25, "a source listing has text too dark for the dark background"
        assert box["panel"] < 0.3, "a source listing sits on a light panel in dark mode"
    assert any(box["folded"] for box in colours), "long docstrings are folded"
