"""The batch-normalisation checkers of notebook 10: right answers (computed independently, by the
scalar autograd) are accepted, the classic slips are named, the hints never give the answer."""

from __future__ import annotations

import numpy as np
import pytest

from bpnet.explain.norm_graphs import batch_norm_graph
from bpnet.teach import exercises as ex

U, T, GAMMA, BETA = [1.0, -0.5, 2.5, 0.0], [0.0, 1.0, 0.5, -1.0], 2.0, 0.5


def _graph():
    return batch_norm_graph(U, T, GAMMA, BETA).backward().graph


@pytest.mark.parametrize("i", [1, 2, 3, 4])
def test_right_values_from_the_autograd_are_accepted(i):
    g = _graph()
    assert ex.check_batch_norm(U, i, g[f"z{i}"].data, GAMMA, BETA)
    assert ex.check_batch_norm_gradient(U, T, i, g[f"u{i}"].grad, GAMMA, BETA)


def test_the_variance_of_m_minus_1_and_a_forgotten_shift_are_named():
    u = np.array(U)
    mu = u.mean()
    r = ex.check_batch_norm(U, 2, GAMMA * (u[1] - mu) / u.std(ddof=1) + BETA, GAMMA, BETA)
    assert not r and r.mistake == "variance_divided_by_m_minus_1"
    g = _graph()
    r = ex.check_batch_norm(U, 2, g["z2"].data - BETA, GAMMA, BETA)
    assert not r and r.mistake == "shift_left_out"


def test_holding_the_batch_statistics_constant_is_named():
    g = _graph()
    s = g["s"].data
    r = ex.check_batch_norm_gradient(U, T, 1, GAMMA / s * g["z1"].grad, GAMMA, BETA)
    assert not r and r.mistake == "statistics_held_constant"


def test_no_hint_level_gives_the_answer():
    g = _graph()
    r = ex.check_batch_norm_gradient(U, T, 3, None, GAMMA, BETA)
    right = f"{g['u3'].grad:.6g}"
    for _ in range(3):
        assert right not in r.hint().text
