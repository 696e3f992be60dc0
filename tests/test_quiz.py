"""The quiz grades what it asks (the sheet's digits), rebuilds only the sheet's network (its quiz
code), and works as an assessment: no solution, a file handed in, a class summary re-graded."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest

from bpnet.explain.mistakes import candidates
from bpnet.teach import worksheet as ws
from bpnet.teach.quiz import CONCEPTS, Quiz, summarize_class

REPO = Path(__file__).resolve().parent.parent
ALL_STEPS = ",".join(ws.STEPS)


def rounded(x: float, digits: int, mode) -> float:
    """x to ``digits`` significant digits, from its shortest decimal form, as a student rounds it."""
    d = Decimal(repr(x))
    if d == 0:
        return 0.0
    exp = d.adjusted() - digits + 1
    return float(d.quantize(Decimal(1).scaleb(exp), rounding=mode))


def _templates():
    yield from ((name, name) for name in ws.TEMPLATES)
    for path in sorted((REPO / "examples").glob("*.json")):
        yield path.name, ws.template_from_example(path)


@pytest.mark.slow
@pytest.mark.parametrize("name, template", list(_templates()), ids=[n for n, _ in _templates()])
def test_every_right_value_rounded_as_instructed_is_right(name, template):
    """Every template, every question kind: the right value rounded to the sheet's digits (half up and
    half to even) is marked right, and no catalogue mistake that gives another number rounds to the
    same one (a mistake giving the very number is the key's business: each such is exposed by
    another question of its step)."""
    for v in ws.generate(template, 1, seed=5, steps=ALL_STEPS):
        quiz = Quiz(v.template, v.seed, v.number, v.steps, v.digits)
        assert {q.step for q in v.questions} == set(ws.STEPS)
        for k, q in enumerate(v.questions, 1):
            for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN):
                answer = rounded(q.value, v.digits, mode)
                result = quiz.check(k, answer)
                assert result, (name, v.number, k, q.label, q.value, answer, repr(result))
            t = v.template
            for key, value in candidates(v.net, v.x, v.y, q.key, loss=t.loss, rule=t.rule, lr=t.lr).items():
                m = np.ravel(np.asarray(value, dtype=float))
                if key.endswith("kink") or key in q.also or m.size != 1 or not np.isfinite(m[0]):
                    continue
                m = float(m[0]) - q.old  # a change question asks new - old
                if np.isclose(m, q.value, rtol=1e-9, atol=1e-12):
                    continue
                assert rounded(m, v.digits, ROUND_HALF_UP) != rounded(q.value, v.digits, ROUND_HALF_UP), \
                    (name, v.number, q.label, key)


# After the test above: each shipped example's pilot is counted already (once per template and step
# in a process), so that generating its sheet costs little here.
@pytest.mark.slow
@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.json")), ids=lambda p: p.name)
def test_every_shipped_example_is_a_template(path):
    t = ws.template_from_example(path)
    v = ws.generate(t, 1, seed=1)[0]
    assert v.questions and "Quiz code" in ws.sheet_markdown(v)
    if t.one_hot_targets:  # softmax: a target row sums to 1
        assert sorted(np.ravel(v.y)) == [0.0] * (t.sizes[-1] - 1) + [1.0]


@pytest.mark.slow
def test_a_small_update_is_asked_as_its_change_and_judged_at_the_sheets_digits():
    # sigmoid-2-2-1's updates are small beside the weights: the new weight to 4 digits cannot tell
    # "f' of the wrong unit" from the right step, so the sheet asks for the change Δw instead.
    vs = ws.generate("sigmoid-2-2-1", 3, seed=3)
    changes = [(v, k, q) for v in vs for k, q in enumerate(v.questions, 1) if q.ask == "change"]
    assert changes
    v, k, q = changes[0]
    assert q.label.startswith("change Δw of") and q.label in ws.sheet_markdown(v).replace("\\", "")
    new = next(st for st in v.trace if st.kind == "update" and st.name == q.name).value
    assert q.value == pytest.approx(new - q.old, rel=1e-10)
    quiz = Quiz("sigmoid-2-2-1", 3, v.number)
    assert quiz.check(k, float(f"{q.value:.3e}"))
    assert not quiz.check(k, new)  # the new weight where its change is asked
    far = quiz.check(k, float(f"{q.value:.3e}") * 1.01)
    assert not far and far.mistake is not None


@pytest.mark.slow
def test_the_sheet_prints_the_quiz_code_and_the_quiz_refuses_another_network():
    v = ws.generate("leaky-2-2-1", 2, seed=7, steps="forward")[0]
    code = ws.quiz_code(v)
    assert code in ws.sheet_markdown(v).replace("\\", "") and code in ws.key_markdown(v).replace("\\", "")
    for part in ("template leaky-2-2-1", "steps forward", "seed 7", "variant 1"):
        assert part in ws.footer(v)
    quiz = Quiz.from_code(code)
    assert quiz.net.weights_dict() == v.net.weights_dict() and np.array_equal(quiz.variant.x, v.x)
    # The default steps give another network (seed 7, variant 1): the code's check refuses it.
    other = code.replace(":forward:", ":forward,delta,update:")
    with pytest.raises(ValueError, match="not the network on your sheet"):
        Quiz.from_code(other)
    with pytest.raises(ValueError, match="a quiz code looks like"):
        Quiz.from_code("leaky-2-2-1 seed 7")


def test_solution_shows_as_text_and_not_in_an_assessment():
    practice = Quiz("leaky-2-2-1", 7, 1)
    text = repr(practice.solution(4))
    assert not text.startswith(("'", '"')) and "\n" in text and "=" in text
    assessed = Quiz("leaky-2-2-1", 7, 1, student="Ada Lovelace")
    with pytest.raises(ValueError, match="assessment"):
        assessed.solution(4)
    wrong = assessed.check(4, 123.0)
    assert "solution" not in repr(wrong).lower()


def test_concepts_name_the_misconception_of_each_wrong_choice():
    quiz = Quiz("leaky-2-2-1", 7, 1)
    assert {"linear-xor", "equal-weights", "mean-not-sum"} <= set(CONCEPTS)
    for name, c in CONCEPTS.items():
        assert quiz.check_concept(name, c.right)
        assert set(c.misconceptions) == set(c.choices) - {c.right}
        for letter in c.misconceptions:
            r = quiz.check_concept(name, f"({letter.upper()})")
            assert not r and c.misconceptions[letter] in repr(r) and r.explanation == c.misconceptions[letter]
    with pytest.raises(ValueError, match="choose one of"):
        quiz.check_concept("linear-xor", "z")


def _hand_in(tmp_path, name, answers, concepts, seed=7, variant=1):
    quiz = Quiz("leaky-2-2-1", seed, variant, student=name)
    for k, a in answers.items():
        quiz.check(k, a)
    for c, letter in concepts.items():
        quiz.check_concept(c, letter)
    return quiz, quiz.hand_in(tmp_path / f"{name}.json")


@pytest.mark.slow
def test_a_handed_in_file_records_each_answer_and_the_class_summary_regrades_them(tmp_path):
    quiz = Quiz("leaky-2-2-1", 7, 1)
    qs = quiz.variant.questions
    t = quiz.template
    # Ada: all right. Alan: question 4 with the sign flipped, linear-xor with "more training".
    k_delta = next(k for k, q in enumerate(qs, 1) if q.step == "delta")
    q = qs[k_delta - 1]
    sign = candidates(quiz.net, quiz.variant.x, quiz.variant.y, q.key, loss=t.loss, rule=t.rule, lr=t.lr)["sign"]
    right = {k: q.value for k, q in enumerate(qs, 1)}
    _, ada = _hand_in(tmp_path, "Ada", right, {c: CONCEPTS[c].right for c in CONCEPTS})
    alan_quiz, alan = _hand_in(tmp_path, "Alan", {**right, k_delta: float(np.ravel(sign)[0])},
                               {"linear-xor": "b"})
    record = json.loads(alan.read_text())
    for key in ("student", "template", "steps", "seed", "variant", "code", "answers", "concepts"):
        assert key in record
    bad = next(a for a in record["answers"] if a["question"] == k_delta)
    assert bad["verdict"] == "wrong" and bad["mistake"] == "sign" and bad["explanation"]
    # A verdict edited in the file is not trusted: the summary re-grades.
    bad["verdict"] = "right"
    alan.write_text(json.dumps(record))
    (tmp_path / "notes.json").write_text("{}")
    summary = summarize_class(tmp_path)
    asked = len(qs) + len(CONCEPTS)
    assert summary.students == {"Ada": (asked, asked), "Alan": (len(qs) - 1, asked)}
    top = dict(summary.mistakes.most_common())
    assert top[bad["explanation"]] == 1 and top[CONCEPTS["linear-xor"].misconceptions["b"]] == 1
    assert summary.questions[q.label] == (1, 2)
    assert any("notes.json" in p for p in summary.problems)
    out = subprocess.run([sys.executable, "-m", "bpnet", "quiz-results", str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"Alan: {len(qs) - 1}/{asked}" in out.stdout and bad["explanation"] in out.stdout


def test_quiz_notebook_has_a_check_cell_for_every_question_and_concept():
    nb = json.loads((REPO / "notebooks" / "quiz.ipynb").read_text())
    code = "".join(nb["cells"][1]["source"])
    quiz = Quiz.from_code(code.split('CODE = "')[1].split('"')[0])
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    for k in range(1, len(quiz.questions) + 1):
        assert any(f"quiz.check({k}, answer_{k})" in s for s in sources), k
    for name in CONCEPTS:
        assert any(f"quiz.check_concept({name!r}" in s for s in sources), name
    assert any("quiz.hand_in()" in s for s in sources)


@pytest.mark.slow
def test_a_quiz_code_of_a_shipped_network_file_needs_no_file_name():
    t = ws.template_from_example(REPO / "examples" / "xor.json")
    v = ws.generate(t, 1, seed=3)[0]
    quiz = Quiz.from_code(ws.quiz_code(v))
    assert quiz.net.weights_dict() == v.net.weights_dict()
