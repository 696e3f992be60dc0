"""docs/teachers.md is what tools/teachers_guide.py writes from the notebooks and the mistake catalogue,
and it covers every notebook, every catalogue mistake and every exercise's solution."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bpnet.explain.mistakes import CATALOGUE

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "teachers.md"


@pytest.mark.slow
def test_the_committed_guide_is_up_to_date():
    result = subprocess.run([sys.executable, "tools/teachers_guide.py", "--check"], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_guide_covers_every_notebook_mistake_and_exercise():
    text = GUIDE.read_text(encoding="utf-8")
    for path in sorted((REPO / "notebooks").glob("0*.ipynb")):
        assert f"](../notebooks/{path.name})" in text, path.name
    for key in CATALOGUE:
        assert f"(`{key}`)" in text, key
    key_rows = re.findall(r"^\| (\d\d) \| ([\w.]+) \|", text, re.M)
    for path in sorted((REPO / "notebooks").glob("0*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        labels = {m.group(1) for c in nb["cells"] if c["cell_type"] == "markdown"
                  for m in re.finditer(r"^### Exercise ([\w.]+)", "".join(c["source"]), re.M)}
        assert labels == {label for stem, label in key_rows if stem == path.stem[:2]}, path.name
    assert "teachers.md" in (REPO / "README.md").read_text() and "teachers.md" in (
        REPO / "notebooks" / "teachers.ipynb").read_text()
