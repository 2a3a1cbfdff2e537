"""The HTML report: one offline file with every figure, and a rendering that is not blank."""
from __future__ import annotations

import io
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from eval_helpers import Latin1Chars, SpacedWords
from rich.console import Console

import tokensmith as ts


class Outline(HTMLParser):
    """Section titles, svg count, and every attribute that could load something."""

    def __init__(self):
        super().__init__()
        self.h2, self.svgs, self.external, self._in_h2 = [], 0, [], False

    def handle_starttag(self, tag, attrs):
        self._in_h2 = tag == "h2"
        self.svgs += tag == "svg"
        for k, v in attrs:
            if k in ("src", "href", "xlink:href") and v and not v.startswith(("#", "data:")):
                self.external.append((tag, k, v))
        if tag == "link":
            self.external.append((tag, "link", dict(attrs).get("href")))

    def handle_data(self, data):
        if self._in_h2:
            self.h2.append(data.strip())
            self._in_h2 = False


@pytest.fixture(scope="module")
def page():
    toks = [("bpe-1k", Latin1Chars()), ("bpe-4k", SpacedWords()), ("chars", Latin1Chars())]
    corp = {"parallel": {"eng": ["the cat sat", "a dog ran off"], "deu": ["die Katze saß", "ein Hund lief weg"],
                         "fra": ["le chat", "un chien est parti"]},
            "notes": ["plain\tline one", "second  line\n"]}
    report = ts.evaluate(toks, corp, console=Console(file=io.StringIO()))
    return report.to_html()


def test_every_figure_and_section_is_present(page):
    outline = Outline()
    outline.feed(page)
    titles = " | ".join(outline.h2)
    for title in ("Headline", "Premium per language — parallel", "Tokenizer × language — parallel",
                  "Compression vs vocabulary size", "Token lengths", "Vocabulary overlap", "Sample tokenisations",
                  "Per language"):
        assert title in titles
    assert outline.svgs == 5  # premium bars, heatmap, compression, lengths, overlap


def test_page_is_self_contained(page):
    outline = Outline()
    outline.feed(page)
    assert outline.external == []
    assert "@import" not in page
    assert "@font-face" not in page
    assert "http" not in page.replace("http://www.w3.org/", "")  # only the SVG/XLink namespace names


def test_samples_show_whitespace_glyphs(page):
    assert "→" in page and "·" in page


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="headless chromium not installed (apt-get install chromium)")
def test_chromium_renders_a_non_blank_page(page, tmp_path):
    from PIL import Image

    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--screenshot={shot}",
                    "--window-size=1200,2400", html.as_uri()], check=True, capture_output=True, timeout=120)
    image = Image.open(shot).convert("L")
    lo, hi = image.getextrema()
    colours = len(image.getcolors(maxcolors=1 << 16) or [])
    assert hi - lo > 100 and colours > 50
