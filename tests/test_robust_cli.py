"""The command line within and beyond its limits: every input within them works, every one beyond them
is refused before work starts with one line (exit 2), and the output reaches any console encoding.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import bpnet
import bpnet.explain.trace as trace_module
from bpnet.__main__ import ASCII_SPELLING, main
from bpnet.teach.netfile import load_network, load_network_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ARTICLE = EXAMPLES / "xor-article-published.json"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "", (code, out)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def with_text(tmp_path, text: str) -> Path:
    f = tmp_path / "net.json"
    f.write_text(text, encoding="utf-8")
    return f


def article_text(old: str, new: str, count: int = 1) -> str:
    text = ARTICLE.read_text()
    assert old in text
    return text.replace(old, new, count)


# ----- 3. numbers beyond a float ---------------------------------------------------------------------
@pytest.mark.parametrize("key,old", [("lr", '"lr": 0.1'), ("weights", '"X0->Z1": 1'),
                                     ("published", '"D0": -4')])
@pytest.mark.parametrize("literal,words", [("1" + "0" * 309, "integer of 310 digits"),
                                            ("2" + "0" * 308, "integer of 309 digits"),
                                            ("9" * 5000, "integer of 5,000 digits"),
                                            ("1e309", "1e309, beyond the largest float"),
                                            ("-8e-400", "below the smallest float"),
                                            ("8.0e-1000000000", "below the smallest float")])
def test_numbers_beyond_a_float_are_refused_in_one_line(tmp_path, capsys, key, old, literal, words):
    name, _ = old.split(":")
    f = with_text(tmp_path, article_text(old, f"{name}: {literal}"))
    err = one_line_error(capsys, "check", f)
    assert words in err and key in err, err
    assert "; expected a finite number" in err


@pytest.mark.slow
@pytest.mark.parametrize("text", ["0.75" + "0" * 40, "-4.0000000000000000000000000000", "0e-1000000000", "4e-320"])
def test_published_numbers_of_many_digits_or_tiny_ones_are_checked(tmp_path, capsys, text):
    """Within a float's range, any number of digits is fine: the check compares to those digits."""
    f = with_text(tmp_path, article_text('"D0": -4', f'"D0": {text}'))
    code, out, err = run(capsys, "check", f)
    assert code == 1 and err == ""  # the article's numbers are wrong: exit 1, a full table
    assert "First disagreement: delta D0" in out


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a mistake's overflowing number is no warning either
def test_a_bpnet_number_far_above_the_published_digits_is_rounded_to_them():
    """1e300 published to 2 decimals: the rounding needs 303 digits (the default context has 28)."""
    text = ARTICLE.read_text()
    doc = json.loads(text)
    doc["published"] = {"weights_after": {"X0->Z1": 1.25}}
    doc["lr"] = 1e300
    doc["samples"]["targets"] = [[1e-300], [1], [1], [0]]
    ex = bpnet.load_network(doc)
    row = bpnet.check_published(ex).rows[0]
    assert row.mark == "✗"
    assert row.bpnet_text.endswith(".00") and len(row.bpnet_text) > 300


def test_the_zero_written_with_an_absurd_exponent_is_zero():
    ex = load_network_text(article_text('"X0->Z1": 1', '"X0->Z1": 0e-1000000000'))
    assert ex.net["X0->Z1"] == 0.0


# ----- 3. paths that are not files ---------------------------------------------------------------------
def test_an_empty_path_is_named_as_such(capsys):
    err = one_line_error(capsys, "check", "")
    assert "no file name given" in err and "directory" not in err


@pytest.mark.slow  # subprocesses
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for argv in (["check", str(fifo)], ["trace", "--network", str(fifo)]):
        proc = subprocess.run([sys.executable, "-m", "bpnet", *argv], capture_output=True, text=True,
                              timeout=60, env=env)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr == f"error: {fifo}: is a named pipe (FIFO), not a regular file; " \
                              "expected the path of a network file (.json)\n"


@pytest.mark.parametrize("sample", ["１", "٣", "²", "+1", " 1", "1.0", "0", "99999999999999999999"])
def test_sample_numbers_are_ascii_digits_only(capsys, sample):
    err = one_line_error(capsys, "trace", "--network", EXAMPLES / "xor.json", "--sample", sample)
    assert "--sample must be 1..4 or 'all'" in err


# ----- 3. trace output of any size is streamed ------------------------------------------------------
def small_traces():
    rng = np.random.default_rng(3)
    for sizes, m in (([2, 3, 1], 4), ([3, 4, 2], 1), ([2, 2, 2, 1], 2)):
        net = bpnet.Network.random(sizes, seed=1)
        yield bpnet.trace_step(net, rng.normal(size=(m, sizes[0])), rng.uniform(size=(m, sizes[-1])))


def test_write_json_and_write_text_write_exactly_to_json_and_to_text():
    for trace in small_traces():
        j, t = io.StringIO(), io.StringIO()
        trace.write_json(j)
        trace.write_text(t)
        assert j.getvalue() == trace.to_json()
        assert t.getvalue() == trace.to_text()


def test_the_cli_json_is_the_trace_json(capsys):
    ex = load_network(EXAMPLES / "softmax-cross-entropy.json")
    code, out, _ = run(capsys, "trace", "--network", EXAMPLES / "softmax-cross-entropy.json", "--sample", "all",
                       "--format", "json")
    assert code == 0
    assert out == bpnet.trace_step(ex.net, ex.X, ex.y, ex.lr, ex.loss).to_json() + "\n"


@pytest.mark.slow
def test_write_json_holds_one_step_at_a_time():
    """The peak memory of writing is a small part of what is written (to_json holds it all, several times)."""
    net = bpnet.Network.random([40, 40, 1], seed=0)
    trace = bpnet.trace_step(net, np.ones((1, 40)), np.ones((1, 1)))

    class Counter:
        n = 0

        def write(self, s):
            self.n += len(s)

    sink = Counter()
    tracemalloc.start()
    try:
        trace.write_json(sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.n > 1_000_000
    assert peak < sink.n / 4, (peak, sink.n)


def test_a_whole_trace_string_too_large_for_memory_is_refused_with_its_size(monkeypatch):
    trace = next(small_traces())
    monkeypatch.setattr(trace_module, "MAX_WHOLE_STEPS", len(trace) - 1)
    for call, stream in ((trace.to_json, "write_json"), (trace.to_text, "write_text"), (trace.to_dict, "write_json"),
                         (lambda: trace.to_markdown(max_steps=None), "write_text")):
        with pytest.raises(ValueError, match=rf"{len(trace)} steps: .* about [0-9.]+ GB in memory .*{stream}"):
            call()
    assert trace.to_text(max_steps=3)  # a capped text is built as before
    out = io.StringIO()
    trace.write_json(out)
    assert json.loads(out.getvalue())["steps"][-1]["index"] == len(trace) - 1


# ----- 4. any console encoding ---------------------------------------------------------------------
def _console(encoding: str) -> dict:
    """The environment of a `python -m bpnet` whose console writes ``encoding``."""
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING=encoding)


_UTF8_OUTPUTS: dict[tuple, str] = {}


def _utf8_output(argv) -> str:
    """What `python -m bpnet *argv` prints on a UTF-8 console (run once per argv, shared by the encodings)."""
    if tuple(argv) not in _UTF8_OUTPUTS:
        _UTF8_OUTPUTS[tuple(argv)] = subprocess.run([sys.executable, "-m", "bpnet", *argv], capture_output=True,
                                                    timeout=120, env=_console("utf-8")).stdout.decode("utf-8")
    return _UTF8_OUTPUTS[tuple(argv)]


@pytest.mark.slow  # subprocesses
@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
@pytest.mark.parametrize("argv,code", [(["check", str(ARTICLE)], 1),
                                       (["check", str(EXAMPLES / "two-outputs-sigmoid.json")], 0),
                                       (["trace", "--network", str(ARTICLE)], 0),
                                       (["trace", "--network", str(ARTICLE), "--sample", "all", "--format", "json"], 0),
                                       (["check", str(ARTICLE), "--format", "json"], 1)])
def test_output_reaches_a_console_that_cannot_show_the_symbols(encoding, argv, code):
    proc = subprocess.run([sys.executable, "-m", "bpnet", *argv], capture_output=True, timeout=120,
                          env=_console(encoding))
    assert proc.returncode == code, proc.stderr
    assert proc.stderr == b""
    out = proc.stdout.decode(encoding)  # every byte is in the console's encoding
    utf8 = _utf8_output(argv)
    spelled = "".join(c if c.encode(encoding, "ignore") else ASCII_SPELLING[c] for c in utf8)
    assert out == spelled  # the same text, each symbol the console lacks spelled out
    if argv[0] == "trace" and "json" not in argv:
        assert "delta(D0)" in out and "δ" not in out


@pytest.mark.slow  # subprocesses
@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_an_error_reaches_such_a_console_too(encoding, tmp_path):
    f = with_text(tmp_path, article_text('"lr": 0.1', '"lr": "η = 0.1"'))
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING=encoding)
    proc = subprocess.run([sys.executable, "-m", "bpnet", "check", str(f)], capture_output=True, timeout=60, env=env)
    assert proc.returncode == 2 and proc.stdout == b""
    err = proc.stderr.decode(encoding)
    assert err == f'error: {f}: lr: got the string "eta = 0.1"; expected a finite number (write 0.5, not "0.5")\n'


# ----- 3. nesting, in a file and in a dict ---------------------------------------------------------------
@pytest.mark.parametrize("depth,ok", [(10, True), (11, False), (100_000, False)])
def test_nesting_beyond_ten_levels_is_refused(tmp_path, capsys, depth, ok):
    """A file needs five levels; the nesting sits under a key of its own, refused next if it gets through."""
    nested = "[" * depth + "]" * depth
    text = article_text('"lr": 0.1', f'"lr": 0.1, "extra": {nested}')
    f = with_text(tmp_path, text)
    if ok:
        with pytest.raises(bpnet.NetworkFileError, match=r"extra: unknown key"):
            load_network(f)
    else:
        err = one_line_error(capsys, "check", f)
        assert "nested too deeply; expected a JSON object at most 10 levels deep" in err


def test_a_dict_that_holds_itself_is_refused():
    doc = json.loads(ARTICLE.read_text())
    doc["published"] = doc
    with pytest.raises(bpnet.NetworkFileError, match="nested too deeply"):
        bpnet.load_network(doc)
