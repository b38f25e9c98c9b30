"""A sixth service known only by its entry points, for the tests of `up`, `migrate` and the plugin.

`test_declared_services.py` copies this package beside a `dist-info` folder of its own making, so it
is installed the way a real distribution is, without pip.
"""
