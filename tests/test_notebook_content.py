"""Content rules for every notebook in notebooks/ (generic: they hold for any notebook added later),
the learner's sequence, the teachers' notebook and the quiz alike, where a rule concerns them.

Each rule is written once, in ``tests/notebook_rules.py``; this file applies every rule to every
notebook it concerns, and shows that each rule can fail: it breaks a copy of a notebook the way
the rule forbids and checks that the rule names the problem.

Structure: a title, headings a table of contents can use, a markdown cell before every code cell,
nbval switched off only by a tag with a reason.
Stored outputs: executed, no errors or warnings on stderr, no figure or numpy-scalar reprs in text.
Numbers: a result that only a computation produces (it appears in a stored output) is not typed
into the prose. Randomness: every generator is seeded. Exercises: from 01 on, checked by bpnet.teach.exercises.
"""

from __future__ import annotations

import copy
import re

import pytest

nbformat = pytest.importorskip("nbformat")

from notebook_rules import (  # noqa: E402  (after the skip: the rules read notebooks with nbformat)
    ALL_NOTEBOOKS, NOTEBOOKS, NOTEBOOKS_DIR, RULES, code_cells, exercise_cells, load, markdown_cells,
    solution_cells, source, text_outputs,
)
import notebook_rules as rules  # noqa: E402

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")

CASES = [(rule, path) for rule, concerns in RULES.items() for path in ALL_NOTEBOOKS if concerns(path)]


@pytest.mark.parametrize("rule,path", CASES, ids=[f"{rule.__name__}-{path.name}" for rule, path in CASES])
def test_notebook_keeps_the_rule(rule, path):
    problems = rule(load(path))
    assert not problems, f"{path.name} breaks {rule.__name__} ({rule.__doc__ or ''}):\n" + "\n".join(problems)


# ----- every rule can fail: a copy broken the way the rule forbids ---------------------------------
def _append_code(nb, src):
    nb.cells.append(nbformat.v4.new_markdown_cell("A cell added to break a rule."))
    nb.cells.append(nbformat.v4.new_code_cell(src))


def _append_markdown(nb, text):
    nb.cells.append(nbformat.v4.new_markdown_cell(text))


def _set_source(cell, src):
    cell.source = src


def _untitled(nb):
    _set_source(nb.cells[0], source(nb.cells[0]).replace("# ", "", 1))


def _code_after_code(nb):
    first = nb.cells.index(code_cells(nb)[0])
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell("x = 1"))


def _no_show(nb):
    cell = next(c for c in code_cells(nb) if any("image/png" in o.get("data", {}) for o in c.outputs))
    _set_source(cell, "\n".join(line for line in source(cell).splitlines() if line.strip() != "plt.show()") + "\nx = 1")


def _no_inline(nb):
    for c in code_cells(nb):
        _set_source(c, source(c).replace("%matplotlib inline", ""))


def _typed_result(nb):
    code = set().union(*(rules.numbers_in(source(c)) for c in code_cells(nb)))
    shown = {n for c in code_cells(nb) if rules.cell_compared_by_nbval(c)
             for _, text in text_outputs(c) for n in rules.numbers_in(text)}
    _append_markdown(nb, f"The result is {sorted(shown - code - set(rules.TEACHERS_SETTINGS))[0]} here")


def _second_title(nb):
    _append_markdown(nb, "# Another title")


def _no_sections(nb):
    for c in markdown_cells(nb):
        _set_source(c, source(c).replace("## ", "### "))


def _ignored_without_a_reason(nb):
    cell = code_cells(nb)[1]
    cell.metadata["tags"] = ["nbval-ignore-output"]
    cell.metadata.pop("nbval-reason", None)


def _unnumbered_count(nb):
    code_cells(nb)[0].execution_count = None


def _no_exercise_heading(nb):
    for c in markdown_cells(nb):
        _set_source(c, re.sub("exercise", "practice", source(c), flags=re.I))


def _shown_solution(nb):
    solution_cells(nb)[0].metadata["jupyter"] = {}


def _answer_printed_first(nb):
    """The body prints the last exercise's right answer (to 4 significant digits) before the exercise."""
    value = [v for v in rules.exercise_answers(nb) if v is not None][-1]
    first = nb.cells.index(exercise_cells(nb)[0])
    nb.cells.insert(first - 1, nbformat.v4.new_markdown_cell(f"By the way, the gradient comes out at {value:.6g}."))


def _needs_an_earlier_name(nb):
    cell = exercise_cells(nb)[0]
    _set_source(cell, "_ = a_name_from_an_earlier_cell\n" + source(cell))


def _marker_comment(nb):
    cell = code_cells(nb)[1]
    _set_source(cell, "# NBVAL_IGNORE_OUTPUT\n" + source(cell))


def _identity_networks(nb):
    for cell in exercise_cells(nb):
        _set_source(cell, source(cell) + "\nfor _k, _v in list(globals().items()):\n    if isinstance(_v, bpnet.Network):\n"
                    "        globals()[_k] = bpnet.Network([_w * 0 + 1 for _w in _v.W], activations='identity')\n")


def _identity_where_a_sigmoid_tells_mistakes_apart(nb):
    # The identity network's update exercise is paired with the same question on a sigmoid neuron,
    # where the mistakes the identity hides show; on an identity neuron they stay hidden.
    for cell in exercise_cells(nb):
        _set_source(cell, source(cell).replace('activations="sigmoid"', 'activations="identity"'))


#: rule -> (the notebook to break, how)
BREAKERS = {
    rules.one_title: ("01", _untitled),
    rules.sections_for_a_table_of_contents: ("01", _no_sections),
    rules.nbval_tags_give_a_reason: ("02", _ignored_without_a_reason),
    rules.markdown_before_code: ("01", _code_after_code),
    rules.no_empty_cells: ("01", lambda nb: _append_markdown(nb, "")),
    rules.speaks_of_the_project_only: ("01", lambda nb: _append_markdown(nb, "TODO: say more here.")),
    rules.public_names_only: ("01", lambda nb: _append_code(nb, "from bpnet import exercises\nexercises._vec([1, 2])")),
    rules.outputs_stored_and_clean: ("01", _unnumbered_count),
    rules.figures_shown_titled_and_told: ("01", _no_show),
    rules.matplotlib_inline: ("01", _no_inline),
    rules.figure_styling_in_helpers: ("06", lambda nb: _append_code(nb, "fig, ax = plt.subplots()\nax.plot(costs)\n"
        "ax.set_title('Cost')\nax.set_xlabel('epoch')\nax.set_ylabel('J')\nax.grid(True)\nplt.show()")),
    rules.no_clear_output_loops: ("01", lambda nb: _append_code(nb, "out.clear_output(wait=True)")),
    rules.one_meaning_per_symbol: ("04", lambda nb: _append_markdown(nb, "The output delta: δ[L] = ∂L/∂a[L] ⊙ f'(z[L]).")),
    rules.timings_not_compared: ("01", lambda nb: _append_code(nb, "t0 = time.perf_counter()\nprint(time.perf_counter() - t0)")),
    rules.computed_numbers_not_typed: ("06", _typed_result),
    rules.teachers_numbers_not_typed: ("teachers", _typed_result),
    rules.worked_example_numbers_not_typed: ("05", lambda nb: _append_markdown(nb, "The weight becomes -4 here.")),
    rules.every_random_choice_seeded: ("01", lambda nb: _append_code(nb, "rng = np.random.default_rng()")),
    rules.seeds_fixed_at_the_top: ("01", lambda nb: _append_code(nb, "rng = np.random.default_rng(my_seed)")),
    rules.exercises_with_feedback: ("02", _no_exercise_heading),
    rules.no_answer_in_the_body: ("04", _answer_printed_first),
    rules.answers_computed_not_typed: ("02", lambda nb: _append_code(nb, "check_delta(net, x, y, 'Z1', 0.123456)")),
    rules.learner_writes_help_on_request: ("02", _shown_solution),
    rules.exercise_cells_stand_alone: ("02", _needs_an_earlier_name),
    rules.no_marker_comments: ("02", _marker_comment),
    rules.a_non_degenerate_network_where_it_matters: ("03", _identity_networks),
    rules.every_mistake_told_apart: ("03", _identity_where_a_sigmoid_tells_mistakes_apart),
}


def test_every_rule_has_a_way_to_break_it():
    assert set(BREAKERS) == set(RULES)


@pytest.mark.parametrize("rule", list(BREAKERS), ids=[rule.__name__ for rule in BREAKERS])
def test_each_rule_catches_a_notebook_that_breaks_it(rule):
    number, breaks = BREAKERS[rule]
    path = next(p for p in ALL_NOTEBOOKS if p.name.startswith(number))
    assert RULES[rule](path), f"{rule.__name__} does not concern {path.name}"
    nb = copy.deepcopy(load(path))
    assert not rule(nb), f"{path.name} breaks {rule.__name__} already"
    breaks(nb)
    assert rule(nb), f"{rule.__name__} misses a copy of {path.name} broken by {breaks.__name__}"


def _copy(number):
    return copy.deepcopy(load(next(p for p in ALL_NOTEBOOKS if p.name.startswith(number))))


def test_a_pre_typed_attempt_or_a_hint_asked_in_advance_is_caught():
    """The old shape (a wrong attempt typed in and run, its verdict stored) and a cell that asks for a hint or the
    solution before the learner does: each is named."""
    nb = _copy("03")
    cell = exercise_cells(nb)[0]
    assert not rules.learner_writes_help_on_request(nb)
    _set_source(cell, source(cell).replace("answer = None", "attempt = 0.5   # <- fix this line\nanswer = attempt"))
    assert any("pre-typed attempt" in p for p in rules.learner_writes_help_on_request(nb))
    nb = _copy("03")
    check = rules.check_cell_of(nb, exercise_cells(nb)[1])
    _set_source(check, source(check) + "\nresult.hint()")
    assert any("asks for a hint" in p for p in rules.learner_writes_help_on_request(nb))
    nb = _copy("06")
    question = next(c for c in markdown_cells(nb) if source(c).startswith("### Exercise 1"))
    _set_source(question, source(question) + " The first attempt forgets the 1/2.")
    assert any("pre-typed attempt" in p for p in rules.learner_writes_help_on_request(nb))
    nb = _copy("03")
    for c in markdown_cells(nb):
        _set_source(c, source(c).replace("result.hint()", "the hints"))
    assert any("how to ask for a hint" in p for p in rules.learner_writes_help_on_request(nb))


def test_a_check_cell_stored_with_a_verdict_is_caught():
    """Stored as run: the check of an unanswered exercise says so; a stored '✗ Not yet' means an answer was typed in."""
    nb = _copy("05")
    check = rules.check_cell_of(nb, exercise_cells(nb)[0])
    for out in check.outputs:
        if "text/plain" in out.get("data", {}):
            out["data"]["text/plain"] = "✗ Not yet: δ(D0) is not -4 (x = (1, 1), y = 0)."
            out["data"].pop("text/markdown", None)
    assert any("does not show an unanswered exercise" in p for p in rules.exercises_with_feedback(nb))
    assert any("verdict on a typed attempt" in p for p in rules.learner_writes_help_on_request(nb))


def test_an_answer_in_the_body_is_found_in_outputs_too_and_whole_numbers_only_as_results():
    """05's first exercise asks for δ(D0) = 10: an output 'δ(D0) = 10' before it gives it away, '10 epochs' does not;
    a decimal answer counts to 4 significant digits, in any output."""
    nb = _copy("05")
    value = rules.exercise_answers(nb)[0]
    assert value == 10.0  # (1, 1): every unit of the all-ones identity network gives 3, and D0 = 1 + 3*3
    first = nb.cells.index(exercise_cells(nb)[0])
    code = next(c for c in nb.cells[:first] if c.cell_type == "code" and c.outputs
                and any(o.get("output_type") == "stream" for o in c.outputs))
    stream = next(o for o in code.outputs if o.get("output_type") == "stream")
    stream["text"] = "trained for 10 epochs\n"
    assert not rules.no_answer_in_the_body(nb)
    stream["text"] = "δ(D0) = 10\n"
    assert rules.no_answer_in_the_body(nb) == [f"exercise 1: its answer 10 already stands in cell {nb.cells.index(code)}"]
    nb = _copy("04")
    value = [v for v in rules.exercise_answers(nb) if v is not None][-1]
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(f"A number: {float(f'{value:.4g}')}."))
    assert rules.no_answer_in_the_body(nb)
    nb.cells[1].source = f"A number: {float(f'{value:.3g}')}."
    assert not rules.no_answer_in_the_body(nb)


def test_one_title_catches_a_second_title_too():
    nb = copy.deepcopy(load(NOTEBOOKS_DIR / "quiz.ipynb"))
    _second_title(nb)
    assert rules.one_title(nb) == ["exactly one '# ' title, found ['# Backpropagation quiz', '# Another title']"]


def test_an_nbval_reason_that_says_nothing_is_no_reason():
    """A tagged cell whose 'nbval-reason' is blank or a word is caught; a one-line reason passes."""
    path = NOTEBOOKS_DIR / "02_forward_pass.ipynb"
    nb = copy.deepcopy(load(path))
    index = nb.cells.index(code_cells(nb)[1])
    for reason, caught in [("", True), ("timing", True), ("timings vary from run to run", False)]:
        _ignored_without_a_reason(nb)
        nb.cells[index].metadata["nbval-reason"] = reason
        assert bool(rules.nbval_tags_give_a_reason(nb)) == caught, reason
        if caught:
            assert rules.nbval_tags_give_a_reason(nb) == [
                f"cell {index}: nbval tags ['nbval-ignore-output'] need a one-line reason in the cell metadata "
                "'nbval-reason'"]


def test_a_marker_comment_nbval_reads_is_caught_in_any_spelling():
    nb = copy.deepcopy(load(NOTEBOOKS_DIR / "quiz.ipynb"))
    cell = code_cells(nb)[1]
    _set_source(cell, "## PYTEST_VALIDATE_IGNORE_OUTPUT\n" + source(cell))
    assert rules.no_marker_comments(nb), "nbval reads '## PYTEST_VALIDATE_IGNORE_OUTPUT' as a marker"


def test_the_settings_teachers_may_type_are_the_worksheets_defaults():
    """The one decimal the teachers' notebook states and also prints is a setting, not a result: the
    default weight range of every built-in worksheet template. If the default changes, so must the prose."""
    ws = pytest.importorskip("bpnet.teach.worksheet")
    assert set(rules.TEACHERS_SETTINGS) == {"1.5"}
    for name in ws.TEMPLATES:
        weights = ws.get_template(name).weight_values
        assert (min(weights), max(weights)) == (-1.5, 1.5), name
    prose = "\n".join(source(c) for c in markdown_cells(load(NOTEBOOKS_DIR / "teachers.ipynb")))
    assert "[−1.5, 1.5]" in prose


def test_a_generated_quiz_keeps_the_rules_for_any_notebook_about_its_cells():
    """bpnet.views.worksheet_pages writes a quiz notebook per variant, stored unrun (no output rule applies): it keeps
    every rule for any notebook that reads the cells themselves, as notebooks/quiz.ipynb does."""
    pages = pytest.importorskip("bpnet.views.worksheet_pages")
    nb = nbformat.reads(pages.quiz_notebook("sigmoid-2-2-1", seed=3, variant=2, steps="forward,delta"), as_version=4)
    nbformat.validate(nb)
    assert not any(c.get("outputs") for c in code_cells(nb))
    for rule in (rules.one_title, rules.markdown_before_code, rules.no_empty_cells, rules.speaks_of_the_project_only,
                 rules.public_names_only, rules.no_marker_comments, rules.nbval_tags_give_a_reason,
                 rules.every_random_choice_seeded, rules.seeds_fixed_at_the_top):
        assert RULES[rule](NOTEBOOKS_DIR / "quiz.ipynb"), f"{rule.__name__} is not a rule for any notebook"
        assert not rule(nb), f"a generated quiz breaks {rule.__name__}: {rule(nb)}"


# ----- 00's controls table is the step-through's controls ------------------------------------------
def test_start_here_controls_table_names_every_control_of_the_step_through():
    """Every button label, the pause label and both rule choices appear in bold in 00's table, and the
    table names no control the widget does not have."""
    widgets = pytest.importorskip("bpnet.views.widgets")
    nb = load(NOTEBOOKS_DIR / "00_start_here.ipynb")
    cell = next(source(c) for c in markdown_cells(nb) if "| control | what it does |" in source(c))
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
    """Each multi-panel figure helper of bpnet.views.plots, drawn with small real data."""
    import numpy as np
    import bpnet
    from bpnet.views import plots

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
        "plot_curves": lambda: plots.plot_curves(costs, "Two runs", "step", "cost", x=np.linspace(0, 1, 26), ylim=(0, 1.2)),
        "plot_bars": lambda: plots.plot_bars({"Scores z": ([2.0, 1.0, -1.0], "z", None),
                                              "softmax(z)": ([0.7, 0.26, 0.04], "probability", (0, 1))},
                                             ["class 1", "class 2", "class 3"]),
        "plot_boundary_grid": lambda: plots.plot_boundary_grid(nets, X, y, title="While it learns"),
        "plot_optimizer_paths": lambda: plots.plot_optimizer_paths(paths, costs, (g1, g2, g1 ** 2 + 50 * g2 ** 2)),
        "plot_per_layer": lambda: plots.plot_per_layer(layers, "layer", "variance", "Across depth", sharey=False),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", list(_helper_figures()))
def test_notebook_figure_helpers_fit_the_page_with_readable_non_overlapping_text(name):
    """At most plots.FIGURE_WIDTH wide (560 px: the notebook's column at 1000 x 800 beside the file browser),
    so the notebook never shrinks it; no text below 9 pt (12.5 px); no two texts (titles, labels, tick
    labels, legends) drawn over each other."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bpnet.views import plots

    fig = _helper_figures()[name]()
    try:
        assert fig.get_figwidth() <= plots.FIGURE_WIDTH, f"{name}: {fig.get_figwidth()} in wide"
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        # Tick labels exist for ticks outside the axes' limits too; only those inside the limits are drawn.
        tick_labels, drawn = set(), []
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                lo, hi = sorted(axis.get_view_interval())
                slack = 1e-9 * max(hi - lo, abs(lo), abs(hi), 1e-300)
                for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                    tick_labels |= {tick.label1, tick.label2}
                    if lo - slack <= tick.get_loc() <= hi + slack:
                        drawn += [lab for lab in (tick.label1, tick.label2) if lab.get_visible()]
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


@pytest.mark.parametrize("text", ["the weights have variance σ² = 1/n", r"the limit $2/\lambda_{\max}$",
                                  "w ← w − lr·g", r"$w \gets w - g$", "the step η·g", r"$\delta^{[L]}$"])
def test_a_symbol_with_a_second_meaning_is_named(text):
    nb = _copy("04")
    assert not rules.one_meaning_per_symbol(nb)
    _append_markdown(nb, text)
    assert rules.one_meaning_per_symbol(nb), text


def test_the_card_s_own_meanings_pass():
    nb = _copy("04")
    _append_markdown(nb, r"σ(z) is the sigmoid; L2 adds λ/2·Σw²; $\text{lr} < 2/c_{\max}$; w := w − lr·g; $\delta^{[K]}$; "
                         "the picture shows the gradient sent back (←…)")
    assert not rules.one_meaning_per_symbol(nb)
