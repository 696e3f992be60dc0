"""Network files: any small textbook example as JSON, loaded into the same object as ``xor_example()``.

A network file is one JSON object (full reference with an example: docs/network-file.md)::

    {
      "layers": [2, 3, 1],                      units per layer, input first, bias units not counted
      "activations": ["identity", "identity"],  one per non-input layer, parameters in brackets
                                                ("leaky_relu(0.2)": Activation.spec)
      "names": ["X", "Z", "D"],                 optional layer letters
      "weights": {"X0->Z1": 1, ...},            every weight by name, biases included
                                                (or a list of 2-D arrays, row 0 = the bias unit)
      "frozen": ["X0->Z1"] or "biases",         optional: weights the update holds fixed
      "loss": "half_squared_error",             (or with parameters: "huber(1.5)")
      "lr": 0.1,
      "rule": "gradient",                       optional, "gradient" (default) or "article"
      "convention": ["target_minus_output"],    optional: how the source writes its numbers
      "samples": {"inputs": [[0, 0]], "targets": [[0]]},
      "published": {...}                        optional: the numbers the source prints
    }

``load_network(path_or_dict)`` checks everything before building anything and raises one
``NetworkFileError`` naming the key path (``weights["X3->Z1"]``) and what was expected.
``save_network(example, path)`` writes a file that loads back to the identical example
(weights are written with every digit, so the trace is the same number for number).
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
import os
import stat
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from ..core.activations import ACTIVATIONS, get_activation
from .examples import WorkedExample
from ..core.losses import LOSSES, get_loss
from ..core.network import LAYER_NAME, RULES, Network, default_layer_names
from ..explain.conventions import CONVENTIONS, SQUARED_LOSSES, parse_conventions

__all__ = [
    "load_network", "load_network_text", "save_network", "network_to_dict", "NetworkFileError", "Published",
    "MAX_FILE_BYTES", "MAX_UNITS", "MAX_WEIGHTS", "MAX_SAMPLES", "MAX_LAYERS", "MAX_DEPTH",
    "REQUIRED_KEYS", "OPTIONAL_KEYS", "PUBLISHED_SECTIONS",
]

#: Limits: a file over them is refused before any array is allocated.
MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB
MAX_UNITS = 10_000  # units in all layers together (bias units not counted)
MAX_WEIGHTS = 1_000_000
MAX_SAMPLES = 10_000
MAX_LAYERS = 100
MAX_DEPTH = 10  # lists and objects inside each other (a file needs at most 5)

REQUIRED_KEYS = ("layers", "activations", "weights", "loss", "lr", "samples")
OPTIONAL_KEYS = ("names", "frozen", "rule", "convention", "published", "name", "description", "source")
#: The parts of ``published``, in the order a worked solution prints them.
PUBLISHED_SECTIONS = ("forward", "loss", "delta", "gradient", "weights_after")

_EXPECT = {
    "layers": "a list of units per layer, input first, such as [2, 3, 1]",
    "activations": "a list with one activation name per non-input layer, such as [\"sigmoid\", \"sigmoid\"]",
    "weights": "an object with every weight by name, such as {\"X0->Z1\": 0.35, ...}, "
               "or a list of 2-D arrays (row 0 = bias unit)",
    "loss": f"a loss name, one of {sorted(LOSSES)}, parameters in brackets (\"huber(1.5)\")",
    "lr": "a learning rate, a finite number > 0 such as 0.1",
    "samples": "an object {\"inputs\": [[...], ...], \"targets\": [[...], ...]}",
    "names": "a list of layer letters, one per layer, such as [\"X\", \"Z\", \"D\"]",
    "frozen": "\"biases\" or a list of weight names such as [\"X0->Z1\"]",
    "rule": f"one of {list(RULES)}",
    "convention": "\"bpnet\" or a list of the source's conventions, from " + ", ".join(f'"{k}"' for k in CONVENTIONS),
    "published": "an object with any of " + ", ".join(f'"{k}"' for k in PUBLISHED_SECTIONS)
                 + " and optionally \"sample\"",
    "name": "a short title (a string)",
    "description": "a string",
    "source": "a string saying where the numbers come from",
}


class NetworkFileError(ValueError):
    """A network file (or dict) that cannot be loaded: ``where`` is the key path, e.g. ``weights["X3->Z1"]``."""

    def __init__(self, where: str, problem: str, expected: str, source: str | None = None):
        self.where, self.problem, self.expected, self.source = where, problem, expected, source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{where}: {problem}; expected {expected}")


class _Num(float):
    """A float that remembers how the file wrote it ("1.40"), for rounding to the source's digits."""

    text: str

    def __new__(cls, text: str):
        self = super().__new__(cls, text)
        self.text = text
        return self


class _Constant:
    """NaN, Infinity or -Infinity as written in a file (Python's json accepts them; bpnet does not)."""

    def __init__(self, text: str):
        self.text = text


class _Huge(_Constant):
    """An integer literal of more digits than any float holds (read as text, never converted)."""


def _int(text: str):
    return _Huge(text) if len(text.lstrip("-")) > 309 else int(text)  # 10**309 > the largest float


#: What a number's error says it expects.
_FINITE = "a finite number (at most about 1.8e308 in size, and 0 or at least about 5e-324)"


class _Object(dict):
    """A JSON object that remembers keys it saw more than once."""

    duplicates: list


def _object_pairs(pairs):
    obj = _Object()
    obj.duplicates = []
    for k, v in pairs:
        if k in obj:
            obj.duplicates.append(k)
        obj[k] = v
    return obj


def _key(path: str, k) -> str:
    """``path["k"]`` (top-level keys stand alone: ``weights``)."""
    return k if not path else f"{path}[{json.dumps(k, ensure_ascii=False)}]"


def _idx(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _describe(v) -> str:
    """How a wrong value reads in an error: the string "0.5", null, true, a list of 3, ..."""
    if isinstance(v, _Huge):
        return f"an integer of {len(v.text.lstrip('-')):,} digits"
    if isinstance(v, _Constant):
        return v.text
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        s = v if len(v) <= 40 else v[:37] + "..."
        return f"the string {json.dumps(s, ensure_ascii=False)}"
    if isinstance(v, dict):
        return f"an object with {len(v)} key{'s' if len(v) != 1 else ''}"
    if isinstance(v, (list, tuple)):
        return f"a list of {len(v)}"
    if isinstance(v, numbers.Number) or isinstance(v, np.generic):
        return repr(float(v)) if not isinstance(v, numbers.Integral) else str(int(v))
    return f"a {type(v).__name__}"


# ----- reading the file ---------------------------------------------------------------
def _read_file(path: Path) -> dict:
    src = str(path)
    if not path.exists():
        raise NetworkFileError(src, "no such file", "the path of a network file (.json)")
    if path.is_dir():
        raise NetworkFileError(src, "is a directory", "the path of a network file (.json), not a folder")
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):  # a named pipe or a device would never end (or block forever)
            kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
            raise NetworkFileError(src, f"is {kind}, not a regular file", "the path of a network file (.json)")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise NetworkFileError(src, f"the file is {size:,} bytes",
                                   f"a network file of at most {MAX_FILE_BYTES:,} bytes (10 MB)")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise NetworkFileError(src, f"cannot be read ({exc.strerror or exc})", "a readable file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise NetworkFileError(src, "the file is over the size limit",
                               f"a network file of at most {MAX_FILE_BYTES:,} bytes (10 MB)")
    return _parse(raw, src)


def _parse(raw: bytes, src: str):
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, as some editors write
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NetworkFileError(src, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                               "a JSON file saved as UTF-8") from None
    return _parse_text(text, src)


def _parse_text(text: str, src: str):
    if not text.strip():
        raise NetworkFileError(src, "the file is empty", "a JSON object with the keys " + ", ".join(REQUIRED_KEYS))
    deep = NetworkFileError(src, "nested too deeply", f"a JSON object at most {MAX_DEPTH} levels deep")
    try:
        doc = json.loads(text, object_pairs_hook=_object_pairs, parse_float=_Num, parse_constant=_Constant,
                         parse_int=_int)
    except json.JSONDecodeError as exc:
        raise NetworkFileError(f"{src} line {exc.lineno} column {exc.colno}", f"not valid JSON ({exc.msg})",
                               "a JSON object such as {\"layers\": [2, 3, 1], ...}") from None
    except RecursionError:
        raise deep from None
    return _check_depth(doc, src)


def _check_depth(doc, src: str | None):
    """``doc`` if its lists and objects nest at most MAX_DEPTH deep (found without recursion: the
    checks after it recurse into what is there; a dict that holds itself is refused too)."""
    level = [doc]
    for _ in range(MAX_DEPTH + 1):
        level = [x for v in level for x in (v.values() if isinstance(v, dict) else
                                            v if isinstance(v, (list, tuple)) else ())]
        if not level:
            return doc
    raise NetworkFileError(src or "(top level)", "nested too deeply", f"a JSON object at most {MAX_DEPTH} levels deep")


def _check_duplicates(v, path: str = "") -> None:
    """One error for the first key written twice anywhere (json would silently keep the last)."""
    if isinstance(v, dict):
        dups = getattr(v, "duplicates", ())
        if dups:
            raise NetworkFileError(_key(path, dups[0]), "this key appears more than once",
                                   "each key once (a second value would silently replace the first)")
        for k, x in v.items():
            _check_duplicates(x, _key(path, k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _check_duplicates(x, _idx(path, i))


# ----- checking values ----------------------------------------------------------------
def _number(v, where: str) -> float:
    """A finite number; bools, strings, null, NaN and inf are named in the error, and so is a number
    written beyond the range of a float (1e309, an integer of 400 digits, 8e-400)."""
    if isinstance(v, _Huge):
        raise NetworkFileError(where, f"got {_describe(v)}, beyond the largest float", _FINITE)
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.integer, np.floating)):
        hint = " (write 0.5, not \"0.5\")" if isinstance(v, str) else ""
        raise NetworkFileError(where, f"got {_describe(v)}", f"a finite number{hint}")
    try:
        f = float(v)
    except OverflowError:  # an integer of up to 309 digits, over 1.8e308
        raise NetworkFileError(where, f"got an integer of {len(str(abs(int(v)))):,} digits, beyond the largest "
                               "float", _FINITE) from None
    text = getattr(v, "text", None)
    if not math.isfinite(f):
        if text is not None:  # written as a number, read as inf
            raise NetworkFileError(where, f"got {_short(text)}, beyond the largest float", _FINITE)
        raise NetworkFileError(where, f"got {_describe(v)}", "a finite number (JSON has no NaN or Infinity)")
    if f == 0.0 and text is not None and any(c in "123456789" for c in text.lower().split("e")[0]):
        raise NetworkFileError(where, f"got {_short(text)}, below the smallest float (it would be read as 0)",
                               _FINITE + "; write 0 for zero")
    return v if isinstance(v, _Num) else f


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(v, where: str, lo: int, hi: int, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
        raise NetworkFileError(where, f"got {_describe(v)}", f"{what}: a whole number from {lo} to {hi:,}")
    if not lo <= int(v) <= hi:
        raise NetworkFileError(where, f"got {int(v):,}", f"{what}: a whole number from {lo} to {hi:,}")
    return int(v)


def _list(v, where: str, expected: str, length: int | None = None) -> list:
    if isinstance(v, np.ndarray):  # a dict built in Python may hold arrays
        v = list(v)
    if not isinstance(v, (list, tuple)):
        raise NetworkFileError(where, f"got {_describe(v)}", expected)
    if length is not None and len(v) != length:
        raise NetworkFileError(where, f"got a list of {len(v)}", expected)
    return list(v)


def _object(v, where: str, expected: str) -> dict:
    if not isinstance(v, dict):
        raise NetworkFileError(where, f"got {_describe(v)}", expected)
    for k in v:
        if not isinstance(k, str):
            raise NetworkFileError(where, f"has the key {k!r}", "string keys")
    return v


def _string(v, where: str, expected: str) -> str:
    if not isinstance(v, str):
        raise NetworkFileError(where, f"got {_describe(v)}", expected)
    return v


def _unknown_key(where: str, k: str, allowed) -> NetworkFileError:
    close = difflib.get_close_matches(k, list(allowed), n=1, cutoff=0.6)
    hint = f" (did you mean \"{close[0]}\"?)" if close else ""
    return NetworkFileError(where, f"unknown key{hint}", "only the keys " + ", ".join(f'"{a}"' for a in allowed))


def _names_list(names: list[str]) -> str:
    shown = ", ".join(f'"{n}"' for n in names[:6])
    return shown + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def _check_document(doc, src: str | None) -> WorkedExample:
    """Every check, in the order a reader would fix them; nothing is built before all pass."""
    try:
        return _build(doc)
    except NetworkFileError as exc:
        if src and exc.source is None:
            raise NetworkFileError(exc.where, exc.problem, exc.expected, src) from None
        raise


def _build(doc) -> WorkedExample:
    if not isinstance(doc, dict):
        raise NetworkFileError("(top level)", f"got {_describe(doc)}",
                               "a JSON object with the keys " + ", ".join(REQUIRED_KEYS))
    _check_duplicates(doc)
    allowed = REQUIRED_KEYS + OPTIONAL_KEYS
    for k in doc:
        if not isinstance(k, str) or k not in allowed:
            raise _unknown_key(str(k), str(k), allowed)
    for k in REQUIRED_KEYS:
        if k not in doc:
            raise NetworkFileError(k, "missing", _EXPECT[k])

    # layers
    layers = _list(doc["layers"], "layers", _EXPECT["layers"])
    if not 2 <= len(layers) <= MAX_LAYERS:
        raise NetworkFileError("layers", f"got {len(layers)} layer{'s' if len(layers) != 1 else ''}",
                               f"from 2 to {MAX_LAYERS} layers (an input and an output at least)")
    sizes = [_whole(n, _idx("layers", i), 1, MAX_UNITS, "units in this layer") for i, n in enumerate(layers)]
    if sum(sizes) > MAX_UNITS:
        raise NetworkFileError("layers", f"{sum(sizes):,} units in all", f"at most {MAX_UNITS:,} units in all layers")
    n_weights = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if n_weights > MAX_WEIGHTS:
        raise NetworkFileError("layers", f"{n_weights:,} weights", f"at most {MAX_WEIGHTS:,} weights")
    L = len(sizes) - 1

    # activations
    acts = _list(doc["activations"], "activations",
                 f"a list of {L} activation name{'s' if L > 1 else ''} (one per non-input layer)")
    if len(acts) != L:
        raise NetworkFileError("activations", f"got {len(acts)} name{'s' if len(acts) != 1 else ''}",
                               f"{L} (one per non-input layer of {sizes})")
    for l, a in enumerate(acts):
        where = _idx("activations", l)
        _string(a, where, f"an activation name, one of {sorted(ACTIVATIONS)}")
        try:
            act = get_activation(a)
        except (TypeError, ValueError) as exc:
            raise NetworkFileError(where, f"unknown activation {json.dumps(a)}" if "unknown" in str(exc) else str(exc),
                                   f"one of {sorted(ACTIVATIONS)}, parameters in brackets: \"leaky_relu(0.2)\"") from None
        if l < L - 1 and not act.elementwise:
            raise NetworkFileError(where, f"{a} on a hidden layer", "softmax only on the output layer")

    # names
    names = None
    if "names" in doc:
        names = _list(doc["names"], "names", f"a list of {L + 1} layer letters such as [\"X\", \"Z\", \"D\"]")
        if len(names) != L + 1:
            raise NetworkFileError("names", f"got {len(names)} names", f"{L + 1} (one per layer of {sizes})")
        for i, n in enumerate(names):
            _string(n, _idx("names", i), "a layer letter (a string)")
            if not LAYER_NAME.match(n):
                raise NetworkFileError(_idx("names", i), f"got {json.dumps(n)}",
                                       "letters, digits or _, starting with a letter and not ending in a digit "
                                       "(the unit number follows it: Z1)")
            if n in names[:i]:
                raise NetworkFileError(_idx("names", i), f"{json.dumps(n)} names two layers", "a different name per layer")
        names = [str(n) for n in names]
    shape_net = Network([np.zeros((a + 1, b)) for a, b in zip(sizes[:-1], sizes[1:])], "identity", names)

    # weights
    W = _weights(doc["weights"], shape_net, sizes)

    # frozen
    frozen: frozenset[str] = frozenset()
    if "frozen" in doc:
        frozen = _frozen(doc["frozen"], shape_net)

    # loss, lr, rule
    loss = _string(doc["loss"], "loss", _EXPECT["loss"])
    try:
        loss_fn = get_loss(loss)
    except (TypeError, ValueError) as exc:
        if "unknown" not in str(exc):
            raise NetworkFileError("loss", str(exc), _EXPECT["loss"]) from None
        close = difflib.get_close_matches(loss, list(LOSSES), n=1)
        hint = f" (did you mean \"{close[0]}\"?)" if close else ""
        raise NetworkFileError("loss", f"unknown loss {json.dumps(loss)}{hint}", f"one of {sorted(LOSSES)}") from None
    lr = _number(doc["lr"], "lr")
    if lr <= 0:
        raise NetworkFileError("lr", f"got {_describe(lr)}", _EXPECT["lr"])
    rule = "gradient"
    if "rule" in doc:
        rule = _string(doc["rule"], "rule", _EXPECT["rule"])
        if rule not in RULES:
            raise NetworkFileError("rule", f"unknown rule {json.dumps(rule)}", _EXPECT["rule"])

    # samples
    X, y = _samples(doc["samples"], sizes)
    _check_loss_fits(loss_fn, get_activation(acts[-1]), y, L)

    # text fields
    info = {}
    for k in ("name", "description", "source"):
        if k in doc:
            info[k] = _string(doc[k], k, _EXPECT[k])

    published = None
    if "published" in doc:
        published = _published(doc["published"], shape_net, X.shape[0])
    convention = None
    if "convention" in doc:
        convention = _convention(doc["convention"], loss_fn.name, published)
        if "threshold" in convention:  # the file's bias weights are thresholds: bpnet's bias is -theta
            for w in W:
                w[0] = -w[0]

    net = _network(W, [str(a) for a in acts], names, frozen)
    return WorkedExample(net, X, y, float(lr), loss_fn.spec, rule=rule, frozen=frozen, published=published,
                         name=info.get("name", ""), description=info.get("description", ""),
                         source=info.get("source", ""), convention=convention)


def _convention(spec, loss: str, published) -> tuple[str, ...]:
    """The ``convention`` key as keys of ``bpnet.explain.conventions.CONVENTIONS`` (() for "bpnet")."""
    try:
        keys = parse_conventions(spec)
    except TypeError:
        raise NetworkFileError("convention", f"got {_describe(spec)}", _EXPECT["convention"]) from None
    except ValueError as exc:
        raise NetworkFileError("convention", str(exc), _EXPECT["convention"]) from None
    for k in ("no_half", "mean_over_outputs"):
        if k in keys and loss not in SQUARED_LOSSES:
            raise NetworkFileError("convention", f"\"{k}\" with the {loss} loss",
                                   f"\"{k}\" only with {', '.join(SQUARED_LOSSES)} (its 1/2 and its sum over outputs)")
    if "per_sample" in keys and published and published.sample == "all" and "gradient" in published:
        raise NetworkFileError("convention", "\"per_sample\" with published gradients of all samples",
                               "per_sample without a \"gradient\" section: with one update per sample there is no one "
                               "gradient of the batch (give the weights after the pass instead)")
    return keys


def _check_loss_fits(loss_fn, act, y: np.ndarray, L: int) -> None:
    """The loss's own check of output activation and targets, blamed on the key that must change."""
    # With targets every loss accepts (1/k in each column), only the activation can be at fault.
    for where, targets, expected in (
            (_idx("activations", L - 1), np.full_like(y, 1.0 / y.shape[1]), f"an output activation that suits {loss_fn.name}"),
            (_key("samples", "targets"), y, f"targets that suit {loss_fn.name}")):
        try:
            loss_fn.validate(act, targets)
        except ValueError as exc:
            raise NetworkFileError(where, str(exc), expected) from None


def _network(W, acts, names, frozen) -> Network:
    return Network(W, acts, names, frozen=frozen)


def _weights(spec, net: Network, sizes: list[int]) -> list[np.ndarray]:
    all_names = net.weight_names()
    if isinstance(spec, dict):
        W = [np.zeros(w.shape) for w in net.W]
        for k, v in spec.items():
            where = _key("weights", k)
            if not net.has_weight(k):
                missing = [n for n in all_names if n not in spec]
                also = f"; the file also lacks {_names_list(missing)}" if missing else ""
                raise NetworkFileError(where, f"no weight of that name in a {sizes} network{also}",
                                       f"only the {len(all_names)} weights {_names_list(all_names)}")
            l, i, j = net.weight_index(k)
            W[l][i, j] = _number(v, where)
        missing = [n for n in all_names if n not in spec]
        if missing:
            raise NetworkFileError("weights", f"{len(missing)} weight{'s' if len(missing) > 1 else ''} missing: "
                                   f"{_names_list(missing)}",
                                   f"every one of the {len(all_names)} weights of a {sizes} network, "
                                   "bias weights (X0->..., Z0->...) included")
        return W
    if isinstance(spec, (list, tuple)):
        L = len(sizes) - 1
        if len(spec) != L:
            raise NetworkFileError("weights", f"got a list of {len(spec)} arrays",
                                   f"{L} arrays, one per layer of links of a {sizes} network")
        W = []
        for l, rows in enumerate(spec):
            shape = (sizes[l] + 1, sizes[l + 1])
            exp = f"a {shape[0]} x {shape[1]} array (row 0 = the bias unit {net.unit_name(l, 0)}, one column per unit of layer {l + 1})"
            rows = _list(rows, _idx("weights", l), exp, shape[0])
            w = np.empty(shape)
            for i, row in enumerate(rows):
                row = _list(row, _idx(_idx("weights", l), i), f"a row of {shape[1]} numbers", shape[1])
                for j, v in enumerate(row):
                    w[i, j] = _number(v, _idx(_idx(_idx("weights", l), i), j))
            W.append(w)
        return W
    raise NetworkFileError("weights", f"got {_describe(spec)}", _EXPECT["weights"])


def _bias_names(net: Network) -> list[str]:
    return [net.weight_name(l, 0, j) for l, w in enumerate(net.W) for j in range(w.shape[1])]


def _frozen(spec, net: Network) -> frozenset[str]:
    if isinstance(spec, str):
        if spec != "biases":
            raise NetworkFileError("frozen", f"got {_describe(spec)}", _EXPECT["frozen"])
        return frozenset(_bias_names(net))
    items = _list(spec, "frozen", _EXPECT["frozen"])
    out: set[str] = set()
    for i, k in enumerate(items):
        where = _idx("frozen", i)
        _string(k, where, "a weight name such as \"X0->Z1\" or \"biases\"")
        if k == "biases":
            out.update(_bias_names(net))
            continue
        if not net.has_weight(k):
            raise NetworkFileError(where, f"{json.dumps(k)} is not a weight of this network",
                                   f"one of {_names_list(net.weight_names())}, or \"biases\"")
        if k in items[:i]:
            raise NetworkFileError(where, f"{json.dumps(k)} is listed twice", "each weight once")
        out.add(k)
    return frozenset(out)


def _samples(spec, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    _object(spec, "samples", _EXPECT["samples"])
    for k in spec:
        if k not in ("inputs", "targets"):
            raise _unknown_key(_key("samples", k), k, ("inputs", "targets"))
    arrays = []
    m = None
    for k, n in (("inputs", sizes[0]), ("targets", sizes[-1])):
        where = _key("samples", k)
        if k not in spec:
            raise NetworkFileError(where, "missing", f"a list of samples, each a list of {n} number{'s' if n > 1 else ''}")
        rows = _list(spec[k], where, f"a list of samples, each a list of {n} number{'s' if n > 1 else ''}")
        if not 1 <= len(rows) <= MAX_SAMPLES:
            raise NetworkFileError(where, f"got {len(rows):,} samples", f"from 1 to {MAX_SAMPLES:,} samples")
        if m is not None and len(rows) != m:
            raise NetworkFileError(where, f"got {len(rows)} targets for {m} inputs", "one target row per input row")
        m = len(rows)
        arr = np.empty((m, n))
        for s, row in enumerate(rows):
            row = _list(row, _idx(where, s),
                        f"a list of {n} number{'s' if n > 1 else ''} (layer {'0' if k == 'inputs' else len(sizes) - 1} "
                        f"has {n} unit{'s' if n > 1 else ''})", n)
            for j, v in enumerate(row):
                arr[s, j] = _number(v, _idx(_idx(where, s), j))
        arrays.append(arr)
    return arrays[0], arrays[1]


class Published(dict):
    """The numbers a source prints: ``{"forward": {...}, "loss": x, ...}`` plus the ``sample`` they are about.

    ``sample`` is 1-based, or "all" for a full-batch update. Each number is a float
    that may remember how the source wrote it (``.text``), for rounding to its digits.
    """

    sample: int | str = 1


def _published(spec, net: Network, m: int) -> Published:
    _object(spec, "published", _EXPECT["published"])
    allowed = PUBLISHED_SECTIONS + ("sample",)
    for k in spec:
        if k not in allowed:
            raise _unknown_key(_key("published", k), k, allowed)
    out = Published()
    sample = spec.get("sample", 1)
    where = _key("published", "sample")
    if sample != "all":
        if isinstance(sample, str):
            raise NetworkFileError(where, f"got {_describe(sample)}", f"a sample number 1..{m} or \"all\"")
        sample = _whole(sample, where, 1, m, f"the sample the published update uses (1..{m}) or \"all\"")
    out.sample = sample
    n_used = m if sample == "all" else 1
    L = net.n_layers
    units = [net.dest_name(l, j) for l in range(L) for j in range(net.sizes[l + 1])]
    weights = net.weight_names()
    known = {
        "forward": units + [f"z({u})" for u in units],
        "delta": units,
        "gradient": weights,
        "weights_after": weights,
    }
    per_sample = {"forward", "delta"}
    if "loss" in spec:
        out["loss"] = _number(spec["loss"], _key("published", "loss"))
    for sec in ("forward", "delta", "gradient", "weights_after"):
        if sec not in spec:
            continue
        swhere = _key("published", sec)
        what = {"forward": "unit names (Z1, D0, or z(Z1) for a pre-activation)", "delta": "unit names (Z1, D0)",
                "gradient": "weight names (X0->Z1)", "weights_after": "weight names (X0->Z1)"}[sec]
        _object(spec[sec], swhere, f"an object keyed by {what}")
        vals = {}
        for k, v in spec[sec].items():
            kwhere = _key(swhere, k)
            if k not in known[sec]:
                raise NetworkFileError(kwhere, f"{json.dumps(k)} is not a {'unit' if sec in per_sample else 'weight'} "
                                       "of this network", f"one of {_names_list(known[sec])}")
            if sec in per_sample and n_used > 1:
                vs = _list(v, kwhere, f"a list of {n_used} numbers, one per sample (published sample is \"all\")", n_used)
                vals[k] = [_number(x, _idx(kwhere, s)) for s, x in enumerate(vs)]
            else:
                vals[k] = _number(v, kwhere)
        out[sec] = vals
    if not any(k in out for k in PUBLISHED_SECTIONS):
        raise NetworkFileError("published", "has no numbers", _EXPECT["published"])
    return out


# ----- public API ---------------------------------------------------------------------
def load_network_text(text: str, source: str | None = None) -> WorkedExample:
    """Load a network file's text (what a file holds, e.g. typed in a notebook's box), exactly as
    ``load_network`` loads the file: the same checks (a key written twice, nesting, size), and
    every published number keeps the digits it was written with ("0.7500" is compared to 4 decimals).
    ``source`` names the text in errors."""
    if not isinstance(text, str):
        raise TypeError(f"load_network_text needs the text of a network file (a str), got {type(text).__name__}")
    src = source or "(text)"
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise NetworkFileError(src, f"the text is {len(text.encode('utf-8', 'surrogatepass')):,} bytes",
                               f"a network file of at most {MAX_FILE_BYTES:,} bytes (10 MB)")
    return _check_document(_parse_text(text, src), source)


def load_network(source) -> WorkedExample:
    """Load a network file (a path) or the same structure as a dict; everything is checked first.

    Returns a ``WorkedExample`` like ``xor_example()``: ``net``, ``X`` (m, n0), ``y`` (m, nL),
    ``lr``, ``loss``, plus ``rule``, ``frozen``, ``published``, ``name``. Raises
    ``NetworkFileError`` (a ValueError) naming the key path and what was expected.
    """
    if isinstance(source, (str, os.PathLike)):
        if not os.fspath(source):
            raise NetworkFileError("(empty path)", "no file name given", "the path of a network file (.json)")
        path = Path(source)
        doc = _read_file(path)
        ex = _check_document(doc, str(path))
        ex.path = str(path)
        return ex
    if isinstance(source, dict):
        return _check_document(_check_depth(source, None), None)
    raise TypeError(f"load_network needs a file path or a dict, got {type(source).__name__}")


def network_to_dict(example: WorkedExample) -> dict:
    """The network file of ``example`` as a dict (weights by name, every digit kept)."""
    net = example.net
    doc: dict = {}
    for k in ("name", "description", "source"):
        if getattr(example, k, ""):
            doc[k] = getattr(example, k)
    doc["layers"] = list(net.sizes)
    doc["activations"] = [a.spec for a in net.acts]
    if net.names != default_layer_names(len(net.sizes)):
        doc["names"] = list(net.names)
    doc["weights"] = net.weights_dict()
    frozen = frozenset(net.frozen)  # the network is the one source of truth
    if frozen:
        biases = frozenset(_bias_names(net))
        doc["frozen"] = "biases" if frozen == biases else [n for n in net.weight_names() if n in frozen]
    doc["loss"] = get_loss(example.loss).spec
    doc["lr"] = float(example.lr)
    doc["rule"] = getattr(example, "rule", "gradient")
    convention = getattr(example, "convention", None)
    if convention is not None:
        doc["convention"] = list(convention) or "bpnet"
        if "threshold" in convention:  # written back as the thresholds the file holds
            weights = doc["weights"]
            for name in _bias_names(net):
                weights[name] = -weights[name]
    doc["samples"] = {"inputs": np.asarray(example.X, float).tolist(), "targets": np.asarray(example.y, float).tolist()}
    pub = getattr(example, "published", None)
    if pub:
        p: dict = {}
        if getattr(pub, "sample", 1) != 1:
            p["sample"] = pub.sample
        for sec in PUBLISHED_SECTIONS:
            if sec in pub:
                p[sec] = pub[sec]
        doc["published"] = p
    return doc


def save_network(example: WorkedExample, path) -> Path:
    """Write ``example`` as a network file; ``load_network(path)`` gives back the identical example.

    The dict is checked by the loader first and written to a temporary file that replaces
    ``path`` only when complete: a failure leaves no file and no half-written one.
    """
    doc = network_to_dict(example)
    _check_document(doc, None)
    path = Path(path)
    if path.is_dir():
        raise NetworkFileError(str(path), "is a directory", "a file path to write the network to")
    text = _dumps(doc) + "\n"
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bpnet-", suffix=".json")
    except OSError as exc:
        raise NetworkFileError(str(path), f"cannot be written ({exc.strerror or exc})",
                               "a path in an existing folder you can write to") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _num_text(v) -> str:
    if isinstance(v, _Num):
        return v.text
    if isinstance(v, numbers.Integral):
        return str(int(v))
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _dumps(v, indent: int = 0) -> str:
    """JSON with short lists of numbers on one line and published numbers written as the source wrote them."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dumps(x, indent + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, (list, tuple)):
        parts = [_dumps(x, indent + 1) for x in v]
        if all("\n" not in p for p in parts) and sum(len(p) + 2 for p in parts) < 90:
            return "[" + ", ".join(parts) + "]"
        return "[\n" + ",\n".join(inner + p for p in parts) + "\n" + pad + "]"
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return _num_text(v)


def decimals_of(v) -> Decimal:
    """The quantum of a published number as the source wrote it: "1.40" -> 0.01, 4 -> 1."""
    text = getattr(v, "text", None)
    if text is None:
        text = _num_text(v)
    try:
        exp = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        exp = -6
    # 0e-1000000000 is a zero: no float has digits below about 1e-340 to compare.
    return Decimal(1).scaleb(max(exp, -340) if isinstance(exp, int) else -6)
