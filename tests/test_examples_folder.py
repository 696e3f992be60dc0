"""The example network files are found from any working directory (the notebooks run in notebooks/,
a script anywhere), and a missing file or folder is one clear error."""

from __future__ import annotations

import numpy as np
import pytest

import bpnet
from bpnet.teach import examples


def test_example_files_are_found_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = bpnet.example_file()
    assert folder.is_dir() and folder.name == "examples"
    xor = bpnet.load_network(bpnet.example_file("xor.json"))
    ref = bpnet.xor_example()
    assert all(np.array_equal(a, b) for a, b in zip(xor.net.W, ref.net.W))
    assert np.array_equal(xor.X, ref.X) and xor.lr == ref.lr
    assert bpnet.load_network(bpnet.example_file("xor-article-published.json")).published is not None


def test_a_missing_example_names_the_ones_there_are():
    with pytest.raises(FileNotFoundError, match=r"no example network file 'xor.jsn'.*'xor.json'"):
        bpnet.example_file("xor.jsn")


def test_an_installed_bpnet_finds_the_folder_above_the_working_directory(tmp_path, monkeypatch):
    """bpnet installed into site-packages (as on Binder): the notebooks run in a clone's notebooks/."""
    monkeypatch.setattr(examples, "EXAMPLES_DIR", tmp_path / "site-packages" / "examples")
    clone = tmp_path / "clone"
    (clone / "notebooks").mkdir(parents=True)
    (clone / "examples").mkdir()
    for name in ("xor.json", "xor-article-published.json"):
        (clone / "examples" / name).write_bytes((examples.Path(bpnet.__file__).parent.parent / "examples" / name)
                                                .read_bytes())
    monkeypatch.chdir(clone / "notebooks")
    assert bpnet.example_file() == clone / "examples"
    assert bpnet.load_network(bpnet.example_file("xor.json")).lr == 0.1


def test_without_the_repository_the_error_says_where_the_files_come_from(tmp_path, monkeypatch):
    monkeypatch.setattr(examples, "EXAMPLES_DIR", tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="come with the bpnet repository"):
        bpnet.example_file("xor.json")
