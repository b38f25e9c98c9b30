"""Not a package to install: it gives intake's test suite a unique import name."""
