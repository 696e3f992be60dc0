"""Content rules for every notebook in notebooks/ (generic: they hold for any notebook added later).

Structure: a title, headings a table of contents can use, a markdown cell before every code cell.
Stored outputs: executed, no errors or warnings on stderr, no figure or numpy-scalar reprs in text.
Numbers: a result that only a computation produces (it appears in a stored output) is not typed
into the prose. Randomness: every generator is seeded. Exercises: from 01 on, checked by bpnet.exercises.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


def _load(path):
    return nbformat.read(path, as_version=4)


def _src(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _markdown(nb):
    return [c for c in nb.cells if c.cell_type == "markdown"]


def _text_outputs(cell):
    """Every stored text of a code cell's outputs (streams and text/plain)."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            yield out.get("name"), "".join(out.get("text", ""))
        elif "data" in out:
            for mime in ("text/plain", "text/markdown", "text/html"):
                if mime in out["data"]:
                    text = out["data"][mime]
                    yield mime, "".join(text) if isinstance(text, list) else text


NBVAL_OFF_TAGS = ("nbval-ignore-output", "nbval-skip")


def _ignored(cell) -> bool:
    """True when nbval does not compare the cell: a marker comment or (preferred: learners do not see it) a tag."""
    src = _src(cell)
    tags = cell.get("metadata", {}).get("tags", [])
    return "NBVAL_IGNORE_OUTPUT" in src or "NBVAL_SKIP" in src or any(t in NBVAL_OFF_TAGS for t in tags)


pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")


# ----- structure -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_title_and_table_of_contents_headings(path):
    nb = _load(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and _src(first).lstrip().startswith("# "), \
        f"{path.name}: the first cell must be a markdown title ('# ...')"
    titles = [line for c in _markdown(nb) for line in _src(c).splitlines() if re.match(r"# \S", line)]
    assert len(titles) == 1, f"{path.name}: exactly one '# ' title, found {titles}"
    sections = [line for c in _markdown(nb) for line in _src(c).splitlines() if line.startswith("## ")]
    assert len(sections) >= 3, f"{path.name}: needs '## ' section headings for a table of contents, found {sections}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_markdown_cell_before_every_code_cell(path):
    nb = _load(path)
    bad = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (i == 0 or nb.cells[i - 1].cell_type != "markdown")]
    assert not bad, f"{path.name}: code cells {bad} are not preceded by a markdown cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_empty_cells(path):
    nb = _load(path)
    empty = [i for i, c in enumerate(nb.cells) if not _src(c).strip()]
    assert not empty, f"{path.name}: empty cells {empty}"


# ----- stored outputs --------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_are_stored_and_clean(path):
    nb = _load(path)
    problems = []
    for k, cell in enumerate(_code(nb), start=1):
        if cell.get("execution_count") != k:
            problems.append(f"code cell {k}: execution_count {cell.get('execution_count')} (run tools/nbrun.py)")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"code cell {k}: stored error {out.get('ename')}: {out.get('evalue')}")
        for kind, text in _text_outputs(cell):
            if kind == "stderr" and text.strip():
                problems.append(f"code cell {k}: writes to stderr: {text.strip()[:120]!r}")
            if "np.float64(" in text or "np.int64(" in text:
                problems.append(f"code cell {k}: numpy scalar repr in output (print formatted values)")
            if "Traceback" in text:
                problems.append(f"code cell {k}: a traceback in the output")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_plot_cells_end_with_show_and_figures_have_text(path):
    nb = _load(path)
    cells = _code(nb)
    problems = []
    for k, cell in enumerate(cells):
        src = _src(cell)
        has_png = any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        if "plt." in src and ("plt.subplots" in src or "plt.figure" in src or has_png):
            lines = [l for l in src.strip().splitlines() if l.strip() and not l.strip().startswith("#")]
            last = lines[-1].strip()
            if not (last == "plt.show()" or last.endswith(";") or any(l.strip() == "plt.show()" for l in lines)):
                problems.append(f"code cell {k + 1}: a plotting cell must call plt.show() (or end with ';')")
        for kind, text in _text_outputs(cell):
            if kind == "text/plain" and text.startswith("<Figure") and not has_png:
                problems.append(f"code cell {k + 1}: a '<Figure ...>' repr without the figure")
        if has_png:
            # A text equivalent: printed text in this cell or in the code cell just before or after.
            near = [cells[j] for j in (k - 1, k, k + 1) if 0 <= j < len(cells)]
            if not any(kind == "stdout" and text.strip() for c in near for kind, text in _text_outputs(c)):
                problems.append(f"code cell {k + 1}: a figure without a printed text equivalent next to it")
            if "plt." in src and not re.search(r"title|suptitle|plot_|draw_network", src):
                problems.append(f"code cell {k + 1}: a figure without a title")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_matplotlib_inline_when_plotting(path):
    nb = _load(path)
    src = "\n".join(_src(c) for c in _code(nb))
    if "matplotlib" in src:
        assert "%matplotlib inline" in src, f"{path.name}: plots need '%matplotlib inline'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_clear_output_loops_or_prints_into_widget_outputs(path):
    nb = _load(path)
    for k, cell in enumerate(_code(nb), start=1):
        src = _src(cell)
        assert "clear_output(wait=True)" not in src, f"{path.name} code cell {k}: clear_output(wait=True)"
        assert not re.search(r"with \w+:\s*\n\s+print\(", src), \
            f"{path.name} code cell {k}: 'with out: print(...)' (use out.append_stdout)"


# ----- numbers in prose -------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![\w.^{])-?\d+\.\d+(?![\w.])")


def _numbers(text):
    return {m.group().lstrip("-") for m in _NUMBER.finditer(text)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_computed_numbers_are_not_typed_into_prose(path):
    """A decimal number that a code cell prints but no code cell types is a result: it must not be in the prose."""
    nb = _load(path)
    code_numbers = set()
    for c in _code(nb):
        code_numbers |= _numbers(_src(c))
    output_numbers = set()
    for c in _code(nb):
        if _ignored(c):
            continue
        for kind, text in _text_outputs(c):
            output_numbers |= _numbers(text)
    typed = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "markdown":
            continue
        for number in _numbers(_src(c)):
            if number in output_numbers and number not in code_numbers:
                typed.append(f"cell {i}: {number}")
    assert not typed, (f"{path.name}: numbers typed into markdown that only a computation produces; print them "
                       "from a code cell instead:\n" + "\n".join(typed))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_timing_cells_are_ignored_by_nbval(path):
    """Wall-clock timings differ from run to run: a cell that measures time must not be compared."""
    nb = _load(path)
    for k, cell in enumerate(_code(nb), start=1):
        src = _src(cell)
        if re.search(r"perf_counter\(\)|time\.time\(\)|%timeit|%%time|timeit\.", src) and re.search(r"print\(", src):
            assert _ignored(cell), f"{path.name} code cell {k}: prints timings but is compared by nbval"


# ----- randomness -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_random_choice_is_seeded(path):
    nb = _load(path)
    problems = []
    seeded_global = False
    for k, cell in enumerate(_code(nb), start=1):
        src = _src(cell)
        if re.search(r"np\.random\.seed\(\s*\d", src):
            seeded_global = True
        if re.search(r"default_rng\(\s*\)", src):
            problems.append(f"code cell {k}: default_rng() without a seed")
        for call in re.findall(r"Network\.random\([^)]*\)", src):
            if "seed=" not in call:
                problems.append(f"code cell {k}: {call} without seed=")
        if re.search(r"np\.random\.(rand|randn|randint|normal|uniform|choice|shuffle|permutation)\(", src) and not seeded_global:
            problems.append(f"code cell {k}: numpy's global random functions without np.random.seed first")
        if re.search(r"^\s*import random\b|random\.random\(", src, re.M):
            problems.append(f"code cell {k}: Python's random module (use a seeded np.random.default_rng)")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_seeds_are_fixed_at_the_top(path):
    """Every seed is a literal number or a constant (e.g. SEED = 0) set in the first two code cells."""
    nb = _load(path)
    code = [_src(c) for c in _code(nb)]
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
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


# ----- exercises --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] != "00"],
                         ids=[p.name for p in NOTEBOOKS if p.name[:2] != "00"])
def test_exercises_with_automatic_feedback(path):
    nb = _load(path)
    cells = nb.cells
    heads = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
             and re.search(r"^#+ .*Exercise", _src(c), re.M | re.I)]
    assert heads, f"{path.name}: no exercises section (a heading containing 'Exercise')"
    after = [c for c in cells[heads[0]:] if c.cell_type == "code"]
    checks = [c for c in after if re.search(r"\bcheck_\w+\(", _src(c))]
    assert len(checks) >= 2, f"{path.name}: needs at least 2 exercise cells calling a bpnet.exercises checker"
    src_all = "\n".join(_src(c) for c in _code(nb))
    assert re.search(r"from bpnet import .*\bexercises\b|import bpnet\.exercises|from bpnet\.exercises import", src_all), \
        f"{path.name}: exercises must use bpnet.exercises"
    shown = [text for c in checks for kind, text in _text_outputs(c) if kind == "text/plain"]
    asserted = [c for c in checks if re.search(r"^assert right\b", _src(c), re.M)]
    assert any(t.startswith("✓ Correct") for t in shown) or asserted, \
        f"{path.name}: no exercise output shows a correct answer, and no solution cell asserts one"
    assert any(t.startswith("✗ Not yet") and "Hint" in t for t in shown), \
        f"{path.name}: no exercise output shows the feedback on a wrong answer"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] != "00"],
                         ids=[p.name for p in NOTEBOOKS if p.name[:2] != "00"])
def test_exercise_answers_are_computed_not_typed(path):
    """An exercise that shows 'Correct' passes a computed answer, not a number copied from a solution."""
    nb = _load(path)
    for k, cell in enumerate(_code(nb), start=1):
        src = _src(cell)
        for call in re.findall(r"check_\w+\((.*)\)", src):
            args = [a.strip() for a in call.split(",")]
            literal = [a for a in args if re.fullmatch(r"-?\d+\.\d{3,}", a)]
            assert not literal, f"{path.name} code cell {k}: answer typed as a literal {literal}"


# ----- the project speaks of itself -------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_prose_speaks_of_the_project_only(path):
    nb = _load(path)
    text = "\n".join(_src(c) for c in nb.cells)
    for pattern in (r"\bAI\b", r"\bLLM\b", r"\bagents?\b", r"\bissue #\d", r"\bTODO\b", r"\bFIXME\b"):
        assert not re.search(pattern, text), f"{path.name}: contains {pattern!r}"


# ----- exercise format: attempt -> check -> hint -> solution on request ----------------------------
# The notebooks whose exercises follow this format (04 and 08 have their own owners and formats).
FORMATTED = [p for p in NOTEBOOKS if p.name[:2] in ("01", "02", "03", "05", "06", "07")]


def _hidden(cell) -> bool:
    jupyter = cell.get("metadata", {}).get("jupyter", {})
    return bool(jupyter.get("source_hidden")) and bool(jupyter.get("outputs_hidden"))


@pytest.mark.parametrize("path", FORMATTED, ids=[p.name for p in FORMATTED])
def test_exercises_attempt_check_hint_and_solutions_only_on_request(path):
    """Each exercise cell shows a diagnosed wrong attempt; every correct answer sits in a collapsed solution
    cell, so Run All shows no answer until a learner opens one on purpose."""
    nb = _load(path)
    code = _code(nb)
    exercises_ = [c for c in code if "# <- fix this line" in _src(c)]
    solutions = [c for c in code if "solution" in c.get("metadata", {}).get("tags", [])]
    assert len(exercises_) >= 2, f"{path.name}: at least two exercise cells marked '# <- fix this line'"
    assert len(solutions) == len(exercises_), f"{path.name}: {len(exercises_)} exercises, {len(solutions)} solutions"
    problems = []
    for k, cell in enumerate(exercises_, start=1):
        text = "\n".join(t for kind, t in _text_outputs(cell) if kind == "text/plain")
        if not (text.startswith("✗") and "Hint" in text):
            problems.append(f"exercise {k}: the attempt is not shown as a diagnosed wrong answer: {text[:120]!r}")
        if not re.search(r"^result$", _src(cell), re.M):
            problems.append(f"exercise {k}: keep the check in 'result' so result.solution() works")
    for k, cell in enumerate(solutions, start=1):
        if not _hidden(cell):
            problems.append(f"solution {k}: not collapsed (metadata jupyter.source_hidden/outputs_hidden)")
        # JupyterLab shows a cell's outputs again when it runs: a solution cell must print nothing, and
        # fail (an error nbval reports) if the checker stops accepting its right answer.
        if any(text.strip() for _, text in _text_outputs(cell)):
            problems.append(f"solution {k}: prints something; Run All would show it")
        if not (re.search(r"\bcheck_\w+\(", _src(cell)) and re.search(r"^assert right\b", _src(cell), re.M)):
            problems.append(f"solution {k}: must check its answer with a checker and assert it is right")
    for k, cell in enumerate(code, start=1):
        if cell in solutions:
            continue
        for kind, text in _text_outputs(cell):
            if "✓ Correct" in text:
                problems.append(f"code cell {k}: a visible cell shows a correct answer after Run All")
    first_solution = nb.cells.index(solutions[0])
    if any(nb.cells.index(c) > first_solution for c in exercises_):
        problems.append("the solutions come after every exercise")
    specific = [c for c in exercises_ if not re.search(r"general|matches none of the mistakes",
                                                      "".join(t for _, t in _text_outputs(c)).split("\n")[1][:80])]
    if len(specific) < 2:
        problems.append("most first attempts should make a catalogued mistake, not a random one")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", FORMATTED, ids=[p.name for p in FORMATTED])
def test_exercise_cells_stand_alone(path):
    """Each exercise and solution cell runs on its own in a fresh namespace after the imports (cells in any order)."""
    nb = _load(path)
    code = _code(nb)
    setup = _src(code[0]).replace("%matplotlib inline", "")
    cells = [c for c in code if "# <- fix this line" in _src(c)
             or "solution" in c.get("metadata", {}).get("tags", [])]
    only_imports = re.compile(r"^(\s*((from \S+ )?import .*)?\s*\n?)+$")
    imports = "\n".join(_src(c) for c in code if only_imports.match(_src(c)) and c is not code[0])
    for k, cell in enumerate(cells, start=1):
        namespace: dict = {}
        exec(compile(setup + "\n" + imports, f"{path.name}-setup", "exec"), namespace)
        allowed_data = {name: namespace[name] for name in list(namespace)}
        try:
            exec(compile(_src(cell), f"{path.name}-cell-{k}", "exec"), dict(allowed_data))
        except NameError as e:
            pytest.fail(f"{path.name}: exercise/solution cell {k} needs a name from an earlier cell: {e}")


@pytest.mark.parametrize("path", FORMATTED, ids=[p.name for p in FORMATTED])
def test_no_nbval_marker_comments_visible_to_learners(path):
    nb = _load(path)
    bad = [i for i, c in enumerate(nb.cells) if re.search(r"#\s*NBVAL_", _src(c))]
    assert not bad, f"{path.name}: cells {bad} carry '# NBVAL_...' comments; use a tag and a 'nbval-reason' in metadata"


# ----- 00's controls table is the step-through's controls ------------------------------------------
def test_start_here_controls_table_names_every_control_of_the_step_through():
    """Every button label, the pause label and both rule choices appear in bold in 00's table, and the
    table names no control the widget does not have."""
    widgets = pytest.importorskip("bpnet.widgets")
    nb = _load(NOTEBOOKS_DIR / "00_start_here.ipynb")
    cell = next(_src(c) for c in _markdown(nb) if "| control | what it does |" in _src(c))
    table = "\n".join(line for line in cell.splitlines() if line.startswith("|"))
    view = widgets.StepThrough.from_example(rule="gradient")
    labels = [b.description for b in (view.start_button, view.back_button, view.forward_button, view.end_button,
                                      view.next_phase_button, view.play_button)]
    labels += [widgets.PAUSE[0], view.speed.description, view.slider.description]
    labels += [label for label, _ in view.rule_toggle.options]
    missing = [label for label in labels if f"**{label}**" not in table]
    assert not missing, f"00's controls table does not name {missing}"
    named = set(re.findall(r"\*\*([^*]+)\*\*", table))
    unknown = named - set(labels)
    assert not unknown, f"00's controls table names controls the step-through does not have: {sorted(unknown)}"


# ----- the notebooks' figure helpers: readable at a notebook's width -------------------------------
def _helper_figures():
    """Each multi-panel figure helper of bpnet.plots, drawn with small real data."""
    import numpy as np
    import bpnet
    from bpnet import plots

    X, y = bpnet.XOR_X, bpnet.XOR_Y
    net = bpnet.Network.random([2, 3, 1], activations=["tanh", "sigmoid"], seed=0)
    nets = {}
    for e in (0, 50, 100, 150):
        nets[f"after {e} epochs"] = net.copy()
        net.train(X, y, epochs=50, lr=0.5)
    costs = {"slow (lr 0.02)": np.geomspace(1, 0.5, 26), "fast (lr 0.9)": np.geomspace(1, 0.02, 26)}
    paths = {k: np.column_stack([np.linspace(0, 2, 26), np.linspace(0, 1, 26)]) for k in costs}
    ws, bs = np.meshgrid(np.linspace(-1, 5, 30), np.linspace(-2, 4, 30))
    J = (ws - 2) ** 2 + (bs - 1) ** 2 + 0.02
    g1, g2 = np.meshgrid(np.linspace(-4.5, 1.5, 30), np.linspace(-1.3, 1.3, 30))
    layers = {"tanh layers": {"init normal": np.geomspace(1, 60, 20), "init xavier": np.geomspace(1, 0.02, 20)},
              "relu layers": {"init normal": np.geomspace(1, 1e30, 20), "init he": np.ones(20)}}
    return {
        "plot_activation_grid": lambda: plots.plot_activation_grid(["identity", "sigmoid", "tanh", "relu", "leaky_relu"]),
        "plot_descent_paths": lambda: plots.plot_descent_paths(costs, paths, (ws, bs, J), best=(2, 1)),
        "plot_schedules": lambda: plots.plot_schedules(np.arange(26), {"step": np.full(26, 0.5)}, costs, 0.01),
        "plot_cost_curves": lambda: plots.plot_cost_curves(costs, title="Two runs", marks={"target": 0.05}),
        "plot_boundary_grid": lambda: plots.plot_boundary_grid(nets, X, y, title="While it learns"),
        "plot_optimizer_paths": lambda: plots.plot_optimizer_paths(paths, costs, (g1, g2, g1 ** 2 + 50 * g2 ** 2)),
        "plot_per_layer": lambda: plots.plot_per_layer(layers, "layer", "variance", "Across depth", sharey=False),
    }


@pytest.mark.parametrize("name", list(_helper_figures()))
def test_notebook_figure_helpers_fit_the_page_with_readable_non_overlapping_text(name):
    """At most 8 inches (800 px) wide, so the notebook never shrinks it; no text below 9 pt (12.5 px); no two
    texts (titles, labels, tick labels, legends) drawn over each other."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = _helper_figures()[name]()
    try:
        assert fig.get_figwidth() <= 8.0, f"{name}: {fig.get_figwidth()} in wide"
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        # Tick labels exist for ticks outside the axes' limits too; only those _update_ticks returns are drawn.
        tick_labels, drawn = set(), []
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                    tick_labels |= {tick.label1, tick.label2}
                drawn += [lab for tick in axis._update_ticks() for lab in (tick.label1, tick.label2) if lab.get_visible()]
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t not in tick_labels] + drawn
        texts = [t for t in texts if t.get_visible() and t.get_text().strip()]
        small = sorted({(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 9})
        assert not small, f"{name}: text below 9 pt: {small[:5]}"
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        clashes = [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
                   if ba.width > 0 and bb.width > 0 and ba.overlaps(bb)
                   and ba.intersection(ba, bb).width > 1 and ba.intersection(ba, bb).height > 1]
        assert not clashes, f"{name}: overlapping texts: {clashes[:5]}"
    finally:
        plt.close(fig)


@pytest.mark.parametrize("path", FORMATTED, ids=[p.name for p in FORMATTED])
def test_delta_gradient_and_update_exercises_include_a_non_degenerate_network(path):
    """Identity units and equal weights let a forgotten f'(z) or a swapped link give the right number: wherever a
    notebook asks for a delta, a gradient or an update, one such exercise uses a non-linear network whose weights
    differ, where those mistakes show."""
    import numpy as np
    import bpnet

    nb = _load(path)
    code = _code(nb)
    setup = _src(code[0]).replace("%matplotlib inline", "")
    only_imports = re.compile(r"^(\s*((from \S+ )?import .*)?\s*\n?)+$")
    imports = "\n".join(_src(c) for c in code if only_imports.match(_src(c)) and c is not code[0])
    asking = [c for c in code if "# <- fix this line" in _src(c)
              and re.search(r"\bcheck_(delta|gradient|update)\(", _src(c))]
    if not asking:
        pytest.skip(f"{path.name} asks for no delta, gradient or update")
    good = 0
    for cell in asking:
        namespace: dict = {}
        exec(compile(setup + "\n" + imports + "\n" + _src(cell), path.name, "exec"), namespace)
        nets = [v for v in namespace.values() if isinstance(v, bpnet.Network)]
        for net in nets:
            non_linear = any(getattr(a, "name", "") != "identity" for a in net.acts)
            weights = np.concatenate([W.ravel() for W in net.W])
            if non_linear and len(np.unique(weights)) >= 2:
                good += 1
                break
    assert good, f"{path.name}: every delta/gradient/update exercise runs on an identity or equal-weight network"


_ASKED_NOTEBOOKS = [p for p in NOTEBOOKS if p.name[:2] in ("03", "06")]


@pytest.mark.parametrize("path", _ASKED_NOTEBOOKS, ids=[p.name for p in _ASKED_NOTEBOOKS])
def test_cost_delta_gradient_and_update_exercises_tell_every_mistake_apart(path):
    """Every cost, delta, gradient and update exercise runs on a network where each catalogued mistake gives a
    number of its own (bpnet.mistakes.indistinguishable is empty), so "✓ correct" never hides a mistake. The one
    exception is an exercise on an all-identity network that the next exercise repeats, for the same kind of
    question, on a network that tells the mistakes apart (an a/b pair showing what the identity hides). On a single
    neuron (one weight and its bias) there is no other unit to take the derivative of and no other weight to swap in,
    so those two mistakes cannot be made there and are not counted."""
    import inspect

    import bpnet
    from bpnet import exercises, mistakes

    nb = _load(path)
    code = _code(nb)
    setup = _src(code[0]).replace("%matplotlib inline", "")
    only_imports = re.compile(r"^(\s*((from \S+ )?import .*)?\s*\n?)+$")
    imports = "\n".join(_src(c) for c in code if only_imports.match(_src(c)) and c is not code[0])
    kinds = {"check_cost": "cost", "check_delta": "delta", "check_gradient": "gradient", "check_update": "update"}
    asked = []  # (cell number, kind, identity-only network?, indistinguishable keys)
    originals = {name: getattr(exercises, name) for name in kinds}

    def recorder(name):
        signature = inspect.signature(originals[name])

        def record(*args, **kwargs):
            b = signature.bind(*args, **kwargs)
            b.apply_defaults()
            p = b.arguments
            net, X, y = p["net"], p.get("X", p.get("x")), p["y"]
            where = {"cost": None, "delta": p.get("unit"), "gradient": p.get("weight_name"), "update": p.get("weight_name")}
            question = (kinds[name], where[kinds[name]])
            rule, lr = p.get("rule", "gradient"), p.get("lr")
            same = mistakes.indistinguishable(net, X, y, question, p["loss"], rule, lr)
            if [W.shape for W in net.W] == [(2, 1)]:
                same = tuple(key for key in same if key not in ("derivative_of_wrong_unit", "transposed"))
            identity = all(getattr(a, "name", "") == "identity" for a in net.acts)
            asked.append((kinds[name], identity, same))
            return originals[name](*args, **kwargs)

        return record

    cells = [c for c in code if "# <- fix this line" in _src(c)]
    try:
        for name in kinds:
            setattr(exercises, name, recorder(name))
        for k, cell in enumerate(cells, start=1):
            namespace: dict = {}
            exec(compile(setup + "\n" + imports + "\n" + _src(cell), f"{path.name}-exercise-{k}", "exec"), namespace)
    finally:
        for name, fn in originals.items():
            setattr(exercises, name, fn)
    assert any(kind == "cost" for kind, _, _ in asked), f"{path.name}: no cost exercise found"
    problems = []
    for i, (kind, identity, same) in enumerate(asked):
        if not same:
            continue
        paired = identity and i + 1 < len(asked) and asked[i + 1][0] == kind and not asked[i + 1][2]
        if not paired:
            problems.append(f"{kind} exercise {i + 1}: these mistakes give the right number: {same}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
