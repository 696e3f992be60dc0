"""A table of numbers for a notebook: an HTML table in JupyterLab, aligned text elsewhere.

JupyterLab wraps a text output that is wider than its column anywhere, also inside a number
(its ``pre`` breaks words); a table printed as text then reads wrong on a laptop. ``Table`` is
shown as an HTML table there: a number is never broken across lines, a row label may wrap
between its words, and a table still too wide for the column scrolls sideways inside its own
box. ``print(table)``, a terminal and nbval read the same rows as aligned text.

``Listing`` is the same for text that is not a table (a network file, a dict, a verdict): in
JupyterLab each line wraps at its spaces, its continuation indented under the line's start, so
neither a number nor a word is cut in two; its text is the text as given.

    >>> Table(["rate", "lr"], [["too small", 0.02], ["too large", 2.18]], title="two rates")
    two rates
    rate         lr
    too small  0.02
    too large  2.18

A cell is a string, shown as it is, or a number, shown with ``fmt`` (six significant digits).
The view computes nothing: the notebook passes the numbers bpnet computed.
"""

from __future__ import annotations

import html
import numbers

from ..core.notation import PALETTE, fmt

__all__ = ["Listing", "Table"]

# Inline styles: JupyterLab keeps an element's style attribute in a notebook it does not trust yet
# (one opened as stored), where it drops <style> blocks.
_BOX = "overflow-x:auto;max-width:100%"
_TABLE = "border-collapse:collapse;margin:0;font-size:13px;font-variant-numeric:tabular-nums"
_CAPTION = "text-align:left;caption-side:top;padding:0 0 4px 0;white-space:normal"
_LABEL = "text-align:left;white-space:normal;padding:1px 8px 1px 0;border:0;vertical-align:top"
_NUMBER = "text-align:right;white-space:nowrap;padding:1px 0 1px 7px;border:0;vertical-align:top"
# A listing's font is monospace, a character 0.6 em wide (JupyterLab keeps only plain lengths in a
# notebook not trusted yet: em, not ch; no var()).
_LISTING = "margin:0;font-family:monospace;font-size:13px;line-height:1.3"
_LINE = "white-space:pre-wrap;word-break:normal;overflow-wrap:break-word"
_CH_TENTHS = 6  # a monospace character is 0.6 em wide
_HEAD = (";font-weight:bold;white-space:normal;border-bottom:1px solid var(--jp-border-color1,"
         + PALETTE["table_head_rule"] + ")")


def _cell(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return fmt(v)
    return str(v)


class Table:
    """``rows`` under a ``header`` (one name a column), with an optional ``title`` line above.

    The first column holds row labels (left-aligned, may wrap at spaces in HTML); the others
    hold numbers or short texts (right-aligned, never wrapped).
    """

    def __init__(self, header, rows, title: str = ""):
        self.header = [_cell(h) for h in header]
        self.rows = [[_cell(v) for v in row] for row in rows]
        self.title = str(title)
        n = len(self.header)
        for k, row in enumerate(self.rows):
            if len(row) != n:
                raise ValueError(f"row {k + 1} has {len(row)} cells; expected {n}, one per column of the header")

    def text(self) -> str:
        """The table as aligned text: the first column left-aligned, the others right-aligned."""
        lines = [self.header] + self.rows
        widths = [max(len(line[k]) for line in lines) for k in range(len(self.header))]

        def line(cells) -> str:
            return "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                             for k, (c, w) in enumerate(zip(cells, widths))).rstrip()

        out = ([self.title] if self.title else []) + [line(c) for c in lines]
        return "\n".join(out)

    def __repr__(self) -> str:
        return self.text()

    __str__ = text

    def _repr_html_(self) -> str:
        e = html.escape

        def cell(tag: str, k: int, text: str, head: bool = False) -> str:
            scope = (' scope="col"' if head else ' scope="row"' if k == 0 else "")
            style = (_LABEL if k == 0 else _NUMBER) + (_HEAD if head else "")
            return f'<{tag}{scope} style="{style}">{e(text)}</{tag}>'

        head = "".join(cell("th", k, h, head=True) for k, h in enumerate(self.header))
        body = "".join("<tr>" + "".join(cell("th" if k == 0 else "td", k, c) for k, c in enumerate(row)) + "</tr>"
                       for row in self.rows)
        caption = f'<caption style="{_CAPTION}">{e(self.title)}</caption>' if self.title else ""
        return (f'<div class="bp-table" style="{_BOX}"><table style="{_TABLE}">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>")


def _em(chars: int) -> str:
    """A CSS length of ``chars`` characters of the monospace font, _CH_TENTHS tenths of an em each
    (written exactly: 0.6em, 1.2em, 3em)."""
    whole, tenths = divmod(chars * _CH_TENTHS, 10)
    return f"{whole}.{tenths}em" if tenths else f"{whole}em"


class Listing:
    """Lines of text (a string, or an iterable of lines) shown whole in a notebook's column.

    In JupyterLab each line wraps at its spaces, never inside a number or a word unless that
    alone is wider than the column, and its continuation lines are indented ``hang`` characters
    deeper than the line's own indentation. ``print(listing)``, a terminal and nbval read the
    text as given.
    """

    def __init__(self, lines, hang: int = 4):
        text = lines if isinstance(lines, str) else "\n".join(str(line) for line in lines)
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":  # a file's final newline
            self.lines.pop()
        self.hang = int(hang)
        if self.hang < 0:
            raise ValueError(f"hang is {hang}; expected a number of characters, 0 or more")

    def text(self) -> str:
        return "\n".join(self.lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        out = []
        for line in self.lines:
            body = line.lstrip(" ")
            indent = len(line) - len(body)
            out.append(f'<div style="{_LINE};padding-left:{_em(indent + self.hang)};text-indent:-{_em(self.hang)}">'
                       f"{html.escape(body, quote=False) if body else '<br>'}</div>")
        return f'<div class="bp-listing" style="{_LISTING}">{"".join(out)}</div>'
