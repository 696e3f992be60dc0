"""Worksheets for teachers: nice, non-degenerate, reproducible variants; keys equal to the trace;
print-ready HTML; a self-checking quiz that stores no answer."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from bpnet.teach import worksheet as ws
from bpnet.views import worksheet_pages as pages
from bpnet.explain.mistakes import CATALOGUE, candidates
from bpnet.explain.trace import trace_step

REPO = Path(__file__).resolve().parent.parent


def _digits(x: float) -> int:
    """Significant digits of x's shortest decimal form, rounded to 12 digits (float noise off)."""
    d = Decimal(f"{x:.12g}").normalize()
    return 0 if d == 0 else len(d.as_tuple().digits)


@pytest.fixture(scope="module")
def many():
    """60 variants of the default template asking the forward pass and the deltas, each with
    every catalogue mistake's value at each question (module-scoped: computed once).

    What a mistake does to a delta turns on which side of its kink each hidden unit is and on the
    sign of the error a - y: the 60 hold every hidden unit on both sides of its kink, the output's z
    of both signs, and each hidden unit active with an error of either sign (asserted here)."""
    data = _variants_with_candidates("leaky-2-2-1", 60, seed=11, steps="forward,delta")
    variants = [v for v, _ in data]
    seen = set()
    for v in variants:
        fwd = v.net.forward(v.x)
        active = tuple(bool(z > 0) for z in np.ravel(fwd.z[0]))
        seen.add((active, bool(np.ravel(fwd.z[-1])[0] > 0), bool(np.ravel(fwd.a[-1] - v.y)[0] > 0)))
    units = range(len(next(iter(seen))[0]))
    assert all({a[j] for a, _, _ in seen} == {True, False} for j in units), seen
    assert {z for _, z, _ in seen} == {True, False}, seen
    assert all({e for a, _, e in seen if a[j]} == {True, False} for j in units), seen
    return data


@pytest.fixture(scope="module")
def full():
    """40 variants asking the forward pass, the deltas and the updates."""
    return _variants_with_candidates("leaky-2-2-1", 40, seed=12, steps="forward,delta,update")


def _variants_with_candidates(template, n: int, seed: int, steps: str) -> list:
    """The variants of ``ws.generate(template, n, seed, steps)``, each with ``_candidates``. Each is
    made alone (``ws.make_variant``: variant k of generate for any n >= k) and its candidates read
    right after it, while bpnet still holds those its generation computed (mistakes.assess's cache)."""
    out = []
    for k in range(1, n + 1):
        v = ws.make_variant(template, seed, k, steps)
        out.append((v, _candidates(v)))
    return out


def _candidates(v) -> dict:
    t = v.template
    return {(q.step, q.name): candidates(v.net, v.x, v.y, q.key, loss=t.loss, rule=t.rule, lr=t.lr)
            for q in v.questions}


def _value(x) -> float:
    return float(np.ravel(np.asarray(x, dtype=float))[0])


@pytest.mark.slow
def test_same_seed_gives_byte_identical_files(tmp_path):
    a = pages.write_worksheets(ws.generate("leaky-2-2-1", 3, seed=7), tmp_path / "a", quiz=True)
    b = pages.write_worksheets(ws.generate("leaky-2-2-1", 3, seed=7), tmp_path / "b", quiz=True)
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    pages.write_worksheets(ws.generate("leaky-2-2-1", 3, seed=8), tmp_path / "c")
    assert (tmp_path / "c" / "keys.html").read_bytes() != (tmp_path / "a" / "keys.html").read_bytes()


@pytest.mark.slow
def test_a_variant_does_not_depend_on_how_many_are_generated():
    three = ws.generate("leaky-2-2-1", 3, seed=5)
    five = ws.generate("leaky-2-2-1", 5, seed=5)
    for v, w in zip(three, five):
        assert v.net.weights_dict() == w.net.weights_dict() and np.array_equal(v.x, w.x)


@pytest.mark.slow
def test_every_key_number_is_the_traces(full):
    for v, _ in full:
        fresh = trace_step(v.net, v.x, v.y, lr=v.template.lr, loss=v.template.loss, rule=v.template.rule)
        key = ws.key_markdown(v)
        assert v.questions, "a variant with no question"
        for q in v.questions:
            step = fresh.find(q.step, "L" if q.step == "loss" else q.name, sample=0)
            if q.ask == "change":  # asked as Δw = new - old: the trace's new weight less the old one
                assert q.value == pytest.approx(step.value - q.old, rel=1e-9, abs=1e-15)
                assert step.numbers.startswith(ws.fmt(q.old)) and q.numbers.endswith(f"= {ws.fmt(q.value)}")
            else:
                assert step.value == q.value and step.numbers == q.numbers
            assert f"**{ws.fmt(q.value)}**" in key


@pytest.mark.slow
@pytest.mark.parametrize("which", ["many", "full"])
def test_the_numbers_are_nice(which, request):
    # leaky-2-2-1 is piecewise linear with slope 0.1: every number up to the last asked step is
    # a short decimal; weights and inputs come from the template's values; no unit at its kink.
    for v, _ in request.getfixturevalue(which):
        upto = ws.STEPS.index(max(v.steps, key=ws.STEPS.index))
        for st in v.trace:
            if ws.STEPS.index(st.kind) <= upto:
                assert _digits(st.value) <= 4, (v.number, st.kind, st.name, st.value)
        for w in v.net.weights_dict().values():
            assert w in v.template.weight_values
        assert set(np.ravel(v.x)) <= set(v.template.input_values)
        # f'(0) of (leaky) ReLU is a convention: a question there would have two right answers.
        assert all(np.all(z != 0) for z in v.net.forward(v.x).z[:-1])


@pytest.mark.slow
@pytest.mark.parametrize("which", ["many", "full"])
def test_every_mistake_gets_a_number_of_its_step_wrong(which, request):
    # For every asked step and every mistake that can show in it on this template, someone
    # holding the mistake gets at least one of the step's numbers wrong.
    data = request.getfixturevalue(which)
    detectable = ws.detectable(data[0][0].template, data[0][0].steps)
    assert detectable.by_step, "no mistake can show on this template?"
    for v, cands in data:
        for step, per_key in detectable.by_step.items():
            qs = [q for q in v.questions if q.step == step]
            for key, names in per_key.items():
                wrong = [q.name for q in qs if q.name in names and key in cands[q.step, q.name]
                         and not np.isclose(_value(cands[q.step, q.name][key]), q.value, rtol=1e-9, atol=1e-12)]
                assert wrong, (v.number, step, key)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["many", "full"])
def test_every_detectable_mistake_gets_some_number_of_the_sheet_wrong(which, request):
    # Independently of how the generator decides: a learner holding any catalogue mistake
    # (but the ones no variant of the template can expose, which the key lists) gets at least
    # one number of the sheet wrong.
    for v, cands in request.getfixturevalue(which):
        differs: dict[str, bool] = {}
        for q in v.questions:
            for key, value in cands[q.step, q.name].items():
                if key.endswith("kink"):
                    continue  # the other slope at a kink is an accepted convention
                if not ws.concerns(key, v.steps):
                    continue  # it changes no kind of number this sheet asks (e.g. an update's, on a deltas sheet)
                same = np.isclose(_value(value), q.value, rtol=1e-9, atol=1e-12)
                differs[key] = differs.get(key, False) or not same
        hidden = {k for k, d in differs.items() if not d}
        assert hidden <= set(v.undetectable), (v.number, hidden - set(v.undetectable))


def test_what_a_step_can_expose_is_the_same_counted_alone_or_with_other_steps():
    # The pilot counts the steps not counted yet together, draw by draw; each step's counts must be
    # those of the step counted alone (two copies of a template under other names: fresh pilots).
    base, pilot = ws.get_template("leaky-2-2-2"), 8
    together = ws.detectable(replace(base, name="all steps at once"), ws.STEPS, pilot)
    one_by_one = replace(base, name="one step at a time")
    for step in ws.STEPS:
        alone = ws.detectable(one_by_one, (step,), pilot)
        assert [(k, sorted(v)) for k, v in alone.by_step.get(step, {}).items()] == \
               [(k, sorted(v)) for k, v in together.by_step.get(step, {}).items()], step
    assert together.by_step.keys() == {"forward", "loss", "delta", "gradient", "update"}


def _unescaped(markdown: str) -> str:
    return markdown.replace("\\", "")  # Markdown's escapes (\_, \*, \>) off


def _explanation(key: str) -> str:
    """A mistake's line in the catalogue; a compound one ("sign+missing_bias") joins its parts'."""
    return " and ".join(CATALOGUE[k].explanation.rstrip(".") for k in key.split("+"))


@pytest.mark.slow
def test_mistakes_no_variant_can_detect_are_listed_not_hidden():
    v = ws.generate("leaky-2-2-1", 1, seed=3)[0]
    # leaky ReLU'(a) is leaky ReLU'(z) for every z (a has z's sign): no variant can expose it.
    assert "derivative_of_a" in v.undetectable
    key = _unescaped(ws.key_markdown(v))
    assert "No variant of this template can expose" in key
    for k in v.undetectable:
        assert _explanation(k) in key


def test_explain_mistake_is_the_catalogues_line_as_the_key_writes_it():
    v = ws.generate("leaky-2-2-1", 1, seed=3)[0]
    for k in v.undetectable:
        assert ws.explain_mistake(k) == _explanation(k) and ws.explain_mistake(k) in _unescaped(ws.key_markdown(v))
    a, b = sorted(CATALOGUE)[:2]
    assert ws.explain_mistake(f"{a}+{b}") == _explanation(a) + " and " + _explanation(b)
    assert ws.explain_mistake("not_in_the_catalogue") == "not in the catalogue"


def test_the_key_names_mistakes_that_happen_to_give_a_number():
    v = ws.generate("leaky-2-2-1", 4, seed=3)
    noted = [(w, q) for w in v for q in w.questions if q.also]
    assert noted, "expected some question where a mistake happens to give the right number"
    w, q = noted[0]
    for key in q.also:
        value = candidates(w.net, w.x, w.y, q.key, loss=w.template.loss, rule=w.template.rule, lr=w.template.lr)[key]
        assert np.isclose(float(np.ravel(value)[0]), q.value)
        assert _explanation(key) in _unescaped(ws.key_markdown(w))


@pytest.mark.slow
def test_the_key_notes_number_questions_as_the_tables_do():
    # With gradients and updates both asked, the questions of the two steps interleave in the
    # variant; the note "k. question: ..." must name the question numbered k in the tables.
    noted = 0
    for v in ws.generate("sigmoid-2-2-1", 2, seed=3, steps="forward,loss,delta,gradient,update"):
        key = ws.key_markdown(v)
        rows = dict(re.findall(r"^\| (\d+) \| ([^|]+?) \|", key, re.M))
        notes = re.findall(r"^- (\d+)\\\. (.+?): ", key, re.M)  # "3\. label": an escaped dot, not a list
        for k, label in notes:
            assert rows[k] == label, (k, label, rows[k])
        noted += len(notes)
    assert noted, "expected some question where a mistake happens to give the right number"


@pytest.mark.slow
def test_quiz_question_k_is_question_k_of_its_sheet():
    quiz = pages.Quiz("sigmoid-2-2-1", seed=3, variant=1, steps="forward,loss,delta,gradient,update")
    rows = re.findall(r"^\| (\d+) \| ([^|]+?) \| ________ \|$", repr(quiz), re.M)
    assert [int(k) for k, _ in rows] == list(range(1, len(quiz.questions) + 1))
    assert [label.replace("\\", "") for _, label in rows] == quiz.questions  # Markdown's escapes off


@pytest.mark.slow
def test_sigmoid_template_checks_digits_only_before_the_first_sigmoid():
    v = ws.generate("sigmoid-2-2-1", 2, seed=1)[0]
    z_steps = [st for st in ws.exact_steps(v.net, v.trace, "update")]
    assert z_steps == []  # the first layer is sigmoid: its activations are not finite decimals
    relu = ws.generate("leaky-2-2-1", 1, seed=1)[0]
    assert len(ws.exact_steps(relu.net, relu.trace, "update")) == len(list(relu.trace))


@pytest.mark.slow
def test_questions_follow_the_asked_steps():
    v = ws.generate("leaky-2-2-1", 1, seed=2, steps="forward,update")[0]
    assert {q.step for q in v.questions} == {"forward", "update"}
    assert len([q for q in v.questions if q.step == "update"]) == len(v.net.weight_names())
    sheet = ws.sheet_markdown(v)
    assert "Deltas" not in sheet and "Weight updates" in sheet
    for q in v.questions:
        assert f"**{ws.fmt(q.value)}**" not in sheet  # the sheet never shows an answer


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "number of variants"),
    ({"n": 2.5}, "number of variants"),
    ({"steps": "forward,backwards"}, "steps must be some of"),
    ({"steps": ""}, "steps must be some of"),
    ({"digits": 0}, "digits"),
    ({"seed": -1}, "seed"),
    ({"labels": ["Ann"], "n": 2}, "roster"),
])
def test_bad_requests_say_what_is_wrong(kwargs, message):
    args = {"template": "leaky-2-2-1", "n": 1, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        ws.generate(**args)


@pytest.mark.slow
def test_an_impossible_template_says_so():
    t = ws.TEMPLATES["leaky-2-2-1"].with_values(weights=(0.001, 0.001, 0.003), inputs=(0.007, 0.007, 0.007))
    with pytest.raises(ValueError, match="no nice, non-degenerate variant"):
        ws.generate(t, 1, seed=0, digits=1)


@pytest.mark.slow
def test_roster_names_the_variants(tmp_path):
    roster = tmp_path / "class.txt"
    roster.write_text("Ada Lovelace\nAlan Turing\n\n")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "bpnet", "worksheet", "--template", "leaky-2-2-1", "--roster",
                             str(roster), "--seed", "7", "--out", str(out)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Ada Lovelace" in (out / "sheets" / "variant-01.html").read_text()
    assert "Alan Turing" in (out / "keys" / "variant-02.md").read_text()
    assert not (out / "sheets" / "variant-03.md").exists()


@pytest.mark.slow
def test_cli_writes_sheets_and_separate_keys(tmp_path):
    out = tmp_path / "set"
    result = subprocess.run([sys.executable, "-m", "bpnet", "worksheet", "--template", "leaky-2-2-1", "--variants", "4",
                             "--seed", "7", "--steps", "forward,delta,update", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / "sheets").iterdir()) == [
        f"variant-{k:02d}.{ext}" for k in range(1, 5) for ext in ("html", "md")]
    v = ws.generate("leaky-2-2-1", 4, seed=7)[2]
    key = (out / "keys" / "variant-03.md").read_text()
    sheet = (out / "sheets" / "variant-03.md").read_text()
    for q in v.questions:
        assert f"**{ws.fmt(q.value)}**" in key
        assert q.numbers not in sheet
    assert "<svg" in (out / "sheets.html").read_text() and "@page { size: A4" in (out / "sheets.html").read_text()


@pytest.mark.parametrize("args, message", [
    (["--template", "nope", "--out", "x"], "template"),
    (["--out", "x"], "give a network file or --template"),
    (["--template", "leaky-2-2-1", "--steps", "forwards", "--out", "x"], "steps must be some of"),
    (["--template", "leaky-2-2-1", "--weights", "0.5,1", "--out", "x"], "--weights must be STEP,LO,HI"),
    (["--template", "leaky-2-2-1", "--roster", "/nonexistent/roster.txt", "--out", "x"], "cannot read the roster"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = subprocess.run([sys.executable, "-m", "bpnet", "worksheet", *args], cwd=tmp_path,
                            capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()  # nothing written


@pytest.mark.slow
def test_a_network_file_is_a_template(tmp_path):
    example = REPO / "examples" / "xor.json"
    if not example.exists():
        pytest.skip("examples/xor.json is not there")
    t = ws.template_from_example(example, weights=(0.5, -1, 1))
    assert t.sizes == (2, 3, 1) and t.activations == ("identity", "identity")
    v = ws.generate(t, 2, seed=4)
    assert all(w in t.weight_values for w in v[0].net.weights_dict().values())


# ----- the quiz -----------------------------------------------------------------------------
def test_quiz_rebuilds_the_printed_variant_and_grades_answers():
    v = ws.generate("leaky-2-2-1", 3, seed=7)[1]
    quiz = pages.Quiz("leaky-2-2-1", seed=7, variant=2)
    assert quiz.net.weights_dict() == v.net.weights_dict()
    assert quiz.questions == [q.label for q in v.questions]
    for k, q in enumerate(v.questions, 1):
        assert quiz.check(k, q.value), (k, q.label)
        assert quiz.check(k, float(ws.fmt(q.value)))  # as printed
        assert not quiz.check(k, q.value + 1.0 + abs(q.value))
    assert not quiz.check(1, None) and "no answer yet" in repr(quiz.check(1, None))
    with pytest.raises(ValueError, match="question must be a number from 1 to"):
        quiz.check(99, 1.0)


def test_quiz_diagnoses_a_catalogue_mistake():
    v = ws.generate("leaky-2-2-1", 1, seed=9)[0]
    quiz = pages.Quiz("leaky-2-2-1", seed=9, variant=1)
    k, q = next((k, q) for k, q in enumerate(v.questions, 1) if q.step == "update")
    wrong = candidates(v.net, v.x, v.y, q.key, loss=v.template.loss, rule=v.template.rule, lr=v.template.lr)
    key, value = next((key, val) for key, val in wrong.items()
                      if key not in v.undetectable and not key.endswith('kink')
                      and not np.isclose(float(np.ravel(val)[0]), q.value))
    result = quiz.check(k, float(value))
    assert not result


def test_quiz_notebook_stores_no_answer(tmp_path):
    v = ws.generate("leaky-2-2-1", 2, seed=7)[1]
    text = pages.quiz_notebook("leaky-2-2-1", seed=7, variant=2)
    nb = json.loads(text)
    assert nb["nbformat"] == 4
    for q in v.questions:
        assert q.numbers not in text
    # Only the template's grids, the seed and the variant number are in it: no weight of the variant.
    spec = json.dumps(v.template.to_dict(), sort_keys=True)
    assert spec.replace('"', '\\"') in text or repr(spec) in text


@pytest.mark.slow
def test_quiz_notebook_runs_and_checks(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    v = ws.generate("leaky-2-2-1", 1, seed=3)[0]
    nb = nbformat.reads(pages.quiz_notebook("leaky-2-2-1", seed=3, variant=1), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("answer_1 = None"):
            cell.source = cell.source.replace("answer_1 = None", f"answer_1 = {v.questions[0].value!r}")
    import os
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), old or ""]))
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = old
    texts = [o.get("data", {}).get("text/plain", "") + o.get("text", "")
             for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    joined = "\n".join(texts)
    assert "✓" in joined and "no answer yet" in joined


# ----- print-ready HTML in a real browser ----------------------------------------------------
@pytest.mark.browser
def test_html_prints_one_variant_a_page_without_overflow(tmp_path, browser):
    variants = ws.generate("leaky-2-2-1", 4, seed=7)
    pages.write_worksheets(variants, tmp_path / "set", paper="A4")
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    # The session's Chromium (tests/conftest.py): a page of its own, closed at the end.
    # A4 at 96 px/inch is 794 px wide; with 14 mm margins the printable width is 688 px.
    page = browser.new_page(viewport={"width": 688, "height": 1017})
    try:
        for name in ("sheets.html", "keys.html"):
            page.goto((tmp_path / "set" / name).as_uri())
            page.emulate_media(media="print")
            overflow = page.evaluate("""() => [...document.querySelectorAll('section.variant')].map(s =>
                [s.scrollWidth - s.clientWidth, s.getBoundingClientRect().height])""")
            for k, (extra_width, height) in enumerate(overflow, 1):
                assert extra_width <= 0, f"{name}: variant {k} is wider than an A4 page"
                assert height <= 1017, f"{name}: variant {k} is taller than an A4 page ({height:.0f} px)"
            pdf = page.pdf(format="A4", print_background=True)
            n_pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
            assert n_pages == len(variants), f"{name}: {n_pages} pages for {len(variants)} variants"
            if name == "sheets.html":
                page.emulate_media(media="screen")
                page.set_viewport_size({"width": 900, "height": 1200})
                page.screenshot(path=str(artifacts / "worksheet.png"))
    finally:
        page.close()


def test_quiz_diagram_fits_the_narrowest_notebook_column():
    import re

    svg = pages.Quiz("leaky-2-2-1", seed=7, variant=1).diagram()._repr_svg_()
    width = float(re.search(r'<svg[^>]*?\swidth="([\d.]+)px"', svg).group(1))
    assert width <= 520
    assert 'viewBox="0 0 ' in svg  # scaled as a whole: the drawing keeps its proportions


# ----- a folder is never damaged -------------------------------------------------------------
def _cli(*args, cwd=REPO):
    import os
    return subprocess.run([sys.executable, "-m", "bpnet", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.slow
def test_a_new_run_replaces_a_previous_output_whole(tmp_path):
    out = tmp_path / "class"
    pages.write_worksheets(ws.generate("leaky-2-2-1", 12, seed=1), out)
    first = (out / "keys.html").read_text()
    pages.write_worksheets(ws.generate("leaky-2-2-1", 3, seed=2), out)
    assert sorted(p.name for p in (out / "sheets").iterdir()) == [
        f"variant-{k:02d}.{ext}" for k in range(1, 4) for ext in ("html", "md")]
    assert (out / "keys.html").read_text() != first
    assert [p.name for p in tmp_path.iterdir()] == ["class"]  # no temporary folder left beside it


@pytest.mark.slow
def test_a_folder_with_other_files_is_refused_and_left_alone(tmp_path):
    (tmp_path / "keys.html").write_text("my own keys")
    result = _cli("worksheet", "--template", "leaky-2-2-1", "--out", ".", cwd=tmp_path)
    assert result.returncode == 2 and "holds other files" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "keys.html").read_text() == "my own keys" and len(list(tmp_path.iterdir())) == 1
    out = tmp_path / "set"
    pages.write_worksheets(ws.generate("leaky-2-2-1", 1, seed=1), out)
    (out / "mine").mkdir()  # a previous output with a file it did not write
    (out / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="did not write"):
        pages.write_worksheets(ws.generate("leaky-2-2-1", 1, seed=2), out)
    assert (out / "mine" / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_a_write_that_fails_partway_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "set"
    pages.write_worksheets(ws.generate("leaky-2-2-1", 2, seed=1), out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    real = Path.write_text
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing)
    with pytest.raises(ValueError, match="cannot write the worksheets into .*No space left on device"):
        pages.write_worksheets(ws.generate("leaky-2-2-1", 3, seed=2), out)
    monkeypatch.undo()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


@pytest.mark.parametrize("args, message", [
    (["--weights", "1e-7,-1,1"], "at most 1000 are allowed"),
    (["--inputs", "1e-9,-1,1"], "at most 1000 are allowed"),
    (["--weights", "0.5,-inf,inf"], "finite numbers"),
    (["--roster", "/dev/zero"], "larger than 100 kB"),
    (["--variants", "5000"], "from 1 to 1000"),
])
def test_unbounded_requests_are_refused_before_any_work(tmp_path, args, message):
    import time
    start = time.perf_counter()
    result = _cli("worksheet", "--template", "leaky-2-2-1", *args, "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert time.perf_counter() - start < 30
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_a_network_too_large_to_work_by_hand_is_refused_before_it_is_loaded(tmp_path):
    big = {"layers": [4900, 200, 1], "activations": ["sigmoid", "sigmoid"], "loss": "half_squared_error",
           "lr": 0.1, "weights": [np.full((4901, 200), 0.1).tolist(), np.full((201, 1), 0.1).tolist()],
           "samples": {"inputs": [[0.0] * 4900], "targets": [[1.0]]}}
    (tmp_path / "big.json").write_text(json.dumps(big))
    result = _cli("worksheet", str(tmp_path / "big.json"), "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "worked by hand" in result.stderr and "4900-200-1" in result.stderr
    with pytest.raises(ValueError, match="and 64 weights; 2-8-8-1 has 3 weight layers and 105 weights"):
        ws.Template("wide", (2, 8, 8, 1), ("relu", "relu", "identity"))
