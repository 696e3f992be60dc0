"""Write docs/teachers.md, the teacher's guide, from the notebooks and the mistake catalogue.

    python tools/teachers_guide.py           write docs/teachers.md
    python tools/teachers_guide.py --check   exit 1 if docs/teachers.md is not what this writes

What a teacher plans with (objectives, prerequisites, timing and discussion prompts per
notebook) is kept here, beside the notebooks' own titles. The rest is generated, so it never
drifts: the map from each misconception of ``bpnet.explain.mistakes.CATALOGUE`` to the exercises
whose checker diagnoses it (read from the notebooks' check cells), and one answer key for every
in-notebook exercise, computed by running each notebook's solution cell (which also asserts
that bpnet's checker accepts it).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
OUT = REPO / "docs" / "teachers.md"

#: notebook stem -> (minutes, prerequisites, objectives, discussion prompts)
PLAN = {
    "00_start_here": (
        15, "none",
        ["say in two sentences what backpropagation computes and why",
         "read the notation card (units X, Z, D; weights X1->Z2; a, z, δ; lr) and step through one update"],
        ["What would you need to know to change one weight so that the loss goes down?"]),
    "01_neuron_and_activation": (
        45, "00; a derivative of a function of one variable",
        ["compute a neuron's z and a, and f'(z) of identity, sigmoid, tanh, ReLU, leaky ReLU and softmax",
         "explain saturation and dying ReLU from the derivative",
         "say what softmax does with a layer's scores, and why log-sum-exp keeps it finite"],
        ["Why is f'(z), not f'(a), the slope a delta needs? When do the two agree?",
         "A sigmoid unit with z = 8: what happens to the weights into it, and why?"]),
    "02_forward_pass": (
        40, "01; matrix product",
        ["compute a network's forward pass unit by unit, bias units included",
         "write the same pass as one matrix product per layer, for a batch"],
        ["Why does every layer have a bias unit whose activation is always 1?",
         "What changes in the forward pass when the batch has 4 samples instead of 1?"]),
    "03_loss_and_gradient_descent": (
        50, "02; the derivative of a sum",
        ["tell a sample's loss from a batch's cost (the mean)",
         "take one gradient-descent step by hand, and predict when a learning rate is too large"],
        ["Why the mean and not the sum of the samples' losses?",
         "Why does a learning rate above 2/curvature make the loss grow?"]),
    "04_backpropagation": (
        70, "03; the chain rule",
        ["step a computation graph backwards (add, multiply, max gates; a fork adds its gradients)",
         "compute output and hidden deltas, gradient = source activation × destination delta, the update",
         "derive the four equations from the chain rule, and say why sigmoid or softmax with cross-entropy gives an "
         "output delta of a − y",
         "check a gradient against central differences with a sound tolerance"],
        ["Why do the gradients arriving at a fork add?",
         "Counted in arithmetic, a backprop costs about three forward passes and a numerical gradient two per weight; "
         "measured on a small network, a backprop costs less than three. Why?"]),
    "05_xor_worked_example": (
        60, "04",
        ["reproduce a published worked example number by number",
         "find a published computation's mistakes (a flipped sign, a missing f'(z)) from its numbers"],
        ["The article's update still lowers the loss on some samples. Does that make it right?",
         "Which single number of a published example tells you its sign is flipped?"]),
    "06_training_xor": (
        60, "05",
        ["explain why a linear network cannot learn XOR and why equal starting weights stay equal",
         "train with a non-linearity and a random start; compare batch, stochastic and mini-batch"],
        ["Why can no number of epochs make the linear network learn XOR?",
         "Two hidden units start with the same weights. What do their deltas look like, for ever?"]),
    "07_beyond_gradient_descent": (
        70, "06",
        ["run momentum, AdaGrad, RMSprop and Adam from the same start and read their paths",
         "explain vanishing gradients and Xavier/He initialisation from the variance argument",
         "say why L1 gives exact zeros and L2 does not"],
        ["Why does Adam's first step have about the same size for every weight?",
         "A 20-layer sigmoid network's first layer barely learns. Where did its gradient go?"]),
    "08_check_your_own_example": (
        40, "04 (05 helps)",
        ["type in a textbook's network and its printed numbers and check every one",
         "name the known mistake that explains a disagreement"],
        ["Your textbook and bpnet disagree in the fourth digit. Who is wrong, and how do you find out?"]),
    "09_handwritten_digits": (
        60, "06 (07 helps); softmax and cross-entropy from 01",
        ["turn an image into an input vector and train a 64-…-10 softmax network on 1797 scanned digits",
         "read the cost and accuracy curves, and the digits it gets wrong",
         "follow one update of a real network step by step with the same equations as notebook 04"],
        ["The training accuracy is higher than the test accuracy. Why, and when does it matter?",
         "Which digits does the network confuse, and would a person confuse them too?"]),
    "10_dropout_and_batch_norm": (
        50, "04 and 07 (the computation graph, vanishing gradients)",
        ["step through batch normalisation of one unit over a batch, forward and backward, and say why the "
         "gradients of the batch's inputs add up to 0",
         "step through dropout's mask and its 1/(1 - p) scaling, and say why a dropped unit gets no gradient",
         "read what each does on a small training run: less overfitting, a deep sigmoid network that learns"],
        ["Why does holding the batch's mean and variance constant give the wrong gradient?",
         "Dropout makes the training cost worse. Why can it still be the better network?"]),
}

_KINDS = {"check_forward": {"forward", "z"}, "check_neuron": {"forward", "z"}, "check_cost": {"cost"},
          "check_delta": {"delta"}, "check_gradient": {"gradient"}, "check_update": {"update"},
          "check_published": {"forward", "z", "cost", "delta", "gradient", "update"}}


#: what a code exercise of bpnet.teach.code_checks computes
_CODE_KINDS = {"forward": {"forward", "z"}, "cost_gradient": {"gradient"}, "output_delta": {"delta"},
               "backward": {"delta"}, "gradients": {"gradient"}, "update": {"update"},
               "train_step": {"delta", "gradient", "update"}, "autograd": {"gradient"}}


def _source(cell) -> str:
    """A cell's text; in a code cell, IPython's %magic and !shell lines left out."""
    text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if cell["cell_type"] == "code":
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
    return text


def _sequence() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _title(nb) -> str:
    return _source(nb["cells"][0]).splitlines()[0].lstrip("# ").strip()


def exercises(path: Path) -> list[tuple[str, set]]:
    """(exercise label, kinds its check cells ask) for each exercise of a notebook, in order."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, set] = {}
    label, section = None, ""
    for cell in nb["cells"]:
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            for line in src.splitlines():
                if line.startswith("## "):
                    section = line[3:].strip()
                m = re.match(r"### (Exercise [\w.]+)", line)
                if m:
                    label = m.group(1)
            continue
        if section.startswith("Solutions") or label is None:
            continue
        for name in re.findall(r"\b(check_\w+)\(", src):
            found.setdefault(label, set()).update(_KINDS.get(name, set()))
        for task in re.findall(r"\bcheck_code\(\s*[\"'](\w+)", src):
            found.setdefault(label, set()).update(_CODE_KINDS.get(task, set()))
    return list(found.items())


def solutions(path: Path) -> list[tuple[str, object]]:
    """(exercise label, the checker's result for the right answer) for each solution cell, computed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    ns: dict = {"__name__": "__teachers_guide__"}
    # The notebook's set-up cell, its imports and its settings (SEED = 0, ...): what a solution cell may use.
    first = next(cell for cell in nb["cells"] if cell["cell_type"] == "code")
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(_source(first), f"{path.name}:setup", "exec"), ns)
    for cell in nb["cells"]:
        for line in _source(cell).splitlines() if cell["cell_type"] == "code" else []:
            if re.match(r"(import|from) \S", line):
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(line, f"{path.name}:imports", "exec"), ns)
            elif re.match(r"[A-Z][A-Z0-9_]* = [-+\d.eE]+\s*(#.*)?$", line):
                exec(compile(line, f"{path.name}:settings", "exec"), ns)
    out, section, label = [], "", None
    for i, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            for line in src.splitlines():
                if line.startswith("## "):
                    section = line[3:].strip()
            m = re.search(r"\*\*(Exercise [\w.]+)\*\*", src)
            if m:
                label = m.group(1)
            continue
        if not section.startswith("Solutions"):
            continue
        ns.pop("right", None)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(src, f"{path.name}:cell {i}", "exec"), ns)
        right = ns.get("right")
        if right is None or not right:
            raise SystemExit(f"{path.name} cell {i}: the solution cell's checker does not accept it")
        out.append((label or f"cell {i}", right))
    return out


def _value(x) -> str:
    import numpy as np

    from bpnet.core.notation import fmt, vector
    return fmt(float(x)) if np.ndim(x) == 0 else vector(np.asarray(x))


def render() -> str:
    sys.path.insert(0, str(REPO))
    import matplotlib
    matplotlib.use("Agg")
    from bpnet.explain.mistakes import CATALOGUE

    lines = ["# For teachers", "",
             "<!-- Written by tools/teachers_guide.py from the notebooks and bpnet.explain.mistakes; "
             "do not edit by hand: change the script or the notebooks and run it again. -->", "",
             "How the notebooks fit a course: what each one teaches, what it needs, how long it takes and what to "
             "discuss; which exercises diagnose which misconception; and the answers to every exercise in the "
             "notebooks. For worksheets, quizzes and graded assignments see "
             "[notebooks/teachers.ipynb](../notebooks/teachers.ipynb) and the README's "
             "[For teachers](../README.md#for-teachers): `python -m bpnet worksheet` (printed sheets and keys), "
             "`quiz.ipynb` with `python -m bpnet quiz-results` (a quiz handed in and summarised), and "
             "`python -m bpnet assignment` (an nbgrader assignment, with the `teach` extra: "
             "`pip install \"bpnet[teach]\"`).", "",
             "## The notebooks", ""]
    total = 0
    for path in _sequence():
        nb = json.loads(path.read_text(encoding="utf-8"))
        minutes, needs, objectives, prompts = PLAN[path.stem]
        total += minutes
        lines += [f"### {_title(nb)}", "", f"[{path.name}](../notebooks/{path.name}) · about {minutes} minutes · "
                  f"needs: {needs}", "", "A learner who has worked through it can:", ""]
        lines += [f"- {o}" for o in objectives]
        lines += ["", "To discuss:", ""] + [f"- {p}" for p in prompts] + [""]
    lines += [f"The sequence takes about {total // 60} h {total % 60:02d} min of class or study time, exercises "
              "included.", "", "## Misconceptions and the exercises that diagnose them", "",
              "Each line is a mistake of bpnet's catalogue (`bpnet.explain.mistakes`), the kinds of number it "
              "changes, and the exercises whose check names it when a learner's answer matches it (by the kind "
              "of number each exercise asks; a mistake of one activation or loss, `activation:...` or "
              "`loss:...`, shows only in the exercises that use it).", "",
              "| mistake | changes | exercises that diagnose it |", "|---|---|---|"]
    per_nb = [(path.stem[:2], exercises(path)) for path in _sequence()]
    for key, m in CATALOGUE.items():
        kinds = set(m.kinds)
        where = []
        for stem, exs in per_nb:
            hit = [label.replace("Exercise ", "") for label, ks in exs if ks & kinds]
            if hit:
                where.append(f"{stem}: {', '.join(hit)}")
        lines.append(f"| {m.explanation} (`{key}`) | {', '.join(sorted(kinds))} | {'; '.join(where) or '—'} |")
    lines += ["", "## Answer key for the exercises in the notebooks", "",
              "Computed by running each notebook's solution cell (bpnet's checker accepts every answer here). "
              "The worked solution, every number substituted, is what `result.solution()` shows in the exercise's "
              "own cell.", "", "| notebook | exercise | quantity | for | answer |", "|---|---|---|---|---|"]
    for path in _sequence():
        for label, right in solutions(path):
            if hasattr(right, "task"):  # a code exercise (bpnet.teach.code_checks): the reference function
                sig = right.task.signature.rstrip(":")
                what = f"class `{sig.split()[1]}`" if sig.startswith("class ") else f"function `{sig[4:]}`"
                row = (what,
                       f"{right.n_cases} networks", "the notebook's solution cell")
            else:
                context = right.context if len(right.context) <= 80 else right.context[:60].rsplit(",", 1)[0] + ", …"
                row = (right.quantity, context, _value(right.answer))
            lines.append(f"| {path.stem[:2]} | {label.replace('Exercise ', '')} | " + " | ".join(row) + " |")
    return "\n".join(lines).replace("|", "|") + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(REPO)} is out of date: run python tools/teachers_guide.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
