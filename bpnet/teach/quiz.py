"""A worksheet variant as a self-checking quiz.

``Quiz(template, seed, variant, steps)`` rebuilds variant ``variant`` of
``bpnet.teach.worksheet.generate(template, n, seed, steps)`` — the same network and sample as
the printed sheet — and ``quiz.check(k, answer)`` grades the answer to question k with
``bpnet.teach.exercises``, naming the mistake a wrong answer matches. The right answers are
computed when an answer is checked and never stored in the student's notebook;
``quiz.solution(k)`` shows the worked answer. (``bpnet.views.worksheet_pages.Quiz`` adds the
network drawn as on the printed sheet.)
"""

from __future__ import annotations

import numpy as np

from ..core.network import Network
from . import exercises
from ..core.notation import markdown_escape
from .worksheet import Question, get_template, make_variant, sheet_markdown

__all__ = ["Quiz", "NoAnswer"]


class Quiz:
    """A worksheet variant as a self-checking exercise (see the module docstring)."""

    def __init__(self, template, seed: int, variant: int, steps=("forward", "delta", "update"), digits: int = 4):
        self.template = get_template(template)
        self.variant = make_variant(self.template, seed, variant, steps, digits)

    @property
    def net(self) -> Network:
        return self.variant.net

    @property
    def questions(self) -> list[str]:
        return [q.label for q in self.variant.questions]

    def question(self, k: int) -> Question:
        """Question k (1-based, numbered as on the sheet)."""
        qs = self.variant.questions
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(qs):
            raise ValueError(f"question must be a number from 1 to {len(qs)}, got {k!r}")
        return qs[k - 1]

    def __repr__(self) -> str:
        return sheet_markdown(self.variant)

    def _repr_markdown_(self) -> str:
        return sheet_markdown(self.variant)

    def check(self, k: int, answer):
        """Grade the answer to question k (see ``questions``); returns the checker's result."""
        q = self.question(k)
        if answer is None:
            return NoAnswer(k, q.label)
        t, v = self.template, self.variant
        if q.step == "forward":
            return exercises.check_forward(v.net, v.x, q.name, answer)
        if q.step == "loss":
            return exercises.check_cost(v.net, v.x, v.y, answer, loss=t.loss)
        if q.step == "delta":
            return exercises.check_delta(v.net, v.x, v.y, q.name, answer, loss=t.loss, rule=t.rule)
        if q.step == "gradient":
            return exercises.check_gradient(v.net, v.x, v.y, q.name, answer, loss=t.loss, rule=t.rule)
        return exercises.check_update(v.net, v.x, v.y, q.name, answer, lr=t.lr, loss=t.loss, rule=t.rule)

    def solution(self, k: int) -> exercises.Solution:
        """The worked answer to question k: its formula with the numbers substituted (shown as text)."""
        q = self.question(k)
        return exercises.Solution(f"{q.formula} = {q.numbers}", q.value)


class NoAnswer:
    """What checking an unanswered question shows (falsy)."""

    def __init__(self, k: int, label: str):
        self.text = f"Question {k} ({label}): no answer yet; put your number in place of None and run the cell again."

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return markdown_escape(self.text)
