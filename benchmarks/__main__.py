"""``python -m benchmarks``: run every benchmark and write benchmarks/results.md and results.png."""

import os

# One BLAS thread for numpy (PyTorch is set to one thread too): on a shared machine a second
# thread spin-waiting for a busy core made the larger matmuls up to 10x slower at random.
# It must be set before numpy is imported; an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from .run import main  # noqa: E402

raise SystemExit(main())
