"""The notebooks' content rules, each written once (not a test module).

Each rule is a function ``rule(nb) -> list[str]``: the problems it finds in a notebook
(an ``nbformat`` node), empty when the notebook keeps it; ``RULES`` says which notebooks each
concerns (the learner's sequence, the teachers' notebook, the quiz). ``tests/test_notebook_content.py``
applies every rule to every notebook it concerns, and breaks a copy of a notebook for each
rule to show that the rule catches it. Reading notebooks (cells, their source, their stored
text, the exercise and solution cells) is here too, for every test that reads one.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from infra_support import NBVAL_NO_COMPARE_TAGS, NOTEBOOKS_DIR, cell_compared_by_nbval, cell_source, marker_lines

__all__ = [
    "NOTEBOOKS_DIR", "NOTEBOOKS", "ALL_NOTEBOOKS", "load", "source", "code_cells", "markdown_cells", "text_outputs", "stored_text",
    "cell_with", "exercise_cells", "check_cell_of", "solution_cells", "exercise_answers", "setup_code", "RULES",
]

#: The learner's sequence, 00, 01, ... (teachers' and quiz notebooks carry no number).
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
#: Every notebook: the sequence, then the teachers' notebook and the quiz.
ALL_NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))

source = cell_source


@functools.lru_cache(maxsize=None)
def _read(path: Path, mtime: float):
    import nbformat

    return nbformat.read(path, as_version=4)


def load(path):
    """The notebook at ``path`` (read once while the file is unchanged; do not modify it)."""
    path = Path(path)
    return _read(path, path.stat().st_mtime)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def markdown_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "markdown"]


def text_outputs(cell):
    """(kind, text) for every stored text of a code cell: the stream's name, or the mime type."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            yield out.get("name"), "".join(out.get("text", ""))
        elif "data" in out:
            for mime in ("text/plain", "text/markdown", "text/html"):
                if mime in out["data"]:
                    text = out["data"][mime]
                    yield mime, "".join(text) if isinstance(text, list) else text


def stored_text(cell) -> str:
    """What a code cell shows as text: its printed streams and the text/plain of its results."""
    return "\n".join(text for kind, text in text_outputs(cell) if kind in ("stdout", "stderr", "text/plain"))


def cell_with(nb, needle: str):
    """The first code cell whose source contains ``needle``."""
    for c in code_cells(nb):
        if needle in source(c):
            return c
    raise AssertionError(f"no code cell contains {needle!r}")


#: A learner's cell starts empty: ``answer = None`` where a number goes, or a function whose body
#: (after its docstring) is ``raise NotImplementedError``, or a class left to write.
_LEARNER_START = re.compile(r"^answer = None\b|^\s+raise NotImplementedError\b", re.M)


def exercise_cells(nb) -> list:
    """The learner's cells: each starts from ``answer = None`` or a signature and a docstring whose body
    raises NotImplementedError, and is followed by its check cell."""
    return [c for c in code_cells(nb) if _LEARNER_START.search(source(c))]


def check_cell_of(nb, cell):
    """The cell that checks a learner's cell: the next code cell."""
    cells = code_cells(nb)
    return cells[cells.index(cell) + 1]


def solution_cells(nb) -> list:
    """The solution cells (tagged 'solution')."""
    return [c for c in code_cells(nb) if "solution" in c.get("metadata", {}).get("tags", [])]


_ONLY_IMPORTS = re.compile(r"^(\s*((from \S+ )?import .*)?\s*\n?)+$")


def setup_code(nb) -> str:
    """What an exercise cell may rely on: the first code cell (seeds, imports) and every cell of imports only."""
    code = code_cells(nb)
    setup = source(code[0]).replace("%matplotlib inline", "")
    imports = [source(c) for c in code[1:] if _ONLY_IMPORTS.match(source(c))]
    return "\n".join([setup] + imports)


def _hidden(cell) -> bool:
    jupyter = cell.get("metadata", {}).get("jupyter", {})
    return bool(jupyter.get("source_hidden")) and bool(jupyter.get("outputs_hidden"))


# ----- structure -------------------------------------------------------------------------------
def _markdown_lines(nb) -> list[str]:
    return [line for c in markdown_cells(nb) for line in source(c).splitlines()]


def one_title(nb) -> list[str]:
    """One '# ' title, in the first cell."""
    problems = []
    first = nb.cells[0]
    if not (first.cell_type == "markdown" and source(first).lstrip().startswith("# ")):
        problems.append("the first cell must be a markdown title ('# ...')")
    titles = [line for line in _markdown_lines(nb) if re.match(r"# \S", line)]
    if len(titles) != 1:
        problems.append(f"exactly one '# ' title, found {titles}")
    return problems


def sections_for_a_table_of_contents(nb) -> list[str]:
    """'## ' section headings a table of contents can use (at least three)."""
    sections = [line for line in _markdown_lines(nb) if line.startswith("## ")]
    return [] if len(sections) >= 3 else [f"needs '## ' section headings for a table of contents, found {sections}"]


def markdown_before_code(nb) -> list[str]:
    """Every code cell follows a markdown cell that says what it does."""
    return [f"cell {i}: a code cell not preceded by a markdown cell" for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (i == 0 or nb.cells[i - 1].cell_type != "markdown")]


def no_empty_cells(nb) -> list[str]:
    return [f"cell {i}: empty" for i, c in enumerate(nb.cells) if not source(c).strip()]


def no_marker_comments(nb) -> list[str]:
    """nbval is switched off by a tag learners do not see, never by a '# NBVAL_...' comment."""
    return [f"cell {i}: a '# NBVAL_...' comment; use a tag and a 'nbval-reason' in metadata"
            for i, c in enumerate(nb.cells) if re.search(r"#\s*NBVAL_", source(c)) or marker_lines(c)]


def nbval_tags_give_a_reason(nb) -> list[str]:
    """A cell tagged for nbval (its output not compared, or an error expected) says why in a one-line
    'nbval-reason' in its metadata, beside the tag learners do not see."""
    problems = []
    for i, c in enumerate(nb.cells):
        meta = c.get("metadata", {})
        tags = [t for t in meta.get("tags", []) if t in NBVAL_NO_COMPARE_TAGS or t.startswith(("nbval", "raises"))]
        if tags and len(str(meta.get("nbval-reason", "")).strip()) < 8:
            problems.append(f"cell {i}: nbval tags {tags} need a one-line reason in the cell metadata 'nbval-reason'")
    return problems


#: The attributes of a learner's own scalar autograd ``Value``, named as micrograd names them (the code
#: checker's autograd task asks for them): the learner's own class's, not a library's insides.
OWN_VALUE_ATTRIBUTES = ("_prev", "_backward")


def public_names_only(nb) -> list[str]:
    """Code cells use public names only (no ``module._helper``): what a reader copies from a notebook
    keeps working when a library's insides change."""
    return [f"code cell {k}: {name} is private; use a public name"
            for k, c in enumerate(code_cells(nb), start=1)
            for name in dict.fromkeys(re.findall(r"\b[A-Za-z]\w*\._[A-Za-z]\w*", source(c)))
            if name.split(".")[1] not in OWN_VALUE_ATTRIBUTES]


def speaks_of_the_project_only(nb) -> list[str]:
    text = "\n".join(source(c) for c in nb.cells)
    return [f"contains {pattern!r}" for pattern in
            (r"\bAI\b", r"\bLLM\b", r"\bagents?\b", r"\bissue #\d", r"\bTODO\b", r"\bFIXME\b")
            if re.search(pattern, text)]


# ----- one meaning per symbol (the notation card in 00) --------------------------------------------
#: symbol written with a meaning the card gives another symbol -> what the card writes instead
_SECOND_MEANINGS = [
    (re.compile(r"σ²|σ\^2|\\sigma\^\{?2"), "σ is the sigmoid: a weight's variance is Var(w), its spread std(w)"),
    (re.compile(r"λ_?\{?max|\\lambda_\{?\\?max|lambda_max"),
     "λ is the regularisation strength: a curvature is c, the largest c_max"),
    (re.compile(r"η|\\eta\b"), "the learning rate is lr"),
    (re.compile(r"[\w)\]]\s*(?:←|\\leftarrow|\\gets)\s*[\w(]"), "\"becomes\" is :="),
    (re.compile(r"\[L\]|\^\{\[L\]\}"), "L is the loss: the output layer is K"),
]


def one_meaning_per_symbol(nb) -> list[str]:
    """No symbol of the notation card with a second meaning in the Markdown or the stored text outputs: σ is the
    sigmoid (not a standard deviation), λ the regularisation strength (not an eigenvalue), lr the learning rate
    (not η), := "becomes" (not ←), L the loss (not the output layer's index)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        texts = [source(cell)] if cell.cell_type == "markdown" else [t for _, t in text_outputs(cell)]
        for text in texts:
            for pattern, meaning in _SECOND_MEANINGS:
                for hit in dict.fromkeys(m.group(0) for m in pattern.finditer(text)):
                    problems.append(f"cell {i}: {hit!r}: {meaning}")
    return problems


# ----- stored outputs --------------------------------------------------------------------------
def outputs_stored_and_clean(nb) -> list[str]:
    """Run in order (execution counts 1, 2, ...), no error, traceback, stderr or numpy scalar repr."""
    problems = []
    for k, cell in enumerate(code_cells(nb), start=1):
        if cell.get("execution_count") != k:
            problems.append(f"code cell {k}: execution_count {cell.get('execution_count')} (run tools/nbrun.py)")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"code cell {k}: stored error {out.get('ename')}: {out.get('evalue')}")
        for kind, text in text_outputs(cell):
            if kind == "stderr" and text.strip():
                problems.append(f"code cell {k}: writes to stderr: {text.strip()[:120]!r}")
            if "np.float64(" in text or "np.int64(" in text:
                problems.append(f"code cell {k}: numpy scalar repr in output (print formatted values)")
            if "Traceback" in text:
                problems.append(f"code cell {k}: a traceback in the output")
    return problems


def _has_figure(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def figures_shown_titled_and_told(nb) -> list[str]:
    """A cell that draws a figure calls plt.show() (or ends with ';'), so no '<Figure ...>' repr is stored;
    each figure has a title and a printed text equivalent (or a bpnet.views.tables.Table) in its cell or a
    neighbouring one."""
    cells = code_cells(nb)
    problems = []
    for k, cell in enumerate(cells):
        src = source(cell)
        has_png = _has_figure(cell)
        if has_png or ("plt." in src and ("plt.subplots" in src or "plt.figure" in src)):
            lines = [l.strip() for l in src.strip().splitlines() if l.strip() and not l.strip().startswith("#")]
            if not lines or not ("plt.show()" in lines or lines[-1].endswith(";")):
                problems.append(f"code cell {k + 1}: a plotting cell must call plt.show() (or end with ';')")
        for kind, text in text_outputs(cell):
            if kind == "text/plain" and text.startswith("<Figure") and not has_png:
                problems.append(f"code cell {k + 1}: a '<Figure ...>' repr without the figure")
        if has_png:
            near = [cells[j] for j in (k - 1, k, k + 1) if 0 <= j < len(cells)]
            if not any((kind == "stdout" and text.strip()) or (kind == "text/html" and 'class="bp-table"' in text)
                       for c in near for kind, text in text_outputs(c)):
                problems.append(f"code cell {k + 1}: a figure without a printed text equivalent next to it")
            if "plt." in src and not re.search(r"title|suptitle|plot_|draw_network", src):
                problems.append(f"code cell {k + 1}: a figure without a title")
    return problems


#: A call that styles a figure (titles, labels, limits, legend, grid, reference lines, layout).
_STYLING = re.compile(r"\b(?:ax|axes|fig|plt)\w*(?:\[[^\]]*\])?\.(?:set_\w+|legend|grid|xlabel|ylabel|title|suptitle|"
                      r"tight_layout|xlim|ylim|axhline|axvline|text|annotate|tick_params)\(")
#: Most lines of figure styling a cell may hold: more belongs in a bpnet.views.plots helper.
MAX_STYLING_LINES = 3


def figure_styling_in_helpers(nb) -> list[str]:
    """A cell reads as one idea: the computation, not the styling of its figure (that is in bpnet.views.plots)."""
    problems = []
    for k, cell in enumerate(code_cells(nb), start=1):
        styling = sum(bool(_STYLING.search(line)) for line in source(cell).splitlines())
        if styling > MAX_STYLING_LINES:
            problems.append(f"code cell {k}: {styling} lines style a figure (at most {MAX_STYLING_LINES}; "
                            "draw it with a bpnet.views.plots helper)")
    return problems


def matplotlib_inline(nb) -> list[str]:
    src = "\n".join(source(c) for c in code_cells(nb))
    return ["plots need '%matplotlib inline'"] if "matplotlib" in src and "%matplotlib inline" not in src else []


def no_clear_output_loops(nb) -> list[str]:
    problems = []
    for k, cell in enumerate(code_cells(nb), start=1):
        src = source(cell)
        if "clear_output(wait=True)" in src:
            problems.append(f"code cell {k}: clear_output(wait=True)")
        if re.search(r"with \w+:\s*\n\s+print\(", src):
            problems.append(f"code cell {k}: 'with out: print(...)' (use out.append_stdout)")
    return problems


def timings_not_compared(nb) -> list[str]:
    """Wall-clock timings differ from run to run: a cell that prints one is not compared by nbval."""
    return [f"code cell {k}: prints timings but is compared by nbval"
            for k, cell in enumerate(code_cells(nb), start=1)
            if re.search(r"perf_counter\(\)|time\.time\(\)|%timeit|%%time|timeit\.", source(cell))
            and re.search(r"print\(", source(cell)) and cell_compared_by_nbval(cell)]


# ----- numbers in prose -------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![\w.^{])-?\d+\.\d+(?![\w.])")

#: Numbers the worked example computes (the article's update and the corrected one): results
#: wherever they appear, even those, like -4, that the decimal rule below cannot tell from data.
WORKED_EXAMPLE_NUMBERS = ["1.4", "0.6", "7.28", "1.68", "26.5", "26.4992", "1.41", "1.4112", "-4", "−4", "0.35",
                          "-0.45", "−0.45", "23.5", "0.125", "0.25", "14.5"]
#: The notebooks that run the worked example's update and so may be tempted to type its numbers.
WORKED_EXAMPLE_READERS = ("00_start_here.ipynb", "05_xor_worked_example.ipynb", "06_training_xor.ipynb",
                          "07_beyond_gradient_descent.ipynb")


def numbers_in(text: str) -> set[str]:
    return {m.group().lstrip("-") for m in _NUMBER.finditer(text)}


def computed_numbers_not_typed(nb, known=(), settings=()) -> list[str]:
    """A number only a computation produces is printed by a code cell, never typed into the markdown:
    a decimal that a stored (compared) output shows but no code cell types (unless it is one of
    ``settings``, a value a reader chooses), and any of ``known``."""
    code_numbers = set().union(*(numbers_in(source(c)) for c in code_cells(nb)))
    output_numbers = set()
    for c in code_cells(nb):
        if cell_compared_by_nbval(c):
            for _, text in text_outputs(c):
                output_numbers |= numbers_in(text)
    problems = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "markdown":
            continue
        for number in sorted(numbers_in(source(c))):
            if number in output_numbers and number not in code_numbers and number not in settings:
                problems.append(f"cell {i}: {number} (print it from a code cell)")
        for number in known:
            if re.search(rf"(?<![\w.]){re.escape(number)}(?![\w.]|\d)", source(c)):
                problems.append(f"cell {i}: the computed number {number}")
    return problems


def worked_example_numbers_not_typed(nb) -> list[str]:
    return computed_numbers_not_typed(nb, WORKED_EXAMPLE_NUMBERS)


#: The settings the teachers' notebook states in its prose: number -> what it is. Its outputs show them
#: too (the templates it prints), but they are choices, not results.
TEACHERS_SETTINGS = {
    "1.5": "a worksheet template's default weights lie in [-1.5, 1.5]; a teacher changes it (with_values, --weights)",
}


def teachers_numbers_not_typed(nb) -> list[str]:
    """computed_numbers_not_typed, where the prose may state the worksheets' default settings."""
    return computed_numbers_not_typed(nb, settings=TEACHERS_SETTINGS)


# ----- randomness -------------------------------------------------------------------------------
def every_random_choice_seeded(nb) -> list[str]:
    problems = []
    seeded_global = False
    for k, cell in enumerate(code_cells(nb), start=1):
        src = source(cell)
        if re.search(r"np\.random\.seed\(\s*\d", src):
            seeded_global = True
        if re.search(r"default_rng\(\s*\)", src):
            problems.append(f"code cell {k}: default_rng() without a seed")
        for call in re.findall(r"Network\.random\([^)]*\)", src):
            if "seed=" not in call:
                problems.append(f"code cell {k}: {call} without seed=")
        if re.search(r"np\.random\.(rand|randn|randint|normal|uniform|choice|shuffle|permutation)\(", src) \
                and not seeded_global:
            problems.append(f"code cell {k}: numpy's global random functions without np.random.seed first")
        if re.search(r"^\s*import random\b|random\.random\(", src, re.M):
            problems.append(f"code cell {k}: Python's random module (use a seeded np.random.default_rng)")
    return problems


def seeds_fixed_at_the_top(nb) -> list[str]:
    """Every seed is a literal number or a constant (e.g. SEED = 0) set in the first two code cells."""
    code = [source(c) for c in code_cells(nb)]
    top = "\n".join(code[:2])
    constants = set(re.findall(r"^([A-Z_][A-Z0-9_]*)\s*=\s*\d+\s*(?:#.*)?$", top, re.M))
    problems = []
    for k, src in enumerate(code, start=1):
        for arg in re.findall(r"default_rng\(([^)]*)\)", src) + re.findall(r"\bseed=([^,)]+)", src):
            arg = arg.strip()
            names = set(re.findall(r"[A-Za-z_]\w*", arg))
            if re.fullmatch(r"[\d\s+*]+", arg) or (names and names <= constants | {"int", "e", "k", "s", "l", "i", "j"}):
                continue
            problems.append(f"code cell {k}: seed {arg!r} is neither a number nor a constant set at the top")
    return problems


# ----- exercises --------------------------------------------------------------------------------
_CHECKER = re.compile(r"\bcheck_\w+\(")
_IMPORTS_CHECKERS = re.compile(r"from bpnet(\.teach)? import .*\b(exercises|code_checks)\b|import bpnet\.(teach\.)?"
                               r"(exercises|code_checks)|from bpnet\.(teach\.)?(exercises|code_checks) import")
_NOT_ANSWERED = ("Not answered yet", "Not written yet")


def exercises_with_feedback(nb) -> list[str]:
    """An exercises section whose check cells call a checker of bpnet.teach.exercises or bpnet.teach.code_checks;
    run as stored, each shows that nothing was answered yet, never a verdict on an answer typed in advance."""
    cells = nb.cells
    heads = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
             and re.search(r"^#+ .*Exercise", source(c), re.M | re.I)]
    if not heads:
        return ["no exercises section (a heading containing 'Exercise')"]
    problems = []
    checks = [c for c in cells[heads[0]:] if c.cell_type == "code" and _CHECKER.search(source(c))
              and "solution" not in c.get("metadata", {}).get("tags", [])]
    if len(checks) < 2:
        problems.append("needs at least 2 check cells calling a bpnet.teach.exercises or code_checks checker")
    if not _IMPORTS_CHECKERS.search("\n".join(source(c) for c in code_cells(nb))):
        problems.append("exercises must use bpnet.teach.exercises or bpnet.teach.code_checks")
    for k, c in enumerate(checks, start=1):
        shown = "\n".join(t for kind, t in text_outputs(c) if kind in ("text/plain", "stdout"))
        if not any(word in shown for word in _NOT_ANSWERED):
            problems.append(f"check cell {k}: its stored output does not show an unanswered exercise: {shown[:100]!r}")
    return problems


def answers_computed_not_typed(nb) -> list[str]:
    """A checker is passed a computed answer, not a number copied from a solution."""
    problems = []
    for k, cell in enumerate(code_cells(nb), start=1):
        for call in re.findall(r"check_\w+\((.*)\)", source(cell)):
            literal = [a.strip() for a in call.split(",") if re.fullmatch(r"-?\d+\.\d{3,}", a.strip())]
            if literal:
                problems.append(f"code cell {k}: answer typed as a literal {literal}")
    return problems


def learner_writes_help_on_request(nb) -> list[str]:
    """Each exercise starts from ``answer = None`` or a signature and a docstring, never from a pre-typed attempt;
    its own check cell follows (``result = check_...``, then ``result``); hints and solutions are calls the learner
    makes (no cell asks for one, no output shows one); every right answer sits in a collapsed solution cell that
    prints nothing and asserts the checker accepts it, after all the exercises."""
    exercises, solutions = exercise_cells(nb), solution_cells(nb)
    problems = []
    if len(exercises) < 2:
        return ["at least two exercise cells starting from 'answer = None' or 'raise NotImplementedError'"]
    if len(solutions) != len(exercises):
        problems.append(f"{len(exercises)} exercises, {len(solutions)} solutions")
    for k, cell in enumerate(code_cells(nb), start=1):
        src = source(cell)
        if "# <- fix this line" in src or re.search(r"^attempt\s*=", src, re.M):
            problems.append(f"code cell {k}: a pre-typed attempt")
        if re.search(r"\.hint\(|\.solution\(|show_solution\s*=\s*True", src):
            problems.append(f"code cell {k}: asks for a hint or a solution; that is the learner's call to make")
        for _, text in text_outputs(cell):
            if re.search(r"Hint \d of \d|^Solution|\*\*Solution\*\*|^\**✗ |✗ Not yet", text, re.M):
                problems.append(f"code cell {k}: its output shows a hint, a solution or a verdict on a typed attempt")
                break
    for k, cell in enumerate(exercises, start=1):
        src = source(cell)
        if "def " in src and not re.search(r'def \w+\([^)]*\)[^:]*:\n\s+"""', src):
            problems.append(f"exercise {k}: a function to write starts from its signature and a docstring")
        check = check_cell_of(nb, cell)
        if not (_CHECKER.search(source(check)) and re.search(r"^result = ", source(check), re.M)
                and re.search(r"^result$", source(check), re.M)):
            problems.append(f"exercise {k}: the next code cell must check it: 'result = check_...(...)' then 'result'")
    section = "\n".join(source(c) for c in markdown_cells(nb))
    for phrase in re.findall(r"first\s+attempt|fix\s+this\s+line|[Tt]he\s+attempt\b", section):
        problems.append(f"the Markdown speaks of a pre-typed attempt: {phrase!r}")
    if "result.hint()" not in section or "result.solution()" not in section:
        problems.append("the exercises' introduction must say how to ask for a hint (result.hint()) and the solution")
    for k, cell in enumerate(solutions, start=1):
        if not _hidden(cell):
            problems.append(f"solution {k}: not collapsed (metadata jupyter.source_hidden/outputs_hidden)")
        # JupyterLab shows a cell's outputs again when it runs: a solution cell must print nothing, and
        # fail (an error nbval reports) if the checker stops accepting its right answer.
        if any(text.strip() for _, text in text_outputs(cell)):
            problems.append(f"solution {k}: prints something; Run All would show it")
        if not (_CHECKER.search(source(cell)) and re.search(r"^assert right\b", source(cell), re.M)):
            problems.append(f"solution {k}: must check its answer with a checker and assert it is right")
    if solutions and any(nb.cells.index(c) > nb.cells.index(solutions[0]) for c in exercises):
        problems.append("the solutions come after every exercise")
    return problems


_ANY_NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:e[-+−]?\d+)?")


def _sig4(x: float) -> str:
    return f"{float(x):.4g}"


def exercise_answers(nb) -> list:
    """The right value of each exercise, in the order of the exercises: what its solution cell hands the
    checker (``right.solution().value``), or None where the solution is code, not a number."""
    setup = compile(setup_code(nb), "setup", "exec")
    values = []
    for k, cell in enumerate(solution_cells(nb), start=1):
        namespace: dict = {}
        exec(setup, namespace)
        exec(compile(source(cell), f"solution cell {k}", "exec"), namespace)
        right = namespace.get("right")
        value = getattr(right, "solution", None) and right.solution()
        values.append(getattr(value, "value", None))
    return values


def _shows_value(text: str, value) -> bool:
    """Whether ``text`` shows ``value`` to 4 significant digits: every one of its numbers, for an array; a whole
    number only as the result of an '=' (so that '4 samples' does not count, 'δ(D0) = 4' does)."""
    import numpy as np

    wanted = {_sig4(v) for v in np.ravel(np.asarray(value, dtype=float))}
    found = set()
    for m in _ANY_NUMBER.finditer(text):
        if text[max(0, m.start() - 1):m.start()].isalnum() or text[m.start() - 1:m.start()] in ("_", "."):
            continue  # part of a name (Z2, x_1) or of a longer number
        number = float(m.group().replace("−", "-"))
        if number == round(number) and not re.search(r"=\s*\(?$", text[max(0, m.start() - 3):m.start()]):
            continue
        for sign in (1, -1):
            if _sig4(sign * number) in wanted and (sign == 1 or m.group()[0] in "-−"):
                found.add(_sig4(sign * number))
    return found == wanted


def no_answer_in_the_body(nb) -> list[str]:
    """No exercise's right value (to 4 significant digits) appears in the Markdown or a stored output of any cell
    before the exercise's own cell: the learner computes it, the notebook does not print it first."""
    problems = []
    exercises = exercise_cells(nb)
    for k, (cell, value) in enumerate(zip(exercises, exercise_answers(nb)), start=1):
        if value is None:
            continue
        for i, earlier in enumerate(nb.cells[:nb.cells.index(cell)]):
            texts = [source(earlier)] if earlier.cell_type == "markdown" else [t for _, t in text_outputs(earlier)]
            if any(_shows_value(t, value) for t in texts):
                shown = ", ".join(_sig4(v) for v in __import__("numpy").ravel(value))
                problems.append(f"exercise {k}: its answer {shown} already stands in cell {i}")
    return problems


def exercise_cells_stand_alone(nb) -> list[str]:
    """Each exercise cell with its check cell, and each solution cell, runs on its own after the setup cell and
    the imports (in any order)."""
    setup = compile(setup_code(nb), "setup", "exec")
    problems = []
    runs = [[c, check_cell_of(nb, c)] for c in exercise_cells(nb)] + [[c] for c in solution_cells(nb)]
    for k, cells in enumerate(runs, start=1):
        namespace: dict = {}
        exec(setup, namespace)
        try:
            for cell in cells:
                exec(compile(source(cell), f"exercise/solution cell {k}", "exec"), namespace)
        except NameError as e:
            problems.append(f"exercise/solution cell {k} needs a name from an earlier cell: {e}")
    return problems


def _run_exercises(nb, which=lambda src: True) -> list[dict]:
    """The namespace each exercise cell and its check cell (whose source ``which`` selects) leave, run after
    the setup."""
    setup = compile(setup_code(nb), "setup", "exec")
    spaces = []
    for k, cell in enumerate(exercise_cells(nb), start=1):
        src = source(cell) + "\n" + source(check_cell_of(nb, cell))
        if which(src):
            namespace: dict = {}
            exec(setup, namespace)
            exec(compile(src, f"exercise cell {k} and its check", "exec"), namespace)
            spaces.append(namespace)
    return spaces


def a_non_degenerate_network_where_it_matters(nb) -> list[str]:
    """Identity units and equal weights let a forgotten f'(z) or a swapped link give the right number: wherever a
    notebook asks for a delta, a gradient or an update, one such exercise uses a non-linear network whose weights
    differ, where those mistakes show."""
    import numpy as np

    import bpnet

    spaces = _run_exercises(nb, lambda src: re.search(r"\bcheck_(delta|gradient|update)\(", src))
    if not spaces:
        return []
    for namespace in spaces:
        for net in (v for v in namespace.values() if isinstance(v, bpnet.Network)):
            non_linear = any(getattr(a, "name", "") != "identity" for a in net.acts)
            if non_linear and len(np.unique(np.concatenate([W.ravel() for W in net.W]))) >= 2:
                return []
    return ["every delta/gradient/update exercise runs on an identity or equal-weight network"]


def every_mistake_told_apart(nb) -> list[str]:
    """Every cost, delta, gradient and update exercise runs on a network where each catalogued mistake gives a
    number of its own (bpnet.explain.mistakes.indistinguishable is empty), so "✓ correct" never hides a mistake. The one
    exception is an exercise on an all-identity network that the next exercise repeats, for the same kind of
    question, on a network that tells the mistakes apart (an a/b pair showing what the identity hides). On a single
    neuron (one weight and its bias) there is no other unit to take the derivative of and no other weight to swap in,
    so those two mistakes cannot be made there and are not counted."""
    import inspect

    from bpnet.teach import exercises
    from bpnet.explain import mistakes

    kinds = {"check_cost": "cost", "check_delta": "delta", "check_gradient": "gradient", "check_update": "update"}
    asked = []  # (kind, identity-only network?, indistinguishable keys)
    originals = {name: getattr(exercises, name) for name in kinds}

    def recorder(name):
        signature = inspect.signature(originals[name])

        def record(*args, **kwargs):
            b = signature.bind(*args, **kwargs)
            b.apply_defaults()
            p = b.arguments
            net, X, y = p["net"], p.get("X", p.get("x")), p["y"]
            where = {"cost": None, "delta": p.get("unit"), "gradient": p.get("weight_name"),
                     "update": p.get("weight_name")}
            question = (kinds[name], where[kinds[name]])
            same = mistakes.indistinguishable(net, X, y, question, p["loss"], p.get("rule", "gradient"), p.get("lr"))
            if [W.shape for W in net.W] == [(2, 1)]:
                same = tuple(key for key in same if key not in ("derivative_of_wrong_unit", "transposed"))
            identity = all(getattr(a, "name", "") == "identity" for a in net.acts)
            asked.append((kinds[name], identity, same))
            return originals[name](*args, **kwargs)

        return record

    try:
        for name in kinds:
            setattr(exercises, name, recorder(name))
        _run_exercises(nb)
    finally:
        for name, fn in originals.items():
            setattr(exercises, name, fn)
    problems = [] if any(kind == "cost" for kind, _, _ in asked) else ["no cost exercise found"]
    for i, (kind, identity, same) in enumerate(asked):
        if not same:
            continue
        paired = identity and i + 1 < len(asked) and asked[i + 1][0] == kind and not asked[i + 1][2]
        if not paired:
            problems.append(f"{kind} exercise {i + 1}: these mistakes give the right number: {same}")
    return problems


# ----- which rule holds where --------------------------------------------------------------------
def _numbered(*numbers: str):
    return lambda path: path.name[:2] in numbers


def _named(*names: str):
    return lambda path: path.name in names


def _everywhere(path) -> bool:
    return True


def _past_the_start(path) -> bool:
    """The learner's sequence from 01 on (not the teachers' notebook or the quiz)."""
    return path.name[:2].isdigit() and path.name[:2] != "00"


#: The notebooks whose exercises follow the write -> check -> hint on request -> solution format
#: (every notebook of the sequence from 01 on).
FORMATTED = _numbered("01", "02", "03", "04", "05", "06", "07", "08")
#: Those whose exercise cells build their networks themselves (08's load the learner's example file).
BUILD_THEIR_NETWORKS = _numbered("01", "02", "03", "04", "05", "06", "07")

#: rule -> which notebooks it concerns (a predicate on the path). "Everywhere" includes the teachers'
#: notebook and the quiz; the exercise rules concern the learner's sequence only (the quiz's questions
#: are the printed sheet's, checked by bpnet.teach.quiz.Quiz, with no attempt or solution cells).
RULES = {
    one_title: _everywhere,
    # The quiz is one short page of questions, read top to bottom: it has no sections to list.
    sections_for_a_table_of_contents: lambda path: path.name != "quiz.ipynb",
    markdown_before_code: _everywhere,
    no_empty_cells: _everywhere,
    speaks_of_the_project_only: _everywhere,
    no_marker_comments: _everywhere,
    public_names_only: _everywhere,
    nbval_tags_give_a_reason: _everywhere,
    outputs_stored_and_clean: _everywhere,
    figures_shown_titled_and_told: _everywhere,
    matplotlib_inline: _everywhere,
    figure_styling_in_helpers: _everywhere,
    no_clear_output_loops: _everywhere,
    timings_not_compared: _everywhere,
    one_meaning_per_symbol: _everywhere,
    computed_numbers_not_typed: lambda path: path.name != "teachers.ipynb",
    teachers_numbers_not_typed: _named("teachers.ipynb"),
    worked_example_numbers_not_typed: _named(*WORKED_EXAMPLE_READERS),
    every_random_choice_seeded: _everywhere,
    seeds_fixed_at_the_top: _everywhere,
    exercises_with_feedback: _past_the_start,
    answers_computed_not_typed: _past_the_start,
    learner_writes_help_on_request: FORMATTED,
    no_answer_in_the_body: FORMATTED,
    exercise_cells_stand_alone: FORMATTED,
    a_non_degenerate_network_where_it_matters: BUILD_THEIR_NETWORKS,
    every_mistake_told_apart: _numbered("03", "06"),
}
