"""Every shipped template prints one page per variant: sheets and keys rendered to PDF by headless
Chromium (as a teacher's browser prints them), pages counted."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bpnet.teach import worksheet as ws
from bpnet.views import worksheet_pages as pages

REPO = Path(__file__).resolve().parent.parent


def _templates():
    yield from ((name, name) for name in ws.TEMPLATES)
    for path in sorted((REPO / "examples").glob("*.json")):
        yield path.name, path


def _chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        from infra_support import in_ci
        if in_ci():
            pytest.fail("chromium is needed for the print test in CI")
        pytest.skip("chromium is not on PATH")
    return chromium


def pdf_pages(chromium: str, html: Path) -> int:
    pdf = html.with_suffix(".pdf")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    f"--print-to-pdf={pdf}", html.as_uri()], capture_output=True, timeout=180, check=True)
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


@pytest.mark.browser
@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("name, spec", list(_templates()), ids=[n for n, _ in _templates()])
def test_every_template_prints_one_page_per_variant(tmp_path, name, spec, paper):
    if paper == "Letter" and name not in ("xor.json", "softmax-cross-entropy.json"):
        pytest.skip("Letter: the two largest templates suffice")
    chromium = _chromium()
    template = ws.get_template(spec) if isinstance(spec, str) else ws.template_from_example(spec)
    variants = ws.generate(template, 2, seed=7)
    pages.write_worksheets(variants, tmp_path / "set", paper=paper)
    for html in ("sheets.html", "keys.html"):
        assert pdf_pages(chromium, tmp_path / "set" / html) == len(variants), (name, html)
