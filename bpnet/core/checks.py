"""Input checks: one clear error that names the problem, before any work is done.

Each kind of check is written here once: ``check_rule``, ``check_whole`` (a count such as
epochs or a layer size), ``check_real`` (a finite number such as a learning rate),
``as_float_array``/``as_batch`` (arrays) and ``lookup`` (a name in a registry, or a spec with
parameters such as "leaky_relu(0.2)": ``write_spec``/``read_spec`` are its one written form).
"""

from __future__ import annotations

import numbers

import numpy as np

#: Update rules: ``gradient`` is gradient descent. ``article`` is the worked example's
#: published convention: output delta = y - a (actual - predicted) used in
#: W := W - lr * a_src * delta, which moves *up* the loss. Its output delta is y - a
#: whatever the output activation, so on a non-identity output it also drops f'(z).
#: It exists to reproduce that article's numbers and show what is wrong with them;
#: never train with it.
RULES = ("gradient", "article")

#: Most epochs one Network.train call runs (its history alone is 8 bytes per epoch), and the
#: latest epoch a learning-rate schedule is asked about.
MAX_EPOCHS = 10_000_000


def check_rule(rule) -> str:
    """``rule`` if it is one of RULES, else a ValueError listing them."""
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
    return rule


def check_whole(x, what: str, minimum: int = 0) -> int:
    """``x`` as an int: a whole number >= ``minimum`` (3 and 3.0 pass; 2.7, True and "3" do not)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a whole number >= {minimum}, got {type(x).__name__} {x!r:.40}")
    if isinstance(x, numbers.Integral):  # exact, however large (np.isfinite(10**400) would overflow)
        if int(x) < minimum:
            raise ValueError(f"{what} must be a whole number >= {minimum}, got {int(x)}")
        return int(x)
    if not np.isfinite(x) or x != int(x) or x < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {x!r}")
    return int(x)


def check_real(x, what: str, *, positive: bool = False) -> float:
    """``x`` as a float: a finite number (and > 0 if ``positive``)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a number, got {type(x).__name__} {x!r:.40}")
    try:
        x = float(x)
    except OverflowError:  # an int such as 10**400
        raise ValueError(f"{what} must be a finite number, got an integer beyond the largest float "
                         "(about 1.8e308)") from None
    if not np.isfinite(x) or (positive and x <= 0):
        raise ValueError(f"{what} must be a finite number{' > 0' if positive else ''}, got {x}")
    return x


def as_float_array(x, what: str) -> np.ndarray:
    """``x`` as a float64 array, or a TypeError/ValueError naming ``what``."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except ValueError:  # ragged nested lists
            raise ValueError(f"{what} must be a rectangular array of numbers: every row as long as the first "
                             "(a nested list whose rows differ in length cannot be one)") from None
        if arr.dtype == bool or not (
            np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
        ):
            raise TypeError(
                f"{what} must contain numbers, got an array of dtype {arr.dtype}"
                + (f" (first item {arr.flat[0]!r})" if arr.size else "")
            )
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{what} contains {bad}; every value must be a finite number")
    return arr


def check_lr(lr) -> float:
    """A learning rate: a finite number > 0."""
    return check_real(lr, "learning rate", positive=True)


def as_batch(X, y, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Inputs as (m, n_in) and targets as (m, n_out); one sample may be given flat."""
    X = as_float_array(X, "inputs X")
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2 or X.shape[1] != n_in:
        raise ValueError(
            f"inputs X must have shape (m, {n_in}) or ({n_in},) for this network, got {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError("inputs X is an empty batch; give at least one sample")
    if y is None:
        return X, None
    y = as_float_array(y, "targets y")
    m = X.shape[0]
    if y.ndim == 0 and m == 1 and n_out == 1:
        y = y.reshape(1, 1)
    elif y.ndim == 1 and n_out == 1 and y.shape[0] == m:
        y = y.reshape(m, 1)
    elif y.ndim == 1 and m == 1 and y.shape[0] == n_out:
        y = y.reshape(1, n_out)
    if y.shape != (m, n_out):
        raise ValueError(
            f"targets y must have shape ({m}, {n_out}) to match {m} sample(s) and {n_out} output(s), "
            f"got {y.shape}"
        )
    return X, y


def write_spec(name: str, values=()) -> str:
    """The one written form of a registered activation or loss: its name, followed by its
    parameters in brackets if it has any, each written with every digit (``repr``), e.g.
    ``"sigmoid"``, ``"leaky_relu(0.2)"``, ``"huber(1.5)"``. ``lookup`` reads it back."""
    if not values:
        return name
    return f"{name}({', '.join(repr(float(v)) for v in values)})"


def read_spec(spec: str, what: str) -> tuple[str, tuple[float, ...]]:
    """(registry key, parameters) of a written spec: ``"leaky_relu(0.2)"`` -> ("leaky_relu", (0.2,))."""
    name, bracket, rest = spec.partition("(")
    key = name.strip().lower().replace("-", "_")
    if not bracket:
        return key, ()
    if not rest.rstrip().endswith(")"):
        raise ValueError(f"{what} {spec!r} is not a name or a name with its parameters in brackets, "
                         f"such as 'leaky_relu(0.2)' or 'huber(1.5)'")
    inside = rest.rstrip()[:-1].strip()
    if not inside:  # "leaky_relu()": the default parameters
        return key, ()
    args = [a.strip() for a in inside.split(",")]
    values = []
    for a in args:
        try:
            values.append(check_real(float(a), f"parameter {a!r} of {what} {spec!r}"))
        except ValueError:
            raise ValueError(f"{what} {spec!r}: its parameters must be finite numbers separated by commas, "
                             f"such as 'leaky_relu(0.2)' or 'huber(1.5)'; got {a!r}") from None
    return key, tuple(values)


def lookup(spec, registry: dict, base: type, what: str, example: str):
    """``spec`` itself if it is a ``base``, else a fresh instance of the class it names in ``registry``,
    made with the parameters the spec gives (``"leaky_relu(0.2)"`` is LeakyReLU(0.2); see ``write_spec``)."""
    if isinstance(spec, base):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"{what} must be a name such as {example!r} or a {base.__name__}, got {type(spec).__name__}")
    key, values = read_spec(spec, what)
    if key not in registry:
        raise ValueError(f"unknown {what} {spec!r}; expected one of {sorted(registry)}")
    cls = registry[key]
    if len(values) > len(cls.parameters):
        takes = ("no parameters" if not cls.parameters else
                 f"{len(cls.parameters)} parameter(s): {', '.join(cls.parameters)}")
        raise ValueError(f"{what} {spec!r}: {key} takes {takes}, got {len(values)}")
    return cls(*values)
