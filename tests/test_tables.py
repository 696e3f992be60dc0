"""bpnet.views.tables.Table: aligned text for print and nbval, an HTML table for JupyterLab."""

import doctest
import re

import pytest

import bpnet.views.tables as tables
from bpnet.views.tables import Table


def test_the_module_example_runs():
    assert doctest.testmod(tables).failed == 0


def test_text_is_aligned_and_numbers_are_written_with_six_digits():
    t = Table(["rate", "lr", "factor"], [["too small", 0.02, 0.9798551], ["about right", 0.99, -1.195784]], title="t")
    lines = t.text().splitlines()
    assert lines[0] == "t"
    assert len({len(line) for line in lines[1:]}) == 1  # every row as wide as the header: columns line up
    assert lines[2].endswith("0.979855") and lines[3].endswith("-1.19578")
    assert repr(t) == str(t) == t.text()


def test_html_keeps_each_number_on_one_line_and_escapes_text():
    t = Table(["optimizer", "step 10"], [["momentum (β < 1)", 0.000769634]], title="f & g")
    h = t._repr_html_()
    assert ">f &amp; g</caption>" in h and "momentum (β &lt; 1)" in h
    # numbers never wrap (inline styles: an untrusted notebook keeps them), a table too wide scrolls in its box
    assert re.search(r'<td style="[^"]*white-space:nowrap[^"]*">0.000769634</td>', h)
    assert re.search(r'<div class="bp-table" style="[^"]*overflow-x:auto', h) and "<style>" not in h


def test_a_row_of_the_wrong_length_is_one_clear_error():
    with pytest.raises(ValueError, match="row 2 has 1 cells; expected 2"):
        Table(["a", "b"], [["x", 1], ["y"]])


def test_listing_text_is_the_text_given_and_its_html_wraps_only_at_spaces():
    from bpnet.views.tables import Listing

    text = '{\n  "name": "a <b> & c",\n\n  "w": {"X0->Z1": -0.25}\n}\n'
    listing = Listing(text)
    assert str(listing) == repr(listing) == text.rstrip("\n")  # print and nbval read the file's text
    assert Listing(text.splitlines()).text() == listing.text()
    h = listing._repr_html_()
    lines = re.findall(r'<div style="([^"]*)">(.*?)</div>', h)
    assert [body for _, body in lines] == ["{", '"name": "a &lt;b&gt; &amp; c",', "<br>",
                                           '"w": {"X0-&gt;Z1": -0.25}', "}"]
    for style, _ in lines:  # wrapped at spaces, never inside a word or a number (JupyterLab's pre breaks anywhere)
        assert "white-space:pre-wrap" in style and "word-break:normal" in style
    # a line's continuation is indented under its start: its own indent plus the hang, the first line pulled back
    # (in em, 0.6 em a character of a monospace font: JupyterLab drops ch from a notebook not yet trusted)
    assert "padding-left:3.6em;text-indent:-2.4em" in lines[1][0] and "padding-left:2.4em" in lines[0][0]
    assert "font-family:monospace" in h


def test_a_negative_hang_is_one_clear_error():
    from bpnet.views.tables import Listing

    with pytest.raises(ValueError, match="hang is -1; expected a number of characters"):
        Listing("x", hang=-1)
