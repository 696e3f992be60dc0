"""Notebook 08's box (``CheckExample``): the text typed is read as the network file loader reads a file,
and the button shows everything, errors included, in the widget's own output area.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

import bpnet  # noqa: E402
from bpnet.teach.netfile import load_network_text  # noqa: E402
from bpnet.views.widgets import CheckExample  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEXTBOOK = ROOT / "examples" / "two-outputs-sigmoid.json"


def textbook_text(d0: str) -> str:
    """The textbook example with its published forward value of D0 written as ``d0``."""
    doc = json.loads(TEXTBOOK.read_text())
    doc["published"] = {"forward": {"D0": "@D0@"}}
    return json.dumps(doc, indent=2).replace('"@D0@"', d0)


def click(box: CheckExample):
    box.button.click()
    return box.last


@pytest.mark.slow  # runs the command line beside the box
def test_trailing_zeros_typed_in_the_box_are_compared_as_typed(tmp_path):
    """D0 to two decimals with two zeros added is four decimals: bpnet's D0 disagrees there, as
    `bpnet check` on the same text says (the box once read 0.7500 as 0.75)."""
    ex = bpnet.load_network(TEXTBOOK)
    d0 = float(ex.net.forward(ex.X[0]).output[0, 0])
    two = f"{d0:.2f}"
    assert abs(d0 - float(two)) > 0.0002  # the case: D0 agrees to 2 decimals, not to 4
    for typed, agrees in ((two, True), (two + "00", False), (f"{d0:.4f}", True)):
        box = CheckExample(textbook_text(typed))
        result = click(box)
        assert result.rows[0].published_text == typed
        assert result.agrees is agrees, (typed, result.rows[0].bpnet_text)
        assert ("✗" in box.result.value) is (not agrees)
        f = tmp_path / "mine.json"
        f.write_text(textbook_text(typed))
        cli = subprocess.run([sys.executable, "-m", "bpnet", "check", str(f)], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8"), timeout=60)
        assert cli.returncode == (0 if agrees else 1)
        assert str(result) in cli.stdout  # one code path: the same table


@pytest.mark.parametrize("change,words", [
    (lambda t: t.replace('"lr": 0.5', '"lr": 0.5, "lr": 5'), 'lr: this key appears more than once'),
    (lambda t: t.replace('"lr": 0.5', '"lr": 1' + "0" * 400), "lr: got an integer of 401 digits"),
    (lambda t: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (lambda t: t.replace('"lr": 0.5', '"lr": ' + "[" * 12 + "]" * 12), "nested too deeply"),
    (lambda t: t.replace('"lr": 0.5', '"lr": 1e309'), "lr: got 1e309, beyond the largest float"),
    (lambda t: t[:-5], "not valid JSON"),
    (lambda t: "", "empty"),
    (lambda t: t.replace('"lr": 0.5', '"lr": NaN'), "lr: got NaN"),
])
def test_the_box_refuses_what_a_file_refuses_in_one_line_in_the_widget(change, words):
    text = change(textbook_text("0.75"))
    box = CheckExample(text)
    message = click(box)
    assert isinstance(message, str) and words in message, message
    assert message.startswith("the box") and "\n" not in message
    assert "Traceback" not in box.result.value and words.split(":")[0] in box.result.value
    with pytest.raises(bpnet.NetworkFileError):
        load_network_text(text)  # the loader says the same


def test_the_box_keeps_working_when_notebook_names_are_rebound():
    """Run All rebinds ``result`` and other names in later cells: the box holds its own parts."""
    ex = bpnet.load_network(TEXTBOOK)
    two = f"{float(ex.net.forward(ex.X[0]).output[0, 0]):.2f}"
    box = CheckExample(textbook_text(two))
    namespace = {"box": box}
    exec("result = 3\neditor = None\ncheck_button = None\nbox_output = 'rebound'", namespace)
    assert click(box).agrees
    box.editor.value = textbook_text(two + "00")
    assert not click(box).agrees


def test_an_unexpected_failure_is_shown_in_the_widget(monkeypatch):
    import bpnet.views.widgets as widgets

    def broken(*_args, **_kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(widgets, "check_published", broken)
    box = CheckExample(textbook_text("0.75"))
    message = click(box)
    assert message == "the check failed: RuntimeError: disk on fire"
    assert "disk on fire" in box.result.value


def test_the_box_escapes_what_it_shows():
    box = CheckExample(textbook_text("0.75").replace('"lr": 0.5', '"lr": "<b>x</b>"'))
    click(box)
    assert "<b>x</b>" not in box.result.value and "&lt;b&gt;x&lt;/b&gt;" in box.result.value


def test_the_box_takes_a_dict_or_a_text_only():
    assert json.loads(CheckExample({"a": 1}).editor.value) == {"a": 1}
    with pytest.raises(TypeError, match="text of a network file or a dict"):
        CheckExample(3)
