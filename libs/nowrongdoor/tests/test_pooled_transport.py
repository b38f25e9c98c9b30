"""The gateway's pool of connections inward: a service client's calls over a real socket."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nowrongdoor.auth import Principal, development_signing_key
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem, ServiceUnavailable
from nowrongdoor.contracts.transport import pooled_client


class Echo(ServiceClient):
    service = "echo"


class Seen:
    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        self.peers: set[int] = set()


@pytest.fixture
async def echo_server() -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def echo(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            seen.peers.add(peer[1])
        body = await request.read()
        seen.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "authorization": request.headers.get("Authorization", ""),
                "body": json.loads(body) if body else None,
            }
        )
        return web.json_response({"echoed": len(seen.requests)}, headers={"X-Seen": "yes"})

    async def refuse(_request: web.Request) -> web.Response:
        problem = {
            "type": "/problems/case.not-found",
            "title": "Not found",
            "status": 404,
            "detail": "There is no case with this reference.",
        }
        return web.json_response(problem, status=404, content_type="application/problem+json")

    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/refuse", refuse)
    app.router.add_get("/slow", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), seen
    finally:
        await server.close()


def caller() -> Principal:
    return Principal.public()


@asynccontextmanager
async def echo_at(url: str, key_dir: Path, *, timeout_seconds: float = 5) -> AsyncIterator[Echo]:
    """A service client over the pooled transport, signing with the development key."""
    async with pooled_client(timeout_seconds=timeout_seconds) as http:
        yield Echo(http, url, signing_key=development_signing_key(key_dir))


async def test_a_call_carries_its_method_query_body_and_token_and_reads_the_answer(
    echo_server: tuple[str, Seen], tmp_path: Path
) -> None:
    url, seen = echo_server
    async with echo_at(url, tmp_path) as client:
        answer = await client.call(
            caller(), "POST", "/echo", params={"limit": "20"}, json={"reference": "NWD-1"}
        )

    assert answer.status_code == 200
    assert answer.json() == {"echoed": 1}
    assert answer.headers["x-seen"] == "yes"
    request = seen.requests[0]
    assert request["method"] == "POST"
    assert request["query"] == {"limit": "20"}
    assert request["body"] == {"reference": "NWD-1"}
    assert str(request["authorization"]).startswith("Bearer ey")


async def test_calls_one_after_another_reuse_one_connection(
    echo_server: tuple[str, Seen], tmp_path: Path
) -> None:
    url, seen = echo_server
    async with echo_at(url, tmp_path) as client:
        for _ in range(5):
            await client.call(caller(), "GET", "/echo")

    assert len(seen.requests) == 5
    assert len(seen.peers) == 1


async def test_a_refusal_is_raised_as_the_service_s_problem(
    echo_server: tuple[str, Seen], tmp_path: Path
) -> None:
    url, _ = echo_server
    async with echo_at(url, tmp_path) as client:
        with pytest.raises(ServiceProblem) as refused:
            await client.call(caller(), "GET", "/refuse")

    assert refused.value.status == 404
    assert refused.value.slug == "case.not-found"


async def test_a_service_that_is_not_listening_is_unavailable(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with echo_at(f"http://127.0.0.1:{closed_port}", tmp_path) as client:
        with pytest.raises(ServiceUnavailable) as unavailable:
            await client.call(caller(), "GET", "/echo")

    assert "echo service is not answering" in str(unavailable.value.detail)


async def test_a_service_that_answers_too_late_is_unavailable_within_the_timeout(
    echo_server: tuple[str, Seen], tmp_path: Path
) -> None:
    url, _ = echo_server
    loop = asyncio.get_running_loop()
    async with echo_at(url, tmp_path, timeout_seconds=0.3) as client:
        started = loop.time()
        with pytest.raises(ServiceUnavailable):
            await client.call(caller(), "GET", "/slow")

    assert loop.time() - started < 3
