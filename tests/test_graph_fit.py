"""A graph's step-through fits a notebook's column at 1000 px with the file browser open: wide
graphs wrap into bands of the columns that fit, and the text keeps at least 9 points."""

from __future__ import annotations

import pytest

from bpnet.explain.autograd import inputs
from bpnet.views.graph_plots import COL_W, columns_that_fit, graph_layout
from bpnet.views.graph_widgets import GraphStepThrough


def _chain():
    a, b, c = inputs(a=2.0, b=-1.0, c=1.5)
    return (((((a * b + c).tanh() * 2.0 + 1.0) ** 2) * 0.5).exp() + 1.0).named("L")


def test_columns_that_fit_is_how_many_column_pitches_a_width_holds():
    assert columns_that_fit(COL_W * 3 + 0.1) == 3
    assert columns_that_fit(COL_W * 0.5) == 1


def test_a_wrapped_layout_keeps_the_order_of_the_columns_band_by_band():
    trace = _chain().backward()
    flat, wrapped = graph_layout(trace.graph), graph_layout(trace.graph, columns=2)
    assert max(x for x, _ in flat.values()) >= 6
    assert {x for x, _ in wrapped.values()} <= {0.0, 1.0}
    for i, (x, _y) in flat.items():
        assert wrapped[i][0] == x % 2
    # a node of a later band is below every node of an earlier band
    for i in flat:
        for j in flat:
            if flat[i][0] // 2 < flat[j][0] // 2:
                assert wrapped[j][1] < wrapped[i][1]


@pytest.mark.parametrize("width", [560, 900])
def test_the_picture_fits_the_width_and_its_text_stays_at_9_points(width):
    view = GraphStepThrough(_chain(), width=width)
    png = view.diagram_image.value
    w_px = int.from_bytes(png[16:20], "big")
    assert w_px <= width
    assert view.drawing.texts[0].get_fontsize() >= 9 and view.dpi >= 96  # 9 pt shows at >= 12 CSS px
    view.end_button.click()
    assert int.from_bytes(view.diagram_image.value[16:20], "big") == w_px
