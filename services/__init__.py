"""Not a package to install: it gives the service test suites below unique import names."""
