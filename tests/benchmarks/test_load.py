"""bench/load.py and bench/wrk.py: the prepared requests reach the server as prepared, wrk's
figures are read back, and both drivers measure a real load alike."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import h11
import pytest

from bench import wrk
from bench.load import Driver, Request, drive_with_httpx

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:8000
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.51ms    1.02ms  20.11ms   90.00%
    Req/Sec     3.50k   210.00     3.90k    70.00%
  10500 requests in 3.00s, 1.50MB read
  Non-2xx or 3xx responses: 12
Requests/sec:   3500.00
Transfer/sec:    512.00KB
{"seconds": 3.001500, "failures": 12, "per_second": [3400, 3500, 3570, 18], \
"latency_us": {"50": 4400, "90": 5600, "99": 9100}}
"""


def read_back(path: Path) -> list[bytes]:
    """The requests in a file written for bench/wrk.lua, split as the script splits them."""
    data, requests = path.read_bytes(), []
    while data:
        length, data = data.split(b"\n", 1)
        requests.append(data[: int(length)])
        data = data[int(length) :]
    return requests


def served(wire: bytes) -> tuple[h11.Request, bytes]:
    """What a server reads from these bytes: one whole request and its body."""
    server = h11.Connection(h11.SERVER)
    server.receive_data(wire)
    request = server.next_event()
    assert isinstance(request, h11.Request)
    body = b""
    while isinstance(event := server.next_event(), h11.Data):
        body += event.data
    assert isinstance(event, h11.EndOfMessage)
    return request, body


def test_the_prepared_requests_reach_the_server_as_prepared(tmp_path: Path) -> None:
    requests = [
        Request("GET", "/v1/cases/NWD-1?limit=20", {"X-Receipt": "first receipt"}),
        Request.with_json("POST", "/v1/complaints", {"description": "The commune — silent."}),
        Request("POST", "/hash"),
    ]
    path = tmp_path / "requests"
    common = {"authorization": "Bearer common", "X-Receipt": "overridden"}

    wrk.write_requests(path, "http://127.0.0.1:8123/api/", requests, common)

    read, posted, hashed = (served(wire) for wire in read_back(path))
    assert (read[0].method, read[0].target) == (b"GET", b"/api/v1/cases/NWD-1?limit=20")
    headers = dict(read[0].headers)
    assert headers[b"host"] == b"127.0.0.1:8123"
    assert headers[b"authorization"] == b"Bearer common"
    assert headers[b"x-receipt"] == b"first receipt"
    assert (posted[0].method, posted[0].target) == (b"POST", b"/api/v1/complaints")
    assert dict(posted[0].headers)[b"content-type"] == b"application/json"
    assert posted[1] == b'{"description": "The commune \\u2014 silent."}'
    assert (hashed[0].target, dict(hashed[0].headers)[b"content-length"], hashed[1]) == (
        b"/api/hash",
        b"0",
        b"",
    )


def test_wrk_figures_are_read_from_the_line_the_script_prints() -> None:
    run = wrk.parse(WRK_OUTPUT, seconds=3)

    assert run.seconds == pytest.approx(3.0015)
    assert run.per_second == [3400, 3500, 3588]  # the few after the last second go into it
    assert run.answered == 10488
    assert run.failures == 12
    assert run.rate == pytest.approx(10488 / 3.0015)
    assert run.latency == {50: 0.0044, 90: 0.0056, 99: 0.0091}


def test_wrk_output_without_the_script_line_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no figures"):
        wrk.parse(WRK_OUTPUT.split("\n{")[0], seconds=3)


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 to every path but /fail, which it answers 503; records what it was sent."""

    protocol_version = "HTTP/1.1"  # keeps the connection open, as a real server does
    received: ClassVar[list[tuple[str, str | None, str | None]]] = []

    def do_GET(self) -> None:
        self.received.append((self.path, self.headers["X-Case"], self.headers["Authorization"]))
        self.send_response(503 if self.path == "/fail" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.received = []
    with ThreadingHTTPServer(("127.0.0.1", 0), Recorder) as http:
        http.daemon_threads = True
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{http.server_address[1]}"
        http.shutdown()


def installed_wrk() -> Driver:
    if wrk.installed() is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    return wrk.drive_with_wrk


@pytest.mark.parametrize("driver", ["wrk", "httpx"])
async def test_a_short_load_counts_answers_failures_and_seconds(server: str, driver: str) -> None:
    drive = installed_wrk() if driver == "wrk" else drive_with_httpx
    requests = [Request("GET", f"/case/{n}", {"X-Case": str(n)}) for n in range(3)]
    requests.append(Request("GET", "/fail"))
    ticks = []

    run = await drive(
        server,
        requests,
        connections=2,
        seconds=2,
        warmup=1,
        tick=lambda: ticks.append(1),
        headers={"Authorization": "Bearer common"},
    )

    assert run.answered > 100
    assert run.failures / (run.answered + run.failures) == pytest.approx(0.25, abs=0.1)
    assert len(run.per_second) == 2
    assert sum(run.per_second) == run.answered
    assert run.rate == pytest.approx(run.answered / run.seconds)
    assert run.seconds == pytest.approx(2, abs=0.2)
    assert 0 < run.percentile(50) <= run.percentile(90) <= run.percentile(99)
    assert ticks
    assert {path for path, _, _ in Recorder.received} == {"/case/0", "/case/1", "/case/2", "/fail"}
    for path, case, authorization in Recorder.received:
        assert authorization == "Bearer common"
        assert case == (path.removeprefix("/case/") if path != "/fail" else None)
