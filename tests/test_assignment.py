"""nbgrader assignments from bpnet's exercises: the source notebook's form, and a real round trip
through nbgrader's API (generate_assignment, a submission with known mistakes, autograde, the
gradebook's scores and the feedback naming each mistake). The round trip needs the `teach` extra
(nbgrader): it is skipped without it, except in CI, which installs it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from bpnet.explain.mistakes import CATALOGUE, candidates
from bpnet.teach.assignment import POINTS, assignment_notebook, require, write_assignment
from bpnet.teach.quiz import CONCEPTS, Quiz

REPO = Path(__file__).resolve().parent.parent
SETTING = {"template": "leaky-2-2-1", "seed": 7, "variant": 1, "steps": "forward,delta,update"}


def _meta(cell):
    return cell["metadata"].get("nbgrader", {})


@pytest.mark.slow
def test_the_source_notebook_has_solutions_and_hidden_graded_tests():
    nb = assignment_notebook(**SETTING)
    quiz = Quiz("leaky-2-2-1", 7, 1)
    tests = [c for c in nb["cells"] if _meta(c).get("grade")]
    solutions = [c for c in nb["cells"] if _meta(c).get("solution")]
    assert len(tests) == len(solutions) == len(quiz.questions) + 1 + len(CONCEPTS)
    assert sum(_meta(c)["points"] for c in tests) == (len(quiz.questions) * POINTS["number"] + POINTS["code"]
                                                      + len(CONCEPTS) * POINTS["concept"])
    for c in solutions:
        assert "### BEGIN SOLUTION" in c["source"] and "### END SOLUTION" in c["source"]
    for c in tests:
        visible, hidden = c["source"].split("### BEGIN HIDDEN TESTS")
        assert "require(" in hidden and "### END HIDDEN TESTS" in hidden
        assert "check" not in visible  # the visible part checks the form, never runs a checker
        assert _meta(c)["locked"]
    code = next(c for c in solutions if _meta(c)["grade_id"] == "code_output_delta")
    assert code["source"].startswith("def output_delta(") and '"""' in code["source"].split("### BEGIN")[0]
    ids = [_meta(c)["grade_id"] for c in nb["cells"] if _meta(c)]
    assert len(ids) == len(set(ids))


def test_require_fails_with_the_checkers_diagnosis():
    quiz = Quiz("leaky-2-2-1", 7, 1)
    require(quiz.check(1, quiz.variant.questions[0].value))
    with pytest.raises(AssertionError, match=CONCEPTS["mean-not-sum"].misconceptions["b"].split(":")[0]):
        require(quiz.check_concept("mean-not-sum", "b"))


@pytest.mark.slow
def test_write_assignment_never_overwrites(tmp_path):
    path = write_assignment(tmp_path, "ps1", **SETTING)
    assert path == tmp_path / "source" / "ps1" / "ps1.ipynb"
    with pytest.raises(ValueError, match="exists"):
        write_assignment(tmp_path, "ps1", **SETTING)
    with pytest.raises(ValueError, match="unknown item"):
        write_assignment(tmp_path, "ps2", code_tasks=("nope",), **SETTING)
    assert not (tmp_path / "source" / "ps2").exists()


# ----- the round trip through real nbgrader --------------------------------------------------
def _nbgrader_or_skip():
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        from infra_support import in_ci
        if in_ci():
            pytest.fail("CI installs the teach extra (nbgrader) for this test")
        pytest.skip("nbgrader is not installed (pip install -e '.[teach]')")


def _succeeded(result: dict):
    """An nbgrader API step (NbGraderAPI: what `nbgrader generate_assignment`/`autograde` run) that
    succeeded; else its log and traceback."""
    assert result["success"], result.get("log", "")[-3000:] + result.get("error", "")[-3000:]


def _alembic_head() -> str:
    """The revision `alembic heads` prints first for nbgrader's migrations (nbgrader.api.get_alembic_version)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Object of type <Submitted")  # SQLAlchemy on nbgrader's add_submission
def test_nbgrader_round_trip_scores_and_names_each_mistake(tmp_path, monkeypatch):
    _nbgrader_or_skip()
    import nbgrader.api
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    # nbgrader's own steps run in this process, as its API runs them (the commands' start-up, about
    # 5 CPU-seconds each, is nbgrader's); the kernel that autograde starts runs this bpnet.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    # A new gradebook records the head of nbgrader's migrations, which nbgrader reads by running
    # `alembic heads` (a process importing nbgrader anew: about 4 CPU-seconds): read here by alembic's own
    # code, from the same migration scripts.
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", _alembic_head)
    course = tmp_path / "course"
    course.mkdir()
    api = NbGraderAPI(coursedir=CourseDirectory(root=str(course), course_id="bpnet"))
    write_assignment(course, "ps1", **SETTING)
    _succeeded(api.generate_assignment("ps1", force=True))
    released = json.loads((course / "release" / "ps1" / "ps1.ipynb").read_text())
    assert "BEGIN SOLUTION" not in json.dumps(released) and "HIDDEN TESTS" not in json.dumps(released)

    # The student: every number right but one delta with its sign flipped, one question left
    # unanswered, the output delta with f'(a) for f'(z), and "more training" for the linear network.
    quiz = Quiz("leaky-2-2-1", 7, 1)
    qs = quiz.variant.questions
    t = quiz.template
    k_sign = next(k for k, q in enumerate(qs, 1) if q.step == "delta")
    q = qs[k_sign - 1]
    sign = float(np.ravel(candidates(quiz.net, quiz.variant.x, quiz.variant.y, q.key, loss=t.loss, rule=t.rule,
                                     lr=t.lr)["sign"])[0])
    assert not quiz.check(k_sign, sign)
    k_blank = len(qs)
    answers = {f"answer_{k}": (sign if k == k_sign else q.value) for k, q in enumerate(qs, 1) if k != k_blank}
    choices = {f"choice_{n.replace('-', '_')}": ("b" if n == "linear-xor" else c.right) for n, c in CONCEPTS.items()}
    for cell in released["cells"]:
        gid = _meta(cell).get("grade_id", "")
        if not _meta(cell).get("solution"):
            continue
        src = "".join(cell["source"])
        if gid in answers:
            src = f"{gid} = {answers[gid]!r}"
        elif gid in choices:
            src = f"{gid} = {choices[gid]!r}"
        elif gid == "code_output_delta":
            src = src.replace("# YOUR CODE HERE\n    raise NotImplementedError()",
                              "L = len(a) - 1\n    return dL_da(a[L], y) * df[L](a[L])")
            assert "return" in src, src
        cell["source"] = src
    submitted = course / "submitted" / "ada" / "ps1"
    submitted.mkdir(parents=True)
    (submitted / "ps1.ipynb").write_text(json.dumps(released))
    _succeeded(api.autograde("ps1", "ada", force=True, create=True))

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission("ps1", "ada")
        grades = {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}
        total, max_total = sub.score, sub.max_score
    wrong = {f"test_{k_sign}", f"test_{k_blank}", "test_code_output_delta", "test_choice_linear_xor"}
    for name, (score, max_score) in grades.items():
        assert score == (0 if name in wrong else max_score), (name, score, max_score)
    assert max_total == len(qs) * POINTS["number"] + POINTS["code"] + len(CONCEPTS) * POINTS["concept"]
    assert total == max_total - 2 * POINTS["number"] - POINTS["code"] - POINTS["concept"]

    # The feedback: each failed test's message names the mistake.
    graded = json.loads((course / "autograded" / "ada" / "ps1" / "ps1.ipynb").read_text())
    errors = {_meta(c)["grade_id"]: " ".join(o.get("evalue", "") + "".join(o.get("traceback", []))
                                             for o in c.get("outputs", []) if o.get("output_type") == "error")
              for c in graded["cells"] if _meta(c).get("grade")}
    assert CATALOGUE["sign"].explanation.rstrip(".") in errors[f"test_{k_sign}"]
    assert "f'(a) used where f'(z) belongs" in errors["test_code_output_delta"]
    assert CONCEPTS["linear-xor"].misconceptions["b"] in errors["test_choice_linear_xor"]
    assert f"answer_{k_blank}" in errors[f"test_{k_blank}"]  # never given
    assert not errors[f"test_{k_sign - 1}"]


def test_every_code_exercise_solution_cell_passes_the_code_checker():
    from bpnet.teach.code_checks import TASKS, check_code

    functions = [n for n, t in TASKS.items() if t.starter.rstrip().endswith("...")]
    nb = assignment_notebook(**SETTING, code_tasks=tuple(functions), concepts=())
    for name in functions:
        cell = next(c for c in nb["cells"] if _meta(c).get("grade_id") == f"code_{name}")
        head = cell["source"].split("### BEGIN SOLUTION")[0]
        assert head.startswith(f"def {name}(") and '"""' in head  # the student starts from signature and docstring
        setup = next(c for c in nb["cells"] if _meta(c).get("grade_id") == "setup")
        assert "import numpy as np" in setup["source"]
        ns: dict = {"np": np}
        exec(cell["source"], ns)
        assert check_code(name, ns[name]), name
    with pytest.raises(ValueError, match="code exercises"):
        assignment_notebook(**SETTING, code_tasks=("autograd",))
