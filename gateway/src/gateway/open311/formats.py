"""GeoReport v2's two formats: every answer as JSON or as XML, the path's extension choosing.

The XML follows the specification's examples: a root element named for the document, one child
per item (`<services><service>…`), lists inside an item wrapped the same way
(`<attributes><attribute>…`, `<values><value>…`), true and false spelled out, and a field with
no value an empty element where JSON says `null`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi import Response

Format = Literal["json", "xml"]

JSON_TYPE: Final = "application/json"
XML_TYPE: Final = "text/xml; charset=utf-8"
MEDIA_TYPES: Final[dict[Format, str]] = {"json": JSON_TYPE, "xml": XML_TYPE}

# The element each item of a list is written as, by the list's own name.
ITEM_NAMES: Final = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

XML_DECLARATION: Final = b'<?xml version="1.0" encoding="utf-8"?>'

Document = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def answer(
    document: Document,
    format: Format,
    *,
    root: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """`document` in `format`; `root` names the XML document (a list's items are named for it)."""
    body = as_xml(root, document) if format == "xml" else json_bytes(document)
    return Response(
        body, status_code=status_code, media_type=MEDIA_TYPES[format], headers=dict(headers or {})
    )


def json_bytes(document: Document) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def as_xml(root: str, document: Document) -> bytes:
    """The XML form of a document: a list under `root`, or a mapping as `root` itself."""
    element = Element(root)
    _fill(element, document)
    return XML_DECLARATION + tostring(element, encoding="unicode").encode()


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, inner in value.items():
            _fill(SubElement(element, name), inner)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(SubElement(element, item_name), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def errors_document(status: int, descriptions: Sequence[str]) -> list[dict[str, Any]]:
    """The specification's error list: one entry per thing wrong, each with the HTTP status."""
    return [{"code": status, "description": text} for text in descriptions]
