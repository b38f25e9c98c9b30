"""Reading a page's form: fields as text, files kept in memory, never on the gateway's disk."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartException

from gateway.api.cases.messages import MAX_FORM_FILES, PartsInMemory
from nowrongdoor.problems import ProblemError

MAX_FIELDS = 60


@dataclass
class Form:
    """The fields of a form (the first value of each) and the files sent with it."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str | None, bytes]] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name, default)

    def text(self, name: str) -> str:
        """A field as typed, its line ends made plain and its edges trimmed."""
        return (self.fields.get(name) or "").replace("\r\n", "\n").strip()

    def items(self) -> list[tuple[str, str]]:
        return list(self.fields.items())


async def read_form(request: Request) -> Form:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form = Form()
    try:
        if content_type == "multipart/form-data":
            parser = PartsInMemory(
                request.headers, request.stream(), max_files=MAX_FORM_FILES, max_fields=MAX_FIELDS
            )
            parsed = await parser.parse()
        elif content_type == "application/x-www-form-urlencoded":
            parsed = await FormParser(request.headers, request.stream()).parse()
        else:
            raise ProblemError(415, "Send the form as a web browser does.")
    except MultiPartException as error:
        raise ProblemError(400, error.message) from None
    try:
        for name, value in parsed.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                if content or value.filename:
                    form.files.append((value.filename, content))
            elif name not in form.fields:
                form.fields[name] = value
    finally:
        await parsed.close()
    return form
