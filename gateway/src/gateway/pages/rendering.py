"""Rendering a page: the template in the reader's language, its headers, its form protection.

Every form carries a token bound to a random, `HttpOnly`, `SameSite=Strict` cookie by a keyed
hash, and every POST must bring both back: a page on another site can make the browser send
neither. A page also remembers its language in a cookie holding that code alone, so `/` and the
tracking link in a message open in the language last chosen.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.languages import LANGUAGES
from gateway.pages.i18n import NATIVE_NAMES, RIGHT_TO_LEFT, Formats, translations
from nowrongdoor.problems import ProblemError

FORM_COOKIE: Final = "nwd_form"
LANGUAGE_COOKIE: Final = "nwd_language"
LANGUAGE_KEPT_SECONDS: Final = 365 * 24 * 3600
PAGE_POLICY: Final = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; media-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS: Final = {
    "Content-Security-Policy": PAGE_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def N_(message: str) -> str:  # noqa: N802 - the name gettext's extraction looks for
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


@cache
def environment(language: str) -> Environment:
    """One environment per language, its gettext the language's catalogue."""
    env = Environment(
        loader=PackageLoader("gateway.pages", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    formats = Formats(language)
    env.filters["day"] = formats.day
    env.filters["moment"] = formats.moment
    env.filters["number"] = formats.number
    env.filters["size"] = formats.size
    return env


def translate(language: str, message: str, **variables: Any) -> str:
    """One message of the catalogue, outside a template (a flash, a field error)."""
    text: str = translations(language).gettext(message)
    return text % variables if variables else text


def _form_secret(request: Request) -> bytes:
    secret: bytes = request.app.state.page_form_secret
    return secret


def form_token(request: Request, cookie: str) -> str:
    return hmac.new(_form_secret(request), cookie.encode(), hashlib.sha256).hexdigest()


def check_form(request: Request, submitted: str | None) -> None:
    """Refuse a POST whose form token does not match this browser's form cookie."""
    cookie = request.cookies.get(FORM_COOKIE)
    if not cookie or not submitted:
        raise ProblemError(403, "The form could not be checked.", slug="form-expired")
    if not hmac.compare_digest(form_token(request, cookie), submitted):
        raise ProblemError(403, "The form could not be checked.", slug="form-expired")


def render(
    request: Request,
    language: str,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    title: str | None = None,
) -> Response:
    """The page, with the form cookie set when this browser has none yet."""
    cookie = request.cookies.get(FORM_COOKIE)
    new_cookie = cookie is None
    if cookie is None:
        cookie = secrets.token_urlsafe(32)
    path = request.url.path
    rest = path.split("/", 2)[2] if path.count("/") >= 2 else ""
    if request.method != "GET":
        # A step shown as the direct answer to its form (Redis not answering): its address is
        # the form's, so the other language starts the journey again.
        rest = rest.split("/")[0]
    page = environment(language).get_template(template)
    html = page.render(
        {
            "lang": language,
            "dir": "rtl" if language in RIGHT_TO_LEFT else "ltr",
            "languages": [(code, NATIVE_NAMES[code], f"/{code}/{rest}") for code in LANGUAGES],
            "csrf_token": form_token(request, cookie),
            "title": title,
            "path": path,
            **(context or {}),
        }
    )
    response = HTMLResponse(
        html, status_code=status, headers={**PAGE_HEADERS, "Content-Language": language}
    )
    if new_cookie:
        set_private_cookie(request, response, FORM_COOKIE, cookie)
    if request.cookies.get(LANGUAGE_COOKIE) != language:
        remember_language(request, response, language)
    return response


def remember_language(request: Request, response: Response, language: str) -> None:
    """The language chosen, and nothing else: no identifier, the same value for all its readers.

    `Lax`, unlike the private cookies, so a link from a message or another site opens in it."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_KEPT_SECONDS,
        path="/",
        secure=request.app.state.page_cookies_secure,
        httponly=True,
        samesite="lax",
    )


def remembered_language(request: Request) -> str | None:
    """The language this browser last read the pages in, if it is one of ours."""
    language = request.cookies.get(LANGUAGE_COOKIE)
    return language if language in LANGUAGES else None


def set_private_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """A cookie no script can read and no other site can make the browser send."""
    response.set_cookie(
        name,
        value,
        path="/",
        secure=request.app.state.page_cookies_secure,
        httponly=True,
        samesite="strict",
    )


def delete_private_cookie(request: Request, response: Response, name: str) -> None:
    """Have the browser forget a cookie `set_private_cookie` gave it."""
    response.delete_cookie(
        name,
        path="/",
        secure=request.app.state.page_cookies_secure,
        httponly=True,
        samesite="strict",
    )
