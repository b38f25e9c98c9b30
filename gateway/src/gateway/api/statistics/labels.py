"""What each code of the published datasets means, in the words of the data dictionary."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "maladministration": "Maladministration by public services",
    "corruption": "Corruption",
    "integrity": "Integrity of public officials",
    "human-rights": "Human rights",
    "discrimination": "Discrimination",
    "data-protection": "Protection of personal data",
    "children-rights": "Children's rights",
    "other": "Other matters",
}
RESPONDENT_TYPES: dict[str, str] = {
    "national-administration": "A national administration",
    "regional-administration": "A regional administration",
    "local-authority": "A local authority",
    "public-enterprise": "A public enterprise",
    "private-company": "A private company",
    "public-official": "An individual public official",
    "court": "A court",
}
CHANNELS: dict[str, str] = {
    "web": "The web form",
    "api": "An institution's system, through the API",
    "counter": "Filed at an institution's counter",
    "ngo": "Relayed by an accredited NGO",
    "open311": "A municipal system, through Open311",
}
OUTCOMES: dict[str, str] = {
    "upheld": "Upheld",
    "partly-upheld": "Partly upheld",
    "not-upheld": "Not upheld",
    "mediated": "Settled by mediation",
    "withdrawn": "Withdrawn by the complainant",
    "none": "Closed without a resolution (inadmissible, transferred on, or with no outcome)",
}
MEASURES: dict[str, str] = {
    "received": "Cases opened from complaints received in the month",
    "closed": "Cases that ended in the month: closed, withdrawn or transferred on",
}
STEPS: dict[str, str] = {
    "acknowledge": "From receipt to acknowledgement",
    "admissibility": "From receipt to the decision on admissibility",
    "close": "From receipt to closure",
}
STANDARDS: dict[str, str] = {
    "acknowledge": "Acknowledge within the days promised",
    "admissibility": "Decide admissibility within the days promised",
    "resolution": "Resolve within the days promised",
}
LEVELS = {
    "1": "The country",
    "2": "Its regions",
    "3": "What lies inside the regions",
    "4": "What lies inside those (the German-speaking Community, BE-DG, within Wallonia)",
}
