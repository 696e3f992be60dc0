"""What teaches: the exercise checkers, network files and the shipped examples, the check of
published numbers, and worksheets. Imports only ``bpnet.core`` and ``bpnet.explain``."""
