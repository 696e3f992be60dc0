"""Published numbers written in a source's own conventions: each one recognised, a real mistake still caught.

The published numbers here are computed by a small numpy reference written in each convention's
own terms (t - o deltas, thresholds, a loss without the 1/2, ...), not by bpnet.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

from bpnet.explain.conventions import CONVENTIONS, parse_conventions
from bpnet.teach.netfile import NetworkFileError, load_network, network_to_dict, save_network
from bpnet.teach.published import check_published

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

W1 = np.array([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.6]])  # rows: bias, X1, X2; columns Z1, Z2
W2_ONE = np.array([[0.2], [-0.3], [0.5]])
W2_THREE = np.array([[0.2, -0.1, 0.05], [-0.3, 0.6, 0.2], [0.5, -0.4, 0.7]])
X3 = np.array([[1.0, 0.5], [0.2, 0.9], [0.7, 0.1]])
Y3 = np.array([[1.0], [0.0], [1.0]])


def sig(z):
    return 1 / (1 + np.exp(-z))


def reference(W1, W2, X, Y, lr, *, scale=1.0, sum_samples=False, per_sample=False, slope_out=True):
    """One update of a 2-2-k sigmoid network, written plainly: z = b + sum w*x, delta = dE/dz of the
    source's loss E = scale * 1/2 * sum (o - t)^2 per sample; w := w - lr * dE/dw.

    ``slope_out=False``: the output delta without o(1 - o) (a real mistake)."""
    W1, W2 = W1.copy(), W2.copy()
    m = len(X)
    rows = [[s] for s in range(m)] if per_sample else [list(range(m))]
    out = {"h": np.zeros((m, 2)), "o": np.zeros((m, W2.shape[1])), "d_o": np.zeros((m, W2.shape[1])),
           "d_h": np.zeros((m, 2)), "losses": []}
    for r in rows:
        x, t = X[r], Y[r]
        h = sig(W1[0] + x @ W1[1:])
        o = sig(W2[0] + h @ W2[1:])
        d_o = scale * (o - t) * (o * (1 - o) if slope_out else 1)
        d_h = (d_o @ W2[1:].T) * h * (1 - h)
        g2 = np.vstack([d_o.sum(0), h.T @ d_o]) / (1 if sum_samples else len(r))
        g1 = np.vstack([d_h.sum(0), x.T @ d_h]) / (1 if sum_samples else len(r))
        out["h"][r], out["o"][r], out["d_o"][r], out["d_h"][r] = h, o, d_o, d_h
        out["losses"] += list(scale * 0.5 * ((o - t) ** 2).sum(1))
        out["g1"], out["g2"] = g1, g2
        W1, W2 = W1 - lr * g1, W2 - lr * g2
    out["W1"], out["W2"] = W1, W2
    out["loss"] = sum(out["losses"]) if sum_samples else float(np.mean(out["losses"]))
    return out


def file_for(W1, W2, X, Y, lr, ref, *, sign=1.0, theta=False, lr_in_gradient=False, gradient=True,
             sample=1, digits=6, convention=None):
    """The network file a source writing these conventions prints; numbers rounded to ``digits``."""
    k = W2.shape[1]
    b = -1.0 if theta else 1.0
    r = lambda v: round(float(v), digits)  # noqa: E731
    weights = {}
    for (W, src, dst, n_src, n_dst) in ((W1, "X", "Z", 2, 2), (W2, "Z", "D", 2, k)):
        for i in range(n_src + 1):
            for j in range(n_dst):
                name = f"{src}{i}->{dst}{j + 1 if dst == 'Z' else j}"
                weights[name] = (b if i == 0 else 1.0) * float(W[i, j])
    one = sample != "all"
    pick = (lambda a: r(a[0])) if one else (lambda a: [r(v) for v in a])  # noqa: E731
    pub = {"forward": {f"Z{j + 1}": pick(ref["h"][:, j]) for j in range(2)}
           | {f"D{j}": pick(ref["o"][:, j]) for j in range(k)},
           "loss": r(ref["loss"]),
           "delta": {f"D{j}": pick(sign * ref["d_o"][:, j]) for j in range(k)}
           | {f"Z{j + 1}": pick(sign * ref["d_h"][:, j]) for j in range(2)},
           "weights_after": {}}
    if sample != 1:
        pub["sample"] = sample
    if gradient:
        pub["gradient"] = {}
    for (G, W, src, dst, n_src, n_dst) in ((ref["g1"], ref["W1"], "X", "Z", 2, 2),
                                           (ref["g2"], ref["W2"], "Z", "D", 2, k)):
        for i in range(n_src + 1):
            for j in range(n_dst):
                name = f"{src}{i}->{dst}{j + 1 if dst == 'Z' else j}"
                tb = b if i == 0 else 1.0
                pub["weights_after"][name] = r(tb * W[i, j])
                if gradient:
                    pub["gradient"][name] = r(sign * tb * G[i, j] * (lr if lr_in_gradient else 1.0))
    doc = {"layers": [2, 2, k], "activations": ["sigmoid", "sigmoid"], "weights": weights,
           "loss": "half_squared_error", "lr": lr,
           "samples": {"inputs": X.tolist(), "targets": Y.tolist()}, "published": pub}
    if convention is not None:
        doc["convention"] = convention
    return doc


# Each convention: (its keys, the network's outputs, samples, how the reference computes, how the file writes).
CASES = {
    "target_minus_output": (("target_minus_output",), W2_ONE, 1, {}, {"sign": -1.0}),
    "threshold": (("threshold",), W2_ONE, 1, {}, {"theta": True}),
    "lr_in_gradient": (("lr_in_gradient",), W2_ONE, 1, {}, {"lr_in_gradient": True}),
    "no_half": (("no_half",), W2_ONE, 1, {"scale": 2.0}, {}),
    "mean_over_outputs": (("mean_over_outputs",), W2_THREE, 1, {"scale": 1 / 3}, {}),
    "mse": (("no_half", "mean_over_outputs"), W2_THREE, 1, {"scale": 2 / 3}, {}),
    "sum_over_samples": (("sum_over_samples",), W2_ONE, 3, {"sum_samples": True}, {"sample": "all"}),
    "per_sample": (("per_sample",), W2_ONE, 3, {"per_sample": True}, {"sample": "all", "gradient": False}),
    "mitchell": (("target_minus_output", "threshold"), W2_ONE, 1, {}, {"sign": -1.0, "theta": True}),
}


def case_file(name, *, mistake=False, stated=False):
    keys, W2, m, how, written = CASES[name]
    X, Y = (X3, Y3) if m == 3 else (X3[:1], Y3[:1])
    if W2.shape[1] == 3:
        Y = np.array([[1.0, 0.0, 0.0]])
    lr = 0.5
    ref = reference(W1, W2, X, Y, lr, slope_out=not mistake, **how)
    return file_for(W1, W2, X, Y, lr, ref, convention=list(keys) if stated else None, **written)


@pytest.mark.parametrize("name", CASES)
def test_each_convention_is_recognised_and_named(name):
    keys = CASES[name][0]
    result = check_published(case_file(name))
    assert result.agrees, str(result)
    assert all(r.mark == "✓" for r in result.rows)
    assert result.convention == keys and not result.stated
    text = str(result)
    assert "assumed: the file has no convention key" in text
    for k in keys:
        assert CONVENTIONS[k].explanation[1:] in text
    # Read in bpnet's own conventions the same numbers do not all agree.
    assert not check_published(case_file(name, stated=False) | {"convention": "bpnet"}).agrees


@pytest.mark.parametrize("name", CASES)
def test_a_stated_convention_is_used_as_stated(name):
    result = check_published(case_file(name, stated=True))
    assert result.agrees and result.stated and result.convention == CASES[name][0]
    assert "as the file's convention key states" in str(result)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("stated", [False, True])
def test_a_real_mistake_written_in_a_convention_is_still_caught(name, stated):
    """The output delta without o(1 - o), written in the convention: never all ✓, and named where the
    catalogue can compute it (one update of a batch)."""
    result = check_published(case_file(name, mistake=True, stated=stated))
    assert not result.agrees
    assert "All" not in result.verdict()[0]
    if name != "per_sample":
        assert result.convention == CASES[name][0]
        assert "missing_output_derivative" in [e.key for e in result.best], str(result)
        assert result.best[0].exact


def test_the_verdict_wording_for_t_minus_o():
    text = str(check_published(case_file("target_minus_output")))
    assert ("This source writes δ = t − o, the negative of bpnet's ∂L/∂z, and adds lr·δ·a: the same update."
            in text)


def test_a_set_that_mixes_conventions_is_reported():
    """Deltas written as t - o, but gradients as bpnet's dL/dw: each part fits a convention, the whole none."""
    doc = case_file("target_minus_output")
    ref_doc = case_file("lr_in_gradient")  # same network; its gradients are lr * dL/dw
    doc["published"]["gradient"] = {k: round(v / 0.5, 6) for k, v in ref_doc["published"]["gradient"].items()}
    result = check_published(doc)
    assert not result.agrees and result.mixed
    fit = {sec: keys for secs, keys in result.mixed for sec in secs}
    assert fit["gradient"] == () and fit["delta"] == ("target_minus_output",)
    assert "This set mixes conventions" in str(result)


def test_stated_conventions_that_do_not_fit_point_to_those_that_do():
    doc = case_file("target_minus_output") | {"convention": ["threshold"]}
    result = check_published(doc)
    assert not result.agrees and result.alternative == ("target_minus_output",)
    assert "All 25 agree if the source writes δ = t − o" in str(result)


def test_agreeing_only_with_a_mistake_is_reported_as_a_mistake():
    """The article's deltas alone fit t - o, but its weights climb the loss: the sign mistake, in bpnet's conventions."""
    result = check_published(EXAMPLES / "xor-article-published.json")
    assert result.convention == () and not result.mixed
    assert result.best[0].exact and "sign" in [e.key for e in result.best]


# ----- rounding of the source's own intermediates -------------------------------------------
PAGE_X, PAGE_Y = np.array([[0.2, 0.1]]), np.array([[1.0]])


def textbook_page(digits=3):
    """A 2-2-1 sigmoid update worked the way a textbook page does: each number rounded to ``digits``
    decimals before the next is computed from it; t - o deltas; thresholds."""
    r = lambda v: np.round(v, digits)  # noqa: E731
    x, t = PAGE_X[0], PAGE_Y[0, 0]
    theta1, theta2 = -W1[0], -W2_ONE[0]
    h = r(sig(x @ W1[1:] - theta1))
    o = r(sig(h @ W2_ONE[1:] - theta2))
    d_o = r(o * (1 - o) * (t - o))
    d_h = r(h * (1 - h) * (W2_ONE[1:, 0] * d_o[0]))
    return h, o, d_o, d_h


def page_file():
    ref = reference(W1, W2_ONE, PAGE_X, PAGE_Y, 0.5)
    return file_for(W1, W2_ONE, PAGE_X, PAGE_Y, 0.5, ref, sign=-1.0, theta=True)


def test_a_number_one_off_because_the_source_rounded_an_earlier_one_is_approx_with_the_reason():
    h, o, d_o, d_h = textbook_page()
    doc = page_file()
    exact = check_published(doc)
    assert exact.agrees
    doc["published"] = {"forward": {"Z1": float(h[0]), "Z2": float(h[1]), "D0": float(o[0])},
                        "delta": {"D0": float(d_o[0]), "Z1": float(d_h[0]), "Z2": float(d_h[1])}}
    # The page's output delta, from its rounded o, differs from the exact one in its last (3rd) digit.
    page, true = float(d_o[0]), next(r.bpnet for r in exact.rows if r.label == "delta D0")
    assert round(true, 3) != page and abs(round(true, 3) - page) < 0.0011
    result = check_published(doc)
    row = next(r for r in result.rows if r.label == "delta D0")
    assert row.mark == "≈" and row.agrees
    assert row.note.startswith(f"the source rounded its D0 = {float(o[0])} before using it") and f"this is {page:.3f}" in row.note
    assert result.agrees and result.convention == ("target_minus_output", "threshold")
    # The same number two units off is not explained by any rounding.
    doc["published"]["delta"]["D0"] = round(page - 0.002, 3)
    bad = check_published(doc)
    assert not next(r for r in bad.rows if r.label == "delta D0").agrees


# ----- the convention key -----------------------------------------------------------------
def test_the_convention_key_is_checked():
    doc = case_file("target_minus_output")
    for spec, words in (("sideways", "unknown convention 'sideways'"), (["threshold", "threshold"], "listed twice"),
                        (["bpnet", "threshold"], "together with other conventions"), (3, "got 3")):
        with pytest.raises(NetworkFileError, match="convention") as exc:
            load_network(doc | {"convention": spec})
        assert words in str(exc.value)
    with pytest.raises(NetworkFileError, match="no_half"):
        load_network(doc | {"convention": "no_half", "loss": "absolute_error"})
    per = case_file("sum_over_samples") | {"convention": "per_sample"}
    with pytest.raises(NetworkFileError, match="per_sample"):
        load_network(per)
    assert parse_conventions(["T-O", "threshold"]) == ("target_minus_output", "threshold")
    assert parse_conventions("bpnet") == ()


def test_thresholds_are_read_as_negated_biases_and_written_back(tmp_path):
    doc = case_file("threshold", stated=True)
    ex = load_network(doc)
    assert ex.convention == ("threshold",)
    assert ex.net["X0->Z1"] == -doc["weights"]["X0->Z1"] == W1[0, 0]
    back = network_to_dict(ex)
    assert back["weights"] == doc["weights"] and back["convention"] == ["threshold"]
    path = save_network(ex, tmp_path / "copy.json")
    again = load_network(path)
    assert again.net.weights_dict() == ex.net.weights_dict() and again.convention == ex.convention


# ----- the examples in other conventions --------------------------------------------------
CONVENTION_EXAMPLES = sorted(p for p in EXAMPLES.glob("*.json") if "convention" in json.loads(p.read_text()))


def test_the_examples_folder_has_files_in_other_conventions():
    assert len(CONVENTION_EXAMPLES) >= 2
    assert len({tuple(load_network(p).convention) for p in CONVENTION_EXAMPLES}) >= 2


@pytest.mark.parametrize("path", CONVENTION_EXAMPLES, ids=lambda p: p.name)
def test_each_convention_example_agrees_stated_and_detected(path):
    ex = load_network(path)
    result = check_published(ex)
    assert result.agrees and result.convention == ex.convention and result.stated, str(result)
    doc = json.loads(path.read_text())
    detected = check_published({k: v for k, v in doc.items() if k != "convention"})
    assert detected.agrees and detected.convention == ex.convention, str(detected)
    assert not check_published(doc | {"convention": "bpnet"}).agrees


@pytest.mark.parametrize("path", CONVENTION_EXAMPLES, ids=lambda p: p.name)
def test_a_checks_markdown_shows_its_text_and_each_convention_as_an_item_of_a_list(path):
    """The notebook view says what the text says: every cell and sentence as written (nothing
    read as markup), and each convention of the source one item of a list, as in the text."""
    mistune = pytest.importorskip("mistune")
    result = check_published(load_network(path))
    rendered = mistune.create_markdown(renderer="html", plugins=["table"])(result._repr_markdown_())
    items = [html.unescape(x) for x in re.findall(r"<li><p>(.*?)</p>", rendered, re.S)]
    lines = result.verdict()
    assert items == [line[2:] for line in lines if line.startswith("- ")] and items
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for line in lines:
        assert line.removeprefix("- ") in shown
    for r in result.rows:
        assert f"{r.label}\n" in shown and f"{r.published_text}\n" in shown


@pytest.mark.parametrize("path", CONVENTION_EXAMPLES, ids=lambda p: p.name)
def test_a_checks_html_lists_each_convention_and_never_breaks_a_quantitys_name(path):
    """JupyterLab shows the HTML view: the conventions are a list there too, and a name such as
    "weight after X0->Z1" is one line (a narrow column once showed "X0-" above ">Z1")."""
    result = check_published(load_network(path))
    shown = result._repr_html_()
    items = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", shown)]
    assert items == [line[2:] for line in result.verdict() if line.startswith("- ")] and items
    assert "<p>- " not in shown
    labels = re.findall(r'<td style="text-align:left;white-space:nowrap">([^<]*)</td>', shown)
    assert [html.unescape(x) for x in labels] == [r.label for r in result.rows]


def test_the_network_file_reference_documents_every_convention_and_the_key():
    text = (Path(__file__).resolve().parents[1] / "docs" / "network-file.md").read_text(encoding="utf-8")
    assert "## Conventions" in text and "| `convention` |" in text
    for key in CONVENTIONS:
        assert f"| `{key}` |" in text, key


@pytest.mark.slow
def test_the_command_line_names_the_conventions_and_exits_0():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-m", "bpnet", "check", "examples/textbook-thresholds.json", "--format", "json"],
                       capture_output=True, text=True, cwd=root, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["convention"] == {"keys": ["target_minus_output", "threshold"], "stated": True, "mixed": None,
                                 "alternative": None}
    approx = [row for row in out["rows"] if row["mark"] == "≈"]
    assert approx and all(row["note"].startswith("the source rounded its ") for row in approx)
