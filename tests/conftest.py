"""Test markers. Everything runs under `make test`; the markers only let a developer narrow a run,
e.g. `make test PYTEST_ARGS="-m 'not slow and not browser'"`."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds a fresh virtual environment or runs every notebook (minutes)")
    config.addinivalue_line("markers", "browser: drives JupyterLab in a real Chromium (needs chromium on PATH)")
