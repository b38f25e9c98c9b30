"""The connection pool under the gateway's calls inward: aiohttp's, behind httpx's interface.

httpx's own pool (httpcore) checks every pooled connection's socket on each request, through
anyio's typed attributes: under a read load it was a sixth of the gateway's CPU, and httpcore as
a whole over a third. aiohttp keeps its connections in a queue per host and parses answers in C.
The service clients keep speaking httpx, so tests can still drive a service in-process through
`httpx.ASGITransport` or stand one in with `httpx.MockTransport`. Calls inward never go through
an HTTP proxy named in the environment: the services are on the platform's own network.
"""

from __future__ import annotations

import aiohttp
import httpx

from nowrongdoor.telemetry import trace_calls_through

# Connections kept open to each internal service, each reused for the next call.
CONNECTIONS_PER_SERVICE = 64
# An idle connection is dropped before the service would close it (uvicorn: after 5 s), so a
# call is never sent down a connection the service is closing at that moment.
IDLE_SECONDS = 4.0


def pooled_client(*, timeout_seconds: float) -> httpx.AsyncClient:
    """An httpx client over `PooledTransport`, traced like any other where spans are exported."""
    client = httpx.AsyncClient(timeout=timeout_seconds, transport=PooledTransport())
    trace_calls_through(client)
    return client


class PooledTransport(httpx.AsyncBaseTransport):
    """Sends each httpx request through one aiohttp session with keep-alive connections."""

    def __init__(self, *, connections_per_service: int = CONNECTIONS_PER_SERVICE) -> None:
        self._limit = connections_per_service
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        # The session belongs to the running loop, so it opens with the first call, not here.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit_per_host=self._limit, limit=0, keepalive_timeout=IDLE_SECONDS
                ),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        try:
            async with self._opened().request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body or None,
                timeout=_timeout(request),
                allow_redirects=False,
            ) as answer:
                content = await answer.read()
                return httpx.Response(
                    answer.status,
                    headers=list(answer.headers.items()),
                    content=content,
                    request=request,
                )
        # Raised as httpx's own errors, which is what the service clients expect of a transport.
        except TimeoutError as error:
            raise httpx.TimeoutException(
                "the service did not answer in time", request=request
            ) from error
        except aiohttp.ClientConnectorError as error:
            raise httpx.ConnectError(str(error), request=request) from error
        except aiohttp.ClientError as error:
            raise httpx.ReadError(str(error) or type(error).__name__, request=request) from error

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    limits = request.extensions.get("timeout", {})
    return aiohttp.ClientTimeout(
        connect=limits.get("connect"),
        sock_read=limits.get("read"),
        total=None,
    )
