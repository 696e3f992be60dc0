"""Notebook 07's checkers: optimizer steps, initial variances, L2 and L1 updates. Right values computed
independently (by hand here) are accepted; the named slips are recognised."""

from __future__ import annotations

import math

import pytest

from bpnet.teach import exercises as ex


def test_a_momentum_step_in_both_forms():
    w, g1, g2, lr, beta = 1.0, 0.5, -0.2, 0.1, 0.9
    v1 = (1 - beta) * g1
    v2 = beta * v1 + (1 - beta) * g2
    right = w - lr * v1 - lr * v2
    assert ex.check_optimizer_step("momentum", w, [g1, g2], right, lr=lr, beta=beta)
    s1, s2 = g1, beta * g1 + g2
    total = w - lr * s1 - lr * s2
    assert ex.check_optimizer_step("momentum", w, [g1, g2], total, lr=lr, beta=beta, average=False)
    r = ex.check_optimizer_step("momentum", w, [g1, g2], total, lr=lr, beta=beta)
    assert not r and r.mistake == "other_momentum_form"


def test_one_adam_step_and_the_missing_bias_correction():
    w, g, lr, b1, b2, eps = 0.5, 0.2, 0.01, 0.9, 0.999, 1e-8
    v, s = (1 - b1) * g, (1 - b2) * g * g
    right = w - lr * (v / (1 - b1)) / (math.sqrt(s / (1 - b2)) + eps)
    assert ex.check_optimizer_step("adam", w, [g], right, lr=lr)
    r = ex.check_optimizer_step("adam", w, [g], w - lr * v / (math.sqrt(s) + eps), lr=lr)
    assert not r and r.mistake == "no_bias_correction"


@pytest.mark.parametrize("init, n_in, n_out, right", [("xavier", 64, 32, 2 / 96), ("he", 50, 10, 2 / 50)])
def test_initial_variances(init, n_in, n_out, right):
    assert ex.check_init_variance(init, n_in, n_out, right)
    r = ex.check_init_variance(init, n_in, n_out, math.sqrt(right))
    assert not r and r.mistake == "standard_deviation"


def test_l2_and_l1_updates():
    w, g, lr, lam = 0.8, 0.3, 0.5, 0.1
    assert ex.check_regularised_update("l2", w, g, lr, lam, w - lr * (g + lam * w))
    r = ex.check_regularised_update("l2", w, g, lr, lam, w - lr * (g + lam * w / 2))
    assert not r and r.mistake == "penalty_gradient_halved"
    # L1: a small weight lands exactly on 0
    w, g = 0.02, 0.01
    assert ex.check_regularised_update("l1", w, g, lr, lam, 0.0)
    r = ex.check_regularised_update("l1", w, g, lr, lam, w - lr * (g + lam))
    assert not r and r.mistake == "subgradient_not_proximal"


def test_bad_arguments_are_refused_in_one_line():
    with pytest.raises(ValueError, match="init must be 'xavier' or 'he'"):
        ex.check_init_variance("glorot", 2, 2, 0.5)
    with pytest.raises(ValueError, match="kind must be 'l2' or 'l1'"):
        ex.check_regularised_update("l3", 1, 1, 0.1, 0.1, 0)
    with pytest.raises(ValueError, match="at least one gradient"):
        ex.check_optimizer_step("adam", 1.0, [], 0.9)
