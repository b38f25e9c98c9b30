"""The Open311 door on its own: the `api_key` becomes a bearer token, refusals leave as Open311
errors, and the body the key was read from reaches the route whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from xml.etree.ElementTree import fromstring

import httpx
import pytest
from fastapi import FastAPI, Header, Request
from pydantic import BaseModel

from gateway.edge.limits import Admission
from gateway.open311.door import Open311Door
from nowrongdoor.problems import ProblemError, install_problem_handlers
from nowrongdoor.testing.apps import running

GOOD_CREDENTIALS = "nwdc_good:nwds_secret"


class StandInKeys:
    """Credentials checked against one good pair; counts the slow checks."""

    def __init__(self) -> None:
        self.checked = 0

    def remembered(self, api_key: str) -> str | None:
        return None

    async def exchange(self, api_key: str) -> str | None:
        self.checked += 1
        return "token-for-good" if api_key == GOOD_CREDENTIALS else None


class OpenLimiter:
    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse

    async def admit(self, scope: object, route: str) -> Admission:
        return Admission(retry_after=7, detail="Too many requests.") if self.refuse else Admission()


class Shape(BaseModel):
    size: int


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(Open311Door, gateway=app)
    app.state.open311_keys = StandInKeys()
    app.state.rate_limiter = OpenLimiter()
    app.state.open311_rate_limits = True

    @app.api_route("/open311/v2/echo.{format}", methods=["GET", "POST"])
    async def echo(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, str | None]:
        body = (await request.body()).decode()
        return {"authorization": authorization, "body": body}

    @app.get("/open311/v2/refuse.{format}")
    async def refuse() -> None:
        raise ProblemError(404, "There is no such request.")

    @app.get("/open311/v2/validate.{format}")
    async def validate(size: int) -> Shape:
        return Shape(size=size)

    @app.get("/v1/refuse")
    async def rest_refuses() -> None:
        raise ProblemError(404, "Not here.")

    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


async def test_an_access_token_in_the_query_is_sent_on_as_a_bearer_token(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/open311/v2/echo.json", params={"api_key": "eyJ.a.b"})
    assert answer.json()["authorization"] == "Bearer eyJ.a.b"


async def test_credentials_in_a_form_are_exchanged_and_the_form_reaches_the_route_whole(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    form = {"api_key": GOOD_CREDENTIALS, "description": "é" * 5000}

    async def in_pieces() -> AsyncIterator[bytes]:
        encoded = httpx.QueryParams(form).__str__().encode()
        for start in range(0, len(encoded), 1000):
            yield encoded[start : start + 1000]

    answer = await client.post(
        "/open311/v2/echo.json",
        content=in_pieces(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.json()["authorization"] == "Bearer token-for-good"
    assert answer.json()["body"] == str(httpx.QueryParams(form))
    assert app.state.open311_keys.checked == 1


@pytest.mark.parametrize("api_key", ["nwdc_good:wrong", "tête-à-tête", "two words"])
async def test_a_key_that_is_not_valid_is_a_403_in_each_format(
    client: httpx.AsyncClient, api_key: str
) -> None:
    as_json = await client.get("/open311/v2/echo.json", params={"api_key": api_key})
    assert as_json.status_code == 403
    [error] = as_json.json()
    assert error["code"] == 403
    assert "api_key" in error["description"]
    as_xml = await client.get("/open311/v2/echo.xml", params={"api_key": api_key})
    assert as_xml.status_code == 403
    root = fromstring(as_xml.content)  # noqa: S314 - the door's own answer, in a test
    assert (root.tag, root.findtext("error/code")) == ("errors", "403")


async def test_a_rate_limit_refuses_the_slow_check_with_retry_after(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.rate_limiter = OpenLimiter(refuse=True)
    answer = await client.get("/open311/v2/echo.json", params={"api_key": GOOD_CREDENTIALS})
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "7")
    assert answer.json() == [{"code": 429, "description": "Too many requests."}]
    assert app.state.open311_keys.checked == 0


async def test_a_problem_becomes_the_open311_error_list(client: httpx.AsyncClient) -> None:
    answer = await client.get("/open311/v2/refuse.xml")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/xml")
    root = fromstring(answer.content)  # noqa: S314 - the door's own answer, in a test
    assert root.findtext("error/description") == "There is no such request."


async def test_invalid_parameters_are_a_400_naming_each(client: httpx.AsyncClient) -> None:
    answer = await client.get("/open311/v2/validate.json", params={"size": "big"})
    assert answer.status_code == 400
    [error] = answer.json()
    assert error["code"] == 400
    assert error["description"].startswith("size: ")


async def test_the_rest_api_keeps_its_problem_documents(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v1/refuse", params={"api_key": "eyJ.a.b"})
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "Not here."


async def test_with_rate_limits_off_no_check_is_charged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.rate_limiter = OpenLimiter(refuse=True)
    app.state.open311_rate_limits = False
    answer = await client.get("/open311/v2/echo.json", params={"api_key": GOOD_CREDENTIALS})
    assert answer.json()["authorization"] == "Bearer token-for-good"
