"""The directory: participating institutions, their mandates, and the history of its versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from nowrongdoor.auth import CallerDep
from nowrongdoor.contracts.routing import (
    InstitutionView,
    Mandate,
    MandateChange,
    MandateRule,
    MandateSaved,
    OfficeView,
    PresentationsView,
    RegistryVersionView,
    ServiceStandardsView,
)
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep
from routing import service
from routing.api.dependencies import (
    InstitutionId,
    LanguageQuery,
    SearchQuery,
    StoreDep,
    database_not_answering,
)
from routing.domain import Institution
from routing.domain.search import search
from routing.service import VersionSummary

router = APIRouter()

NO_INSTITUTION = "No institution with this id."


@router.get("/institutions")
async def list_institutions(
    runtime: RuntimeDep,
    store: StoreDep,
    language: LanguageQuery = "en",
    query: SearchQuery = None,
) -> list[InstitutionView]:
    """Every institution by id, or those a search query finds (see `routing.domain.search`)."""
    current = await service.current_registry(runtime.sessions, store)
    return [
        institution_view(institution, language, current.version)
        for institution in search(current, query)
    ]


@router.get("/institutions/{institution_id}")
async def get_institution(
    runtime: RuntimeDep,
    store: StoreDep,
    institution_id: InstitutionId,
    language: LanguageQuery = "en",
) -> InstitutionView:
    current = await service.current_registry(runtime.sessions, store)
    institution = current.institutions.get(institution_id)
    if institution is None:
        raise ProblemError(404, NO_INSTITUTION)
    return institution_view(institution, language, current.version)


def institution_view(institution: Institution, language: str, version: str) -> InstitutionView:
    standards = institution.service_standards
    return InstitutionView(
        institution_id=institution.id,
        name=institution.name(language),
        territory=institution.territory,
        languages=list(institution.languages),
        offices=[
            OfficeView(
                office_id=office.id,
                name=office.name(language),
                territories=sorted(office.territories),
            )
            for office in institution.offices
        ],
        service_standards=ServiceStandardsView.model_validate(standards.model_dump()),
        categories=sorted({c for rule in institution.rules for c in rule.categories}),
        registry_version=version,
        former_names=list(institution.former_names),
        time_zone=institution.time_zone,
        presentations=PresentationsView(
            sign_language_video=institution.sign_language_video,
            easy_read=institution.easy_read,
        ),
    )


@router.get("/institutions/{institution_id}/mandate")
async def get_mandate(
    runtime: RuntimeDep, store: StoreDep, institution_id: InstitutionId, response: Response
) -> Mandate:
    try:
        mandate = await service.mandate(runtime.sessions, store, institution_id)
    except service.UnknownInstitution:
        raise ProblemError(404, NO_INSTITUTION) from None
    response.headers["ETag"] = mandate.etag
    return Mandate(
        institution_id=institution_id,
        registry_version=mandate.registry_version,
        rules=[MandateRule.model_validate(rule) for rule in mandate.rules],
    )


@router.put("/institutions/{institution_id}/mandate")
async def change_mandate(
    change: MandateChange,
    institution_id: InstitutionId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> MandateSaved:
    try:
        saved = await service.change_mandate(
            runtime.sessions,
            store,
            caller,
            institution_id,
            rules=[rule.model_dump() for rule in change.rules],
            summary=change.summary,
            adopted_proposals=change.adopted_proposals,
            if_match=if_match,
        )
    except service.UnknownInstitution:
        raise ProblemError(404, NO_INSTITUTION) from None
    except service.StaleMandate:
        raise ProblemError(
            412,
            "The mandate changed since it was read; read it again and reapply the change.",
            slug="precondition-failed",
            title="Precondition failed",
        ) from None
    except service.MandateRejected as rejected:
        count = len(rejected.problems)
        raise ProblemError(
            422,
            f"The mandate cannot be used: {count} problem{'s' if count != 1 else ''}; "
            "nothing was changed.",
            slug="invalid-mandate",
            title="Invalid mandate",
            errors=[FieldProblem(field=p.field, message=p.message) for p in rejected.problems],
        ) from None
    except service.RegistryBusy:
        raise ProblemError(
            503,
            "The directory is being changed by others; nothing was changed. Try again.",
            headers={"Retry-After": "1"},
        ) from None
    except service.DatabaseUnavailable:
        raise database_not_answering() from None
    response.headers["ETag"] = saved.etag
    return MandateSaved(
        institution_id=institution_id,
        registry_version=saved.registry_version,
        rules=[MandateRule.model_validate(rule) for rule in saved.rules],
        changed=saved.changed,
    )


@router.get("/registry/versions")
async def list_registry_versions(
    caller: CallerDep, runtime: RuntimeDep
) -> list[RegistryVersionView]:
    """The directory's history, newest first: for administrators."""
    try:
        versions, current = await service.registry_history(runtime.sessions, caller)
    except service.NotPermitted:
        raise ProblemError(403, "The directory's history is for administrators.") from None
    return [view_of_version(version, current) for version in versions]


def view_of_version(version: VersionSummary, current: int | None) -> RegistryVersionView:
    return RegistryVersionView(
        number=version.number,
        version=version.version,
        created_at=version.created_at,
        actor=version.actor,
        summary=version.summary,
        current=version.number == current,
    )
