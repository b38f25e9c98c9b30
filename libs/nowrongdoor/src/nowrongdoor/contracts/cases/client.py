"""Case tracking's internal API, typed: the client the gateway reads and works cases with."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Self

import httpx
from pydantic import BaseModel

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.attachments import AttachmentFile, attachment_file
from nowrongdoor.contracts.cases.models import (
    CaseFilters,
    CaseView,
    FiledRequest,
    FiledRequestFilters,
    InstitutionCasePage,
    Invitation,
    InvitationAnswer,
    Leaving,
    Message,
    MessageDraft,
    StatusChange,
    Transfer,
    Withdrawal,
)
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem
from nowrongdoor.contracts.vocabulary import Language


@dataclass(frozen=True)
class CaseAnswer:
    """A case as case tracking answered one reader."""

    view: CaseView
    body: bytes
    """The view's JSON as case tracking sent it."""
    etag: str
    reusable_seconds: int | None
    """How long the answer stays true if nothing happens to the case (its promised dates are
    judged on the institution's day); None when it must not be given again without asking."""


@dataclass(frozen=True)
class CasePageAnswer:
    """A page of an institution's cases as case tracking answered its reader."""

    page: InstitutionCasePage
    body: bytes
    """The page's JSON as case tracking sent it."""
    reusable_seconds: int | None
    """How long the page stays true if none of the institution's cases changes; None when it
    must not be given again without asking."""


class CasesClient(ServiceClient):
    """Case-tracking's internal API, typed."""

    service = "case-tracking"

    on_change: Callable[[str], Awaitable[None]] | None = None
    """Told the reference of a case once a call that may have changed it is over."""

    language: Language | None = None
    """The language reads of a case ask its timeline in; None for the reader's own: the case's
    language for the complainant, English for everyone else."""

    def reading_in(self, language: Language | None = None) -> Self:
        """This client, its reads of a case asking for the timeline in `language`; None for the
        reader's own. The client it was made from reads as before."""
        reading = copy.copy(self)
        reading.language = language
        return reading

    async def case(self, caller: Principal, reference: str) -> CaseView | None:
        """The case as `caller` may see it; None when it does not exist for them."""
        answer = await self.case_answer(caller, reference)
        return answer.view if answer is not None else None

    async def case_answer(self, caller: Principal, reference: str) -> CaseAnswer | None:
        """The case as `caller` may see it, with its JSON as sent, its entity tag and how long
        the answer stays true; None when the case does not exist for them."""
        try:
            response = await self.call(
                caller, "GET", f"/internal/cases/{reference}", params=self._reading()
            )
        except ServiceProblem as error:
            if error.status == 404:
                return None
            raise
        return CaseAnswer(
            view=self.read(response, CaseView),
            body=response.content,
            etag=response.headers.get("etag", ""),
            reusable_seconds=_max_age(response.headers.get("cache-control", "")),
        )

    async def institution_cases_answer(
        self,
        caller: Principal,
        institution_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        filters: CaseFilters | None = None,
    ) -> CasePageAnswer:
        """One page of an institution's cases, with its JSON as sent and how long it stays
        true; a cursor it never handed out is a 422."""
        params: dict[str, str | int] = {"institution_id": institution_id, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        if filters is not None:
            params.update(filters.model_dump(mode="json", exclude_none=True))
        response = await self.call(caller, "GET", "/internal/cases", params=params)
        return CasePageAnswer(
            page=self.read(response, InstitutionCasePage),
            body=response.content,
            reusable_seconds=_max_age(response.headers.get("cache-control", "")),
        )

    async def case_with_tag(self, caller: Principal, reference: str) -> tuple[CaseView, str] | None:
        """The case and its entity tag, to send back as `If-Match` with a change."""
        answer = await self.case_answer(caller, reference)
        return (answer.view, answer.etag) if answer is not None else None

    async def filed_requests(
        self,
        caller: Principal,
        institution_id: str,
        *,
        filters: FiledRequestFilters,
        limit: int,
    ) -> list[FiledRequest]:
        """The cases `institution_id` filed through Open311 or has a part in, newest first, at
        most `limit`; for anyone but that institution's client with `cases:read`, none."""
        if filters.references == [] or filters.categories == []:
            return []  # an empty list would leave the query string and filter nothing
        params: dict[str, str | int | list[str]] = {
            "institution_id": institution_id,
            "limit": limit,
        }
        params.update(filters.model_dump(mode="json", exclude_none=True))
        response = await self.call(caller, "GET", "/internal/filed-requests", params=params)
        return self.read_list(response, FiledRequest)

    async def triage_queue(
        self, caller: Principal, institution_id: str, *, limit: int, cursor: str | None = None
    ) -> InstitutionCasePage:
        """The cases waiting for this institution's triage decision."""
        params: dict[str, str | int] = {"institution_id": institution_id, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await self.call(caller, "GET", "/internal/triage", params=params)
        return self.read(response, InstitutionCasePage)

    async def change_status(
        self, caller: Principal, reference: str, change: StatusChange, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        """The case after the step, and its new entity tag; 409 naming the allowed steps, 412
        on a stale tag, 428 without one."""
        return await self._changed(caller, f"/internal/cases/{reference}/status", change, if_match)

    async def transfer(
        self, caller: Principal, reference: str, transfer: Transfer, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        return await self._changed(
            caller, f"/internal/cases/{reference}/transfer", transfer, if_match
        )

    async def post_message(self, caller: Principal, reference: str, draft: MessageDraft) -> Message:
        response = await self.call(
            caller,
            "POST",
            f"/internal/cases/{reference}/messages",
            json=draft.model_dump(mode="json"),
        )
        return self.read(response, Message)

    async def attachment(
        self, caller: Principal, reference: str, attachment_id: str
    ) -> AttachmentFile | None:
        """An attachment's bytes for a reader of its message; None when not theirs to read."""
        try:
            response = await self.call(
                caller, "GET", f"/internal/cases/{reference}/attachments/{attachment_id}"
            )
        except ServiceProblem as error:
            if error.status == 404:
                return None
            raise
        return attachment_file(response, attachment_id)

    async def invite(
        self, caller: Principal, reference: str, invitation: Invitation, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        return await self._changed(
            caller, f"/internal/cases/{reference}/invitations", invitation, if_match
        )

    async def answer_invitation(
        self, caller: Principal, reference: str, answer: InvitationAnswer, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        """The invited institution's answer; a decline leaves it no view of the case."""
        return await self._changed(
            caller, f"/internal/cases/{reference}/invitation-answer", answer, if_match
        )

    async def leave(
        self, caller: Principal, reference: str, leaving: Leaving, *, if_match: str | None
    ) -> tuple[CaseView, str]:
        return await self._changed(caller, f"/internal/cases/{reference}/leave", leaving, if_match)

    async def withdraw(self, caller: Principal, reference: str, withdrawal: Withdrawal) -> CaseView:
        response = await self.call(
            caller,
            "POST",
            f"/internal/cases/{reference}/withdrawal",
            json=withdrawal.model_dump(mode="json"),
        )
        return self.read(response, CaseView)

    async def withdraw_relay(self, caller: Principal, reference: str) -> None:
        """An institution of the case withdraws the NGO that relayed the alert from it."""
        await self.call(caller, "POST", f"/internal/cases/{reference}/relay/withdrawal")

    async def call(
        self,
        caller: Principal,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        if method == "GET" or self.on_change is None:
            return await super().call(caller, method, path, headers=headers, **kwargs)
        try:
            return await super().call(caller, method, path, headers=headers, **kwargs)
        finally:
            # Even a refusal or a lost answer may follow a change; telling costs nothing then.
            if path.startswith(_A_CASE):
                await self.on_change(path.removeprefix(_A_CASE).split("/", 1)[0])

    def _reading(self) -> dict[str, str]:
        return {"language": self.language} if self.language else {}

    async def _changed(
        self, caller: Principal, path: str, body: BaseModel, if_match: str | None
    ) -> tuple[CaseView, str]:
        response = await self.call(
            caller,
            "POST",
            path,
            json=body.model_dump(mode="json"),
            headers={"If-Match": if_match} if if_match else None,
        )
        return self.read(response, CaseView), response.headers.get("etag", "")


_A_CASE = "/internal/cases/"


def _max_age(cache_control: str) -> int | None:
    """The seconds of `max-age` in a `Cache-Control` value; None without one, or with `no-store`."""
    directives = [directive.strip().lower() for directive in cache_control.split(",")]
    if "no-store" in directives:
        return None
    for directive in directives:
        name, _, value = directive.partition("=")
        if name == "max-age" and value.isdigit():
            return int(value)
    return None
