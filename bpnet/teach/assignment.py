"""Graded assignments for nbgrader, written from bpnet's exercises.

``assignment_notebook(...)`` builds an nbgrader *source* notebook: a worksheet variant's
numeric questions (the same network as a printed sheet, from template, seed and variant), a
code exercise or two from ``bpnet.teach.code_checks`` (the learner writes a function from its
signature and docstring), and the conceptual questions of ``bpnet.teach.quiz.CONCEPTS``.
Each item is a solution cell (``### BEGIN SOLUTION`` / ``### END SOLUTION``: nbgrader's
``generate_assignment`` removes the region from the student's copy) and an autograded test
cell worth ``points``. A test cell's visible part checks only the form of the answer (a
number, a function, a letter); the grading itself is a hidden test (``### BEGIN HIDDEN
TESTS``), which calls bpnet's number, code and concept checkers and fails with the checker's
diagnosis, naming the mistake, as its message — a visible check would let the student run
the checker before handing in.

``write_assignment(course, name, ...)`` writes it as ``course/source/<name>/<name>.ipynb``,
where nbgrader looks for it; ``python -m bpnet assignment`` does the same from a terminal.
Then, in the course folder: ``nbgrader generate_assignment <name>``, release, collect,
``nbgrader autograde <name>``; the scores are in nbgrader's gradebook (``gradebook.db``) and
each failed test's message in the autograded notebook and the feedback.

nbgrader itself is not needed to write the notebook (``pip install "bpnet[teach]"`` brings it
for the rest).
"""

from __future__ import annotations

import ast
import hashlib
import json
import textwrap
from pathlib import Path

import numpy as np

from . import code_checks
from .quiz import CONCEPTS, Quiz
from .worksheet import fmt, get_template

__all__ = ["assignment_notebook", "write_assignment", "require", "require_number", "require_function",
           "require_choice", "POINTS", "add_arguments", "run_cli"]

#: Points per item kind.
POINTS = {"number": 1, "code": 3, "concept": 1}


# ----- what the test cells call ------------------------------------------------------------
def require(result) -> None:
    """Pass when a checker's result is right; else fail with its diagnosis (the named mistake)."""
    if result:
        return
    lines = [repr(result)]
    explanation = getattr(result, "explanation", "")
    mistake = getattr(result, "mistake", None)
    if explanation and explanation not in lines[0]:
        lines.append(f"Mistake: {explanation}")
    elif mistake and not explanation:
        lines.append(f"Mistake: {mistake}")
    raise AssertionError("\n".join(lines))


def require_number(answer, name: str) -> None:
    """The visible check: ``answer`` is one number (nothing about whether it is right)."""
    ok = isinstance(answer, (int, float, np.integer, np.floating)) and not isinstance(answer, bool)
    assert ok and np.isfinite(answer), f"{name} must be a number, such as 0.25; got {answer!r}"


def require_function(fn, name: str) -> None:
    assert callable(fn), f"{name} must be the function you wrote; got {fn!r}"


def require_choice(choice, name: str, letters) -> None:
    assert isinstance(choice, str) and choice.strip().strip("()").lower() in letters, \
        f"{name} must be one of the letters {', '.join(letters)} as text, such as \"a\"; got {choice!r}"


# ----- the notebook ------------------------------------------------------------------------
def _solution_body(task) -> str:
    """The body of a task's reference function (what goes between the solution markers)."""
    tree = ast.parse(task.solution)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    lines = task.solution.splitlines()
    body = fn.body[1:] if (fn.body and isinstance(fn.body[0], ast.Expr)
                           and isinstance(getattr(fn.body[0], "value", None), ast.Constant)) else fn.body
    text = "\n".join(lines[body[0].lineno - 1: body[-1].end_lineno])
    return textwrap.dedent(text)


def _code_cell_with_solution(task) -> str:
    starter = task.starter.rstrip()
    if not starter.endswith("..."):
        raise ValueError(f"the starter of {task.name} does not end with '...'")
    head = starter[: -3].rstrip()
    indent = "    "
    body = textwrap.indent(_solution_body(task), indent)
    return f"{head}\n{indent}### BEGIN SOLUTION\n{body}\n{indent}### END SOLUTION"


def assignment_notebook(template="leaky-2-2-1", seed: int = 0, variant: int = 1,
                        steps=("forward", "delta", "update"), digits: int = 4,
                        code_tasks=("output_delta",), concepts=tuple(CONCEPTS), title: str | None = None) -> dict:
    """The nbgrader source notebook (nbformat 4, as a dict) of one variant: see the module docstring."""
    t = get_template(template)
    quiz = Quiz(t, seed, variant, steps, digits)
    functions = [name for name, task in code_checks.TASKS.items() if task.starter.rstrip().endswith("...")]
    unknown = [c for c in concepts if c not in CONCEPTS] + [c for c in code_tasks if c not in functions]
    if unknown:
        raise ValueError(f"unknown item(s) {unknown}; code exercises (functions) are {', '.join(functions)}, "
                         f"concepts {', '.join(CONCEPTS)}")
    spec = json.dumps(t.to_dict(), sort_keys=True)
    cells = []

    def cid(text):
        return hashlib.sha1(f"{spec}|{seed}|{variant}|{len(cells)}|{text}".encode()).hexdigest()[:12]

    def md(text):
        cells.append({"cell_type": "markdown", "id": cid(text), "metadata": {}, "source": text})

    def code(text, grade_id=None, *, solution=False, points=None, locked=False):
        meta = {}
        if grade_id:
            meta = {"nbgrader": {"grade": points is not None, "grade_id": grade_id, "locked": locked,
                                 "schema_version": 3, "solution": solution, "task": False}}
            if points is not None:
                meta["nbgrader"]["points"] = points
        cells.append({"cell_type": "code", "execution_count": None, "id": cid(text), "metadata": meta,
                      "outputs": [], "source": text})

    total = (len(quiz.questions) * POINTS["number"] + len(code_tasks) * POINTS["code"]
             + len(concepts) * POINTS["concept"])
    md(f"# {title or 'Backpropagation assignment'}\n\n"
       f"One gradient-descent update of a small network, worked by hand; {len(code_tasks)} function(s) "
       f"of backpropagation written in Python; and {len(concepts)} question(s) on why it works. "
       f"{total} points. Give every number to {digits} significant digits. Each answer is graded when "
       "you hand in; before that, the cell under it checks only that it is a number, a function or a letter.")
    md("Run the next cell: it shows the network, the sample and the questions of your sheet.")
    code("import json\n\nimport numpy as np\n\nfrom bpnet.teach.assignment import require, require_choice, require_function, "
         "require_number\nfrom bpnet.teach.code_checks import check_code\n"
         "from bpnet.teach.quiz import Quiz\nfrom bpnet.teach.worksheet import Template\n\n"
         f"quiz = Quiz(Template.from_dict(json.loads({spec!r})), seed={int(seed)}, variant={int(variant)},\n"
         f"            steps={list(quiz.variant.steps)!r}, digits={int(digits)}, assessment=True)\nquiz",
         "setup", locked=True)
    for k, q in enumerate(quiz.variant.questions, 1):
        pts = POINTS["number"]
        md(f"**Question {k}** ({pts} point{'s' if pts > 1 else ''}). The {q.label}: put it in `answer_{k}`.")
        code(f"### BEGIN SOLUTION\nanswer_{k} = {fmt(q.value)}\n### END SOLUTION", f"answer_{k}", solution=True)
        md(f"Checks that `answer_{k}` is a number (graded when you hand in):")
        code(f"require_number(answer_{k}, \"answer_{k}\")\n### BEGIN HIDDEN TESTS\n"
             f"require(quiz.check({k}, answer_{k}))\n### END HIDDEN TESTS", f"test_{k}", points=pts, locked=True)
    for name in code_tasks:
        task = code_checks.TASKS[name]
        pts = POINTS["code"]
        md(f"**Code: {task.title}** ({pts} points). Write the function below from its docstring "
           "(the shapes are those of `bpnet.core.network`: row 0 of each W[l] holds the biases).")
        code(_code_cell_with_solution(task), f"code_{name}", solution=True)
        md(f"Checks that `{name}` is a function (graded on a battery of networks when you hand in):")
        code(f"require_function({name}, \"{name}\")\n### BEGIN HIDDEN TESTS\n"
             f"require(check_code(\"{name}\", {name}))\n### END HIDDEN TESTS", f"test_code_{name}", points=pts,
             locked=True)
    for name in concepts:
        c = CONCEPTS[name]
        pts = POINTS["concept"]
        var = "choice_" + name.replace("-", "_")
        choices = "\n".join(f"- ({letter}) {text}" for letter, text in c.choices.items())
        md(f"**Why?** ({pts} point) {c.prompt}\n\n{choices}\n\nPut the letter of your choice, as text, in `{var}`.")
        code(f"### BEGIN SOLUTION\n{var} = \"{c.right}\"\n### END SOLUTION", var, solution=True)
        md(f"Checks that `{var}` is one of the letters:")
        code(f"require_choice({var}, \"{var}\", {sorted(c.choices)!r})\n### BEGIN HIDDEN TESTS\n"
             f"require(quiz.check_concept({name!r}, {var}))\n### END HIDDEN TESTS", f"test_{var}", points=pts,
             locked=True)
    return {"cells": cells,
            "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                        "name": "python3"}, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def write_assignment(course, name: str = "backprop", **kwargs) -> Path:
    """Write ``course/source/<name>/<name>.ipynb`` (see ``assignment_notebook`` for ``kwargs``);
    an existing notebook there is never overwritten. Returns its path."""
    if not name or not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ValueError(f"an assignment name is letters, digits, - and _, got {name!r}")
    nb = assignment_notebook(**kwargs)  # first: a bad request writes nothing
    path = Path(course) / "source" / name / f"{name}.ipynb"
    if path.exists():
        raise ValueError(f"{path} exists; remove it or give another --name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# ----- command line ------------------------------------------------------------------------
def add_arguments(p) -> None:
    """The options of ``python -m bpnet assignment``."""
    p.add_argument("--course", required=True, help="the nbgrader course folder (source/<name>/ is written in it)")
    p.add_argument("--name", default="backprop", help="the assignment's name (default backprop)")
    p.add_argument("--template", default="leaky-2-2-1", help="a built-in worksheet template or a network file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--variant", type=int, default=1)
    p.add_argument("--steps", default="forward,delta,update")
    p.add_argument("--digits", type=int, default=4)
    p.add_argument("--code", default="output_delta",
                   help="comma-separated code exercises (functions of bpnet.teach.code_checks.TASKS, e.g. "
                        "forward,output_delta,backward; '' for none)")
    p.add_argument("--concepts", default=",".join(CONCEPTS),
                   help=f"comma-separated conceptual questions, from {','.join(CONCEPTS)} ('' for none)")


def run_cli(args) -> int:
    import sys

    def names(text):
        return tuple(s.strip() for s in text.split(",") if s.strip())

    try:
        path = write_assignment(args.course, args.name, template=args.template, seed=args.seed,
                                variant=args.variant, steps=args.steps, digits=args.digits,
                                code_tasks=names(args.code), concepts=names(args.concepts))
    except (ValueError, TypeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}; in {args.course}: nbgrader generate_assignment {args.name}, then after collecting: "
          f"nbgrader autograde {args.name}")
    return 0
