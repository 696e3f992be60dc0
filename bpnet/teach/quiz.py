"""A worksheet variant as a quiz: self-checking practice, or an assessment a student hands in.

``Quiz(template, seed, variant, steps)`` rebuilds variant ``variant`` of
``bpnet.teach.worksheet.generate(template, n, seed, steps)`` — the same network and sample as
the printed sheet (``Quiz.from_code`` takes the quiz code printed at the sheet's foot and
refuses one that does not match). ``quiz.check(k, answer)`` grades the answer to question k
**at the precision the sheet asks for** (``digits`` significant digits: an answer is right
when it is the right number rounded to them) and, when it is wrong, names the catalogue
mistake it matches (``bpnet.teach.exercises``). The right answers are computed when an
answer is checked, never stored in the student's notebook.

Two modes:

* practice (no ``student``): ``quiz.solution(k)`` shows the worked answer;
* assessment (``Quiz(..., student="Ada")``): no solution is shown, every check is recorded,
  and ``quiz.hand_in()`` writes the record (template, steps, seed, variant, each answer, its
  verdict and named mistake) to a JSON file the student hands in. ``summarize_class(folder)``
  (``python -m bpnet quiz-results FOLDER``) re-grades every handed-in file and summarises
  the class: the score per student, the most common mistakes, and which questions.

``CONCEPTS`` are conceptual questions (why a linear network cannot learn XOR, why equal
starting weights fail, why the mean is used) asked beside the numeric ones:
``quiz.check_concept(name, choice)``; each wrong choice names the misconception it holds.
(``bpnet.views.worksheet_pages.Quiz`` adds the network drawn as on the printed sheet.)
"""

from __future__ import annotations

import json
import numbers
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.network import Network
from . import exercises
from ..core.notation import fmt, markdown_escape
from .worksheet import (
    TEMPLATES, Question, Template, explain_mistake, get_template, make_variant, parse_quiz_code, quiz_code,
    right_to_digits, sheet_markdown, variant_check,
)

__all__ = ["Quiz", "QuizResult", "NoAnswer", "Concept", "CONCEPTS", "summarize_class", "ClassSummary",
           "HAND_IN_FORMAT"]

#: The "format" field of a handed-in file.
HAND_IN_FORMAT = "bpnet quiz answers 1"
_MAX_HAND_IN_BYTES = 1_000_000


@dataclass(frozen=True)
class Concept:
    """A conceptual question: ``prompt``, lettered ``choices``, the ``right`` letter, and for each
    wrong letter the misconception it holds (what a learner choosing it believes, and why not)."""

    name: str
    prompt: str
    choices: dict
    right: str
    why: str  # why the right choice is right
    misconceptions: dict  # wrong letter -> the misconception, in a sentence

    def text(self) -> str:
        return self.prompt + "\n" + "\n".join(f"  ({k}) {v}" for k, v in self.choices.items())


CONCEPTS: dict[str, Concept] = {c.name: c for c in (
    Concept(
        "linear-xor",
        "A network whose units are all linear (identity activation) is trained on XOR for a long time. "
        "Why can it never get all four samples right?",
        {"a": "Its output is a linear function of the inputs, and no straight line separates XOR's 1s from its 0s.",
         "b": "Its learning rate is too small; with enough epochs it would get there.",
         "c": "It has too few hidden units; more linear hidden units would do it.",
         "d": "Gradient descent is stuck in a local minimum of the loss."},
        "a", "A composition of linear maps is one linear map: the network draws one straight line, whatever "
             "its depth or width.",
        {"b": "more training fixes any network: no learning rate or epoch count makes a linear model nonlinear",
         "c": "more linear units add capacity: stacked linear units are still one linear map",
         "d": "a linear network's squared-error loss is convex; its best is reached, and it is still wrong"}),
    Concept(
        "equal-weights",
        "Every weight of a 2-2-1 network starts at the same value. Why does it learn no better "
        "than a network with one hidden unit?",
        {"a": "Both hidden units compute the same number, get the same delta and the same update, so they "
              "stay equal for ever.",
         "b": "Equal weights give zero gradients, so nothing changes.",
         "c": "The loss is too large at the start and training diverges.",
         "d": "The biases must start at 0 for backpropagation to work."},
        "a", "Symmetry: units that start equal receive equal deltas and stay equal; random starts break it.",
        {"b": "equal weights mean zero gradient: the gradients are not zero, they are equal",
         "c": "equal starts diverge: the loss is ordinary; the units are the problem",
         "d": "biases must start at 0: a bias is a weight like any other"}),
    Concept(
        "mean-not-sum",
        "Why is the cost J the mean of the samples' losses rather than their sum?",
        {"a": "So that the step lr·∂J/∂w does not grow with the number of samples: the same learning rate "
              "works for any batch size.",
         "b": "The sum points the step in the wrong direction.",
         "c": "Backpropagation's chain rule needs a mean.",
         "d": "The mean is what makes the loss reach zero."},
        "a", "The sum's gradient is m times the mean's: the same direction, a step m times as long.",
        {"b": "the sum changes the direction: it changes only the length of the step (m times)",
         "c": "the chain rule needs a mean: it holds for any sum of losses",
         "d": "the mean lets the loss reach zero: mean and sum are zero together"}),
)}


class Quiz:
    """A worksheet variant as a quiz (see the module docstring)."""

    def __init__(self, template, seed: int, variant: int, steps=("forward", "delta", "update"), digits: int = 4,
                 *, student: str | None = None, check: str | None = None, assessment: bool = False):
        self.template = get_template(template)
        self.variant = make_variant(self.template, seed, variant, steps, digits)
        if check is not None and str(check) != variant_check(self.variant):
            raise ValueError(
                f"this is not the network on your sheet (its quiz code ends {check}, this network's "
                f"{variant_check(self.variant)}): copy the whole quiz code from the foot of your sheet")
        if student is not None and (not isinstance(student, str) or not student.strip()):
            raise ValueError(f"student must be your name as text, got {student!r}")
        self.student = student.strip() if student else None
        #: an assessment shows no solution (a quiz with a student's name is one)
        self.assessment = bool(assessment or self.student)
        self.record: dict = {}  # question (k or concept name) -> its last verdict, with the attempts

    @classmethod
    def from_code(cls, code: str, *, student: str | None = None, template=None) -> "Quiz":
        """The quiz of a sheet's quiz code (printed at its foot). A template that is not built in
        (a network file) is given as ``template``; its name must be the code's."""
        parts = parse_quiz_code(code)
        if template is None and parts["template"] not in TEMPLATES:
            template = _shipped_example(parts["template"])
        t = get_template(parts["template"] if template is None else template)
        if t.name != parts["template"]:
            raise ValueError(f"the quiz code is for template {parts['template']!r}, not {t.name!r}")
        return cls(t, parts["seed"], parts["variant"], parts["steps"], parts["digits"], student=student,
                   check=parts["check"])

    @property
    def code(self) -> str:
        """The quiz code printed at the foot of this variant's sheet."""
        return quiz_code(self.variant)

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

    # ----- numeric questions -----
    def check(self, k: int, answer):
        """Grade the answer to question k at the sheet's precision; returns a QuizResult (truthy when
        right), or NoAnswer for None. In an assessment the verdict is recorded for ``hand_in``."""
        n = len(self.variant.questions)
        if answer is None and isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k > n >= 1:
            return NoAnswer(k, f"not on your sheet: it has {n} questions")
        q = self.question(k)
        if answer is None:
            return NoAnswer(k, q.label)
        value = _number(answer)
        d = self.variant.digits
        diag = self._diagnose(q, value)
        if right_to_digits(value, q.value, d):
            result = QuizResult(k, q.label, value, True, None, "", d, note=diag.note if diag.correct else "")
        elif diag.correct or diag.mistake in ("rounding", None):
            result = QuizResult(k, q.label, value, False, "rounding",
                                f"Close, but not the right number to {d} significant digits: carry every "
                                f"digit through and round only the final answer.", d)
        else:
            result = QuizResult(k, q.label, value, False, diag.mistake, diag.diagnosis, d)
        self._keep(k, result)
        return result

    def _diagnose(self, q: Question, value: float):
        t, v = self.template, self.variant
        if q.step == "forward":
            return exercises.check_forward(v.net, v.x, q.name, value)
        if q.step == "loss":
            return exercises.check_cost(v.net, v.x, v.y, value, loss=t.loss)
        if q.step == "delta":
            return exercises.check_delta(v.net, v.x, v.y, q.name, value, loss=t.loss, rule=t.rule)
        if q.step == "gradient":
            return exercises.check_gradient(v.net, v.x, v.y, q.name, value, loss=t.loss, rule=t.rule)
        new = q.old + value if q.ask == "change" else value
        return exercises.check_update(v.net, v.x, v.y, q.name, new, lr=t.lr, loss=t.loss, rule=t.rule)

    def solution(self, k: int) -> exercises.Solution:
        """The worked answer to question k: its formula with the numbers substituted (shown as text).
        Not in an assessment."""
        if self.assessment:
            raise ValueError("this quiz is an assessment: it shows no solution (your teacher goes through them)")
        q = self.question(k)
        return exercises.Solution(f"{q.formula}\n  = {q.numbers}", q.value)

    # ----- conceptual questions -----
    def check_concept(self, name: str, choice: str):
        """Grade the letter chosen for the conceptual question ``name`` (one of CONCEPTS)."""
        if name not in CONCEPTS:
            raise ValueError(f"no conceptual question {name!r}; they are {', '.join(CONCEPTS)}")
        c = CONCEPTS[name]
        if choice is None:
            return NoAnswer(name, "conceptual question")
        letter = str(choice).strip().strip("()").lower()
        if letter not in c.choices:
            raise ValueError(f"choose one of {', '.join(c.choices)} for {name}, got {choice!r}")
        if letter == c.right:
            result = QuizResult(name, c.prompt, letter, True, None, "" if self.assessment else c.why, None)
        else:
            result = QuizResult(name, c.prompt, letter, False, f"concept:{name}:{letter}",
                                f"This answer holds a common misconception ({c.misconceptions[letter]}). "
                                "Think again about what the network computes.", None)
        self._keep(name, result)
        return result

    # ----- the record a student hands in -----
    def _keep(self, key, result: "QuizResult") -> None:
        attempts = self.record.get(key, {}).get("attempts", 0) + 1
        self.record[key] = {**result.to_dict(), "attempts": attempts}

    def hand_in(self, path=None) -> Path:
        """Write the answers checked so far (the last one per question) to a JSON file to hand in;
        returns its path (default: quiz-<student>-variant-<k>.json in the current folder)."""
        if not self.student:
            raise ValueError("give your name to hand in: quiz = Quiz(..., student='Your Name')")
        if path is None:
            safe = re.sub(r"[^\w-]+", "-", self.student).strip("-") or "student"
            path = Path(f"quiz-{safe}-variant-{self.variant.number}.json")
        path = Path(path)
        data = {"format": HAND_IN_FORMAT, "student": self.student, "code": self.code,
                "template": self.template.to_dict(), "steps": list(self.variant.steps), "seed": self.variant.seed,
                "variant": self.variant.number, "digits": self.variant.digits,
                "answers": [self.record[k] for k in sorted((k for k in self.record if isinstance(k, int)))],
                "concepts": [self.record[k] for k in CONCEPTS if k in self.record]}
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


def _shipped_example(name: str):
    """The shipped example network file whose template is called ``name`` (a quiz code names a network
    file's template by the file's name), or None."""
    from .examples import example_file

    try:
        folder = example_file()
    except FileNotFoundError:
        return None
    for path in sorted(folder.glob("*.json")):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("name") == name:
                return path
        except (OSError, ValueError, AttributeError):
            continue
    return None


def _number(answer) -> float:
    if isinstance(answer, (bool, np.bool_)) or isinstance(answer, (str, bytes)) \
            or not isinstance(answer, (numbers.Real, np.ndarray, list, tuple)):
        raise TypeError(f"an answer is a number such as 0.25, got {answer!r}")
    arr = np.asarray(answer, dtype=float).ravel()
    if arr.size != 1 or not np.isfinite(arr[0]):
        raise ValueError(f"an answer is one finite number, got {answer!r}")
    return float(arr[0])


@dataclass
class QuizResult:
    """The verdict on one quiz answer: truthy when right. ``mistake``: None when right, else a
    catalogue mistake key, "rounding", "general" or "concept:<name>:<letter>"."""

    question: object  # k, or a concept's name
    label: str
    answer: object
    correct: bool
    mistake: str | None
    hint: str
    digits: int | None
    note: str = ""

    def __bool__(self) -> bool:
        return self.correct

    @property
    def explanation(self) -> str:
        """The named mistake in words ("" when right)."""
        if not self.mistake:
            return ""
        if self.mistake.startswith("concept:"):
            _, name, letter = self.mistake.split(":")
            return CONCEPTS[name].misconceptions[letter]
        return exercises.MISTAKES.get(self.mistake) or explain_mistake(self.mistake)

    def _text(self) -> tuple[str, str]:
        what = (f"Question {self.question} ({self.label})" if isinstance(self.question, int)
                else f"Conceptual question {self.question}")
        shown = self.answer if isinstance(self.answer, str) else fmt(self.answer)
        if self.correct:
            tail = f" to {self.digits} significant digits" if self.digits else ""
            return "✓", f"{what}: {shown} is right{tail}."
        return "✗", f"{what}: {shown} is not right."

    def __repr__(self) -> str:
        mark, text = self._text()
        lines = [f"{mark} {text}"]
        if self.hint:
            lines.append(("Why: " if self.correct else "Hint: ") + self.hint)
        if self.note:
            lines.append(f"Note: {self.note}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        mark, text = self._text()
        parts = [f"**{mark}** {markdown_escape(text)}"]
        if self.hint:
            parts.append(f"*{'Why' if self.correct else 'Hint'}:* {markdown_escape(self.hint)}")
        if self.note:
            parts.append(f"*Note:* {markdown_escape(self.note)}")
        return "\n\n".join(parts)

    def to_dict(self) -> dict:
        return {"question": self.question, "label": self.label, "answer": self.answer,
                "verdict": "right" if self.correct else "wrong", "mistake": self.mistake,
                "explanation": self.explanation}


class NoAnswer:
    """What checking an unanswered question shows (falsy)."""

    def __init__(self, k, label: str):
        self.text = f"Question {k} ({label}): no answer yet; put your answer in place of None and run the cell again."

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return markdown_escape(self.text)


# ----- the teacher's side -------------------------------------------------------------------
@dataclass
class ClassSummary:
    """A class's handed-in quizzes, re-graded: ``students`` (name -> (right, asked)), ``mistakes``
    (explanation -> how many answers), ``questions`` (question label -> (right, answered)) and
    ``problems`` (files that could not be read, each with why)."""

    students: dict = field(default_factory=dict)
    mistakes: Counter = field(default_factory=Counter)
    questions: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def to_text(self, top: int = 5) -> str:
        lines = [f"{len(self.students)} student(s)"]
        for name, (right, asked) in sorted(self.students.items()):
            lines.append(f"  {name}: {right}/{asked}")
        if self.mistakes:
            lines.append("Most common mistakes:")
            lines += [f"  {n} x {what}" for what, n in self.mistakes.most_common(top)]
        if self.questions:
            lines.append("Questions answered wrong most often:")
            worst = sorted(self.questions.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0]))[:top]
            lines += [f"  {label}: {right}/{answered} right" for label, (right, answered) in worst]
        for p in self.problems:
            lines.append(f"Not read: {p}")
        return "\n".join(lines)


def summarize_class(folder) -> ClassSummary:
    """Read every handed-in quiz file (``*.json``) in ``folder``, re-grade each answer from the
    template, seed and variant it names (the verdicts in a file are not trusted), and summarise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder of handed-in quiz files")
    summary = ClassSummary()
    for path in sorted(folder.glob("*.json")):
        try:
            if path.stat().st_size > _MAX_HAND_IN_BYTES:
                raise ValueError("larger than a handed-in quiz can be")
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != HAND_IN_FORMAT:
                raise ValueError("not a handed-in bpnet quiz")
            quiz = Quiz(Template.from_dict(data["template"]), data["seed"], data["variant"], data["steps"],
                        data["digits"], student=str(data["student"]))
            if data.get("code") != quiz.code:
                raise ValueError("its quiz code does not match its network")
            right = 0
            for entry in data.get("answers", []):
                r = quiz.check(int(entry["question"]), entry["answer"])
                _count(summary, r, f"{r.label}")
                right += bool(r)
            for entry in data.get("concepts", []):
                r = quiz.check_concept(str(entry["question"]), entry["answer"])
                _count(summary, r, f"concept {r.question}")
                right += bool(r)
            asked = len(quiz.questions) + len(CONCEPTS)
            name = quiz.student
            while name in summary.students:
                name += " (again)"
            summary.students[name] = (right, asked)
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            summary.problems.append(f"{path.name}: {exc}")
    return summary


def _count(summary: ClassSummary, r: QuizResult, label: str) -> None:
    right, answered = summary.questions.get(label, (0, 0))
    summary.questions[label] = (right + bool(r), answered + 1)
    if not r:
        summary.mistakes[r.explanation or r.mistake] += 1
