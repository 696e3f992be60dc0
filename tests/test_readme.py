"""The README's examples are real: its command-line excerpt and code run as printed."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def block(lang: str, containing: str) -> str:
    """The first ```lang block of the README that contains ``containing``."""
    for body in re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S):
        if containing in body:
            return body
    raise AssertionError(f"README has no ```{lang} block containing {containing!r}")


def test_cli_excerpt_is_the_start_of_the_real_output():
    excerpt = block("text", "Forward pass:").rstrip("\n").splitlines()
    out = subprocess.run([sys.executable, "-m", "bpnet", "trace", "--example", "xor", "--rule", "article"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[: len(excerpt)] == excerpt


def test_python_example_runs_and_prints_what_its_comment_says():
    code = block("python", "import bpnet")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    promised = re.search(r"print\(.*\)\s+# (.*)", code).group(1)
    assert r.stdout.splitlines()[0] == promised


@pytest.mark.slow
def test_every_cli_command_in_the_readme_works():
    commands = re.findall(r"^python -m bpnet (trace[^\n#]*)", block("bash", "python -m bpnet trace"), flags=re.M)
    assert len(commands) >= 6 and any("--network" in c for c in commands)
    for c in commands:
        r = subprocess.run([sys.executable, "-m", "bpnet", *c.split()], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, (c, r.stderr)
        assert "->" in r.stdout and "Forward pass" in r.stdout or '"weights_before"' in r.stdout, c


def test_the_readme_check_command_says_what_the_readme_says():
    (command,) = re.findall(r"^python -m bpnet (check[^\n#]*)", block("bash", "python -m bpnet check"), flags=re.M)
    r = subprocess.run([sys.executable, "-m", "bpnet", *command.split()], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1, r.stderr  # the article's numbers disagree with gradient descent
    quoted = re.search(r'"(on 13 of 13 .*?)"', README, flags=re.S).group(1)
    verdict = next(line for line in r.stdout.splitlines() if line.startswith("The published numbers match"))
    assert " ".join(quoted.split()) in verdict and "sign" in verdict
    assert "10 of 21 published numbers agree with bpnet" in r.stdout


def test_network_file_example_runs_and_prints_what_its_comment_says():
    code = block("python", "load_network")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    promised = re.search(r"print\(.*\)\s+# (.*)", code).group(1)
    assert r.stdout.splitlines()[0] == promised


def test_readme_lists_the_network_file_keys():
    for key in ("layers", "activations", "names", "weights", "frozen", "loss", "lr", "rule", "samples", "published"):
        assert f"| `{key}`" in README or f"`{key}`," in README, key


def test_readme_lists_every_notebook():
    for nb in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb")):
        assert f"`{nb.stem}`" in README, nb.name


def test_the_layout_names_every_layer_and_module_of_the_package():
    """The README's layout is the package as it is: each layer's folder, and every module in its own
    layer's entry (a module moved or added shows here)."""
    layout = README.split("## Layout", 1)[1].split("```")[1]
    entries = re.split(r"\n  (?=\w+/|\w+\.py)", layout)
    package = ROOT / "bpnet"
    layers = sorted(p.name for p in package.iterdir() if (p / "__init__.py").is_file())
    assert layers, "no layer folders in bpnet/"
    for layer in layers:
        (entry,) = [e for e in entries if e.startswith(f"{layer}/")]
        for module in sorted((package / layer).glob("*.py")):
            if module.name != "__init__.py":
                assert re.search(rf"\b{module.stem}\b", entry), f"bpnet/{layer}/{module.name} is not in the README's {layer}/ entry"
    for module in sorted(package.glob("*.py")):
        if module.name != "__init__.py":
            assert module.name in layout, f"bpnet/{module.name} is not in the README's layout"
