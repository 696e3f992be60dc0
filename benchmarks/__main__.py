"""``python -m benchmarks``: run every benchmark and write benchmarks/results.md and results.png."""

from .run import main

raise SystemExit(main())
