"""The case page says by which day the institution promises each step of its work.

A case the Médiateur du Royaume has just received carries three promises (to confirm receipt,
to decide whether it can deal with it, to reach a decision); each sentence on the page must
give its day, or say that its day is set once the step before is taken — never end in "by ." as
if a date were missing.
"""

from __future__ import annotations

import re

from .conftest import OpenContext
from .journey import (
    WRITTEN,
    navigating,
    needs_chromium,
    open_button,
    promises,
    wait_for_the_case,
)

pytestmark = needs_chromium


def test_every_promise_on_the_case_page_names_its_day(open_context: OpenContext) -> None:
    language = "en"
    context = open_context(language)
    written = WRITTEN[language]
    filed = context.request.post(
        "/v1/complaints",
        data={
            "description": written.description,
            "category": "maladministration",
            "respondent": {
                "name": written.respondent,
                "type": "local-authority",
                "territory": "MA-06",
            },
            "complainant": {"role": "citizen", "anonymous": True},
            "administration_contacted": True,
            "court_case_pending": False,
            "language": language,
        },
    )
    assert filed.status == 201, filed.text()
    reference, receipt = filed.json()["reference"], filed.json()["receipt"]
    page = context.new_page()
    page.goto(f"/{language}/track?reference={reference}")
    page.fill("#receipt", receipt)
    navigating(page, open_button(page).click)
    wait_for_the_case(page, language, reference)

    promised = promises(page, language)

    assert len(promised) == 3, promised  # confirm receipt, decide admissibility, decide
    assert re.search(r"\d", promised[0]), f"the first step names its day: {promised[0]}"
    unexplained = [
        promise
        for promise in promised
        if not re.search(r"\d", promise) and "once the step before is taken" not in promise
    ]
    assert not unexplained, f"promises without a day, on the case page in {language}: {unexplained}"
    assert not [promise for promise in promised if re.search(r"\bby \.?$", promise.strip())]
