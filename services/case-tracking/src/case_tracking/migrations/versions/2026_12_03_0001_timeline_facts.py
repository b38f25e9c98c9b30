"""Timeline entries keep what happened, as a wording and its facts, to read in each language.

An entry kept before reads as the English it was written in, unless that English plainly says
what happened: then it is given the wording and facts the platform keeps now. The patterns are
the platform's English as it stood at this revision, kept here so later changes to the words do
not change what this revision does.

Revision ID: 2026_12_03_0001
Revises: 2026_12_02_0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0001"
down_revision = "2026_12_02_0006"
branch_labels = None
depends_on = None

Facts = dict[str, Any]
_BATCH = 500

_OUTCOMES = {
    "upheld": "upheld",
    "partly upheld": "partly-upheld",
    "not upheld": "not-upheld",
    "settled by mediation": "mediated",
    "withdrawn": "withdrawn",
}

# (the entry's kind, its English in full, the wording it is kept as now); the first that
# matches tells. A name is anything; a sentence naming two is taken only when it cannot be
# split two ways.
_SENTENCES: list[tuple[str, str, str]] = [
    ("received", r"Received through the joint portal", "received-through-portal"),
    ("received", r"Received by (?P<door>.+)", "received-by"),
    ("triage", r"Awaiting a decision on competence by (?P<desk>.+)", "awaiting-triage"),
    (
        "inadmissible",
        r"Not admissible yet: a prerequisite is missing \(see the advice\)",
        "prerequisite-missing",
    ),
    ("closed", r"No participating institution is competent \(see the advice\)", "not-competent"),
    ("acknowledged", r"Acknowledged by (?P<institution>.+)", "acknowledged"),
    ("admissible", r"Found admissible by (?P<institution>.+)", "admissible"),
    ("inadmissible", r"Found inadmissible by (?P<institution>.+)", "inadmissible"),
    ("investigating", r"Under investigation by (?P<institution>.+)", "investigating"),
    (
        "awaiting-complainant",
        r"(?P<institution>.+) awaits the complainant's answer",
        "awaiting-complainant",
    ),
    (
        "resolved",
        rf"Resolved by (?P<institution>.+) \((?P<outcome>{'|'.join(_OUTCOMES)})\)",
        "resolved-with-outcome",
    ),
    ("resolved", r"Resolved by (?P<institution>.+)", "resolved"),
    ("closed", r"Closed by (?P<institution>.+)", "closed"),
    ("resumed", r"(?P<institution>.+) resumed its work on the case", "resumed"),
    (
        "transferred",
        r"Transferred by (?P<institution>.+): a new decision on competence is awaited",
        "transferred-to-routing",
    ),
    ("transferred", r"Transferred from (?P<institution>.+) to (?P<to>.+)", "transferred-to"),
    ("withdrawn", r"Withdrawn by the complainant", "withdrawn"),
    ("invited", r"(?P<institution>.+) asked (?P<invited>.+) to take part in the case", "invited"),
    ("joined", r"(?P<institution>.+) took part in the case", "joined"),
    ("declined", r"(?P<institution>.+) will not take part in the case", "declined"),
    (
        "left",
        r"(?P<institution>.+) left the case, which the other institutions carry on",
        "left",
    ),
    ("notice-sent", r"An email was sent to you", "email-sent-to-you"),
    ("notice-sent", r"A text message was sent to you", "sms-sent-to-you"),
    ("notice-sent", r"An email was sent to (?P<institution>.+)", "email-sent-to-institution"),
    ("notice-sent", r"A text message was sent to (?P<institution>.+)", "sms-sent-to-institution"),
    ("notice-failed", r"We could not send you an email", "email-not-sent-to-you"),
    ("notice-failed", r"We could not send you a text message", "sms-not-sent-to-you"),
    (
        "notice-failed",
        r"We could not send an email to (?P<institution>.+)",
        "email-not-sent-to-institution",
    ),
    (
        "notice-failed",
        r"We could not send a text message to (?P<institution>.+)",
        "sms-not-sent-to-institution",
    ),
    ("routed", r"Routed to (?P<institutions>.+)", "routed"),
    ("routed", r"Transferred from (?P<door>.+) to (?P<institutions>.+)", "routed-from-door"),
]
_STEPS = frozenset(
    {
        "acknowledged",
        "admissible",
        "inadmissible",
        "investigating",
        "awaiting-complainant",
        "resolved",
        "closed",
    }
)


def _both_ways(english: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The sentence matched taking each name as long as it can be, then as short."""
    return re.compile(english), re.compile(english.replace(".+)", ".+?)"))


_COMPILED = [(kind, _both_ways(english), wording) for kind, english, wording in _SENTENCES]
_LISTED = re.compile(r"(?P<name>[^()]+?)(?: \((?P<office>[^()]+)\))?")
_LEAD = " (lead)"


def told(kind: str, summary: str) -> tuple[str, Facts] | None:
    """The wording and facts an entry of `kind` written as `summary` is kept as now; None when
    its English does not say plainly."""
    for pattern_kind, (longest, shortest), wording in _COMPILED:
        found = longest.fullmatch(summary) if pattern_kind == kind else None
        if found is None:
            continue
        facts: Facts = found.groupdict()
        # `Transferred from A to B to C` names two institutions, but which two is unclear.
        unclear = shortest.fullmatch(summary)
        if unclear is None or unclear.groupdict() != facts:
            return None
        if "institutions" in facts:
            facts["institutions"] = _institutions(facts["institutions"])
            if facts["institutions"] is None:
                return None
        if "outcome" in facts:
            facts["outcome"] = _OUTCOMES[facts["outcome"]]
        if wording in _STEPS or "outcome" in facts:
            facts["status"] = kind
        if wording.startswith(("email-", "sms-")):
            facts |= {"channel": wording.split("-")[0], "delivered": "-not-sent-" not in wording}
        return wording, facts
    return None


def _institutions(listed: str) -> list[Facts] | None:
    """`A (office) (lead), B` as routing's decision named them; None where that is unclear."""
    pieces = listed.split(", ")
    institutions = []
    for piece in pieces:
        lead = len(pieces) > 1 and piece.endswith(_LEAD)
        named = _LISTED.fullmatch(piece.removesuffix(_LEAD) if lead else piece)
        if named is None:
            return None
        institutions.append({"name": named["name"], "office": named["office"], "lead": lead})
    return institutions


_ENTRIES = sa.table(
    "timeline_entries",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String(40)),
    sa.column("summary", sa.String(1000)),
    sa.column("wording", sa.String(60)),
    sa.column("facts", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch:
        batch.add_column(sa.Column("wording", sa.String(60), nullable=True))
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=True))
    connection = op.get_bind()
    keep = (
        sa.update(_ENTRIES)
        .where(_ENTRIES.c.id == sa.bindparam("entry_id"))
        .values(wording=sa.bindparam("kept_wording"), facts=sa.bindparam("kept_facts"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_ENTRIES.c.id, _ENTRIES.c.kind, _ENTRIES.c.summary)
            .where(_ENTRIES.c.id > last)
            .order_by(_ENTRIES.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        kept = [
            {"entry_id": row.id, "kept_wording": wording, "kept_facts": facts}
            for row in rows
            for wording, facts in [told(row.kind, row.summary) or (None, None)]
            if wording is not None
        ]
        if kept:
            connection.execute(keep, kept)


def downgrade() -> None:
    # The English summary was kept all along: entries read as before.
    with op.batch_alter_table("timeline_entries") as batch:
        batch.drop_column("facts")
        batch.drop_column("wording")
