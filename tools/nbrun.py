"""Execute notebooks in place and strip metadata noise, so the stored outputs are what nbval compares.

    python tools/nbrun.py notebooks/*.ipynb

Each notebook runs top to bottom in a fresh kernel with notebooks/ as the working
directory. Afterwards: execution counts are renumbered 1..n, per-cell execution
timestamps, widget state and kernel-specific metadata are removed, widget view ids are
pinned and consecutive stream chunks merged, so re-running an unchanged notebook
leaves the file byte-for-byte identical.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KEEP_NB_METADATA = {"kernelspec", "language_info"}
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def clean(nb) -> None:
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NB_METADATA}
    # Stored exactly as JupyterLab writes them when it connects the notebook to ipykernel's
    # python3 kernel (display name and the kernel's language_info, Python version included):
    # anything else makes JupyterLab rewrite the metadata on open, marking an untouched
    # notebook as modified ("Save changes?") and autosaving it into the repository.
    nb.metadata["kernelspec"] = {"display_name": KERNEL_DISPLAY_NAME, "language": "python", "name": "python3"}
    nb.metadata.setdefault("language_info", {})["version"] = platform.python_version()
    pin_widget_ids(nb)
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
            count += 1
            cell.execution_count = count
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = count
                out.get("metadata", {}).pop("execution", None)


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks: how the kernel split them is timing, not content."""
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1]["name"] == out["name"]):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def pin_widget_ids(nb) -> None:
    """Replace each stored widget view's random model id by a stable one (the state is not stored anyway)."""
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view and "model_id" in view:
                n += 1
                view["model_id"] = f"{n:032x}"


def run(path: Path, timeout: int = 120) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   store_widget_state=False).execute()
    took = time.perf_counter() - start
    clean(nb)
    nbformat.write(nb, path)
    return took


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        took = run(Path(name))
        print(f"{name}: {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
