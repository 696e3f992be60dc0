"""Every shipped template prints one page per variant: sheets and keys rendered to PDF by headless
Chromium (the session's: tests/conftest.py; as a teacher's browser prints them), pages counted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bpnet.teach import worksheet as ws
from bpnet.views import worksheet_pages as pages

REPO = Path(__file__).resolve().parent.parent


def _templates():
    yield from ((name, name) for name in ws.TEMPLATES)
    for path in sorted((REPO / "examples").glob("*.json")):
        yield path.name, path


@pytest.fixture(scope="module")
def printer(browser):
    """A page of the session's Chromium (tests/conftest.py) to print with, closed at the end."""
    page = browser.new_page()
    yield page
    page.close()


def pdf_pages(printer, html: Path) -> int:
    """The pages of ``html`` printed to PDF by Chromium, on the paper its @page rule names."""
    printer.goto(html.as_uri())
    pdf = printer.pdf(prefer_css_page_size=True, print_background=True)
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.browser
@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("name, spec", list(_templates()), ids=[n for n, _ in _templates()])
def test_every_template_prints_one_page_per_variant(tmp_path, printer, name, spec, paper):
    if paper == "Letter" and name not in ("xor.json", "softmax-cross-entropy.json"):
        pytest.skip("Letter: the two largest templates suffice")
    template = ws.get_template(spec) if isinstance(spec, str) else ws.template_from_example(spec)
    variants = ws.generate(template, 2, seed=7)
    pages.write_worksheets(variants, tmp_path / "set", paper=paper)
    for html in ("sheets.html", "keys.html"):
        assert pdf_pages(printer, tmp_path / "set" / html) == len(variants), (name, html)
