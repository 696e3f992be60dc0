"""Every link between the notebooks and documents resolves: the file exists and so does the
heading its #fragment names (JupyterLab's heading ids: the heading's text, spaces as '-';
GitHub's for Markdown files: lower case, punctuation dropped, spaces as '-')."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted([*REPO.glob("notebooks/*.ipynb"), REPO / "README.md", *REPO.glob("docs/*.md"),
                    *REPO.glob("bpnet/**/*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def _markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)


def _plain(heading: str) -> str:
    """A heading's text as rendered: no emphasis or code marks, links as their text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[*_`]", "", text)


def anchors(path: Path) -> set[str]:
    md = _markdown(path)
    found = set(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", md))
    for heading in HEADING.findall(md):
        text = _plain(heading)
        if path.suffix == ".ipynb":
            found.add(text.replace(" ", "-"))
        else:
            found.add(re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-"))
    return found


def broken_links(path: Path) -> list[str]:
    problems = []
    for target in LINK.findall(_markdown(path)):
        if re.match(r"[a-z]+:", target):  # https:, mailto: ...
            continue
        file, _, fragment = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            problems.append(f"{path.name}: {target} (no file {file})")
        elif fragment and dest.suffix in (".ipynb", ".md") and fragment not in anchors(dest):
            problems.append(f"{path.name}: {target} (no heading #{fragment} in {dest.name})")
    return problems


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.relative_to(REPO).as_posix() for p in DOCUMENTS])
def test_every_link_resolves(path):
    assert broken_links(path) == []


def test_the_link_check_catches_a_missing_heading_and_a_missing_file(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\n## Notation\n\nSee [the card](#Notation-card), [b](b.md), "
                                   "[ok](#notation) and [web](https://example.org).\n")
    assert broken_links(tmp_path / "a.md") == ["a.md: #Notation-card (no heading #Notation-card in a.md)",
                                               "a.md: b.md (no file b.md)"]
