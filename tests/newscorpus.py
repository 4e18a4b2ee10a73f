"""A small dated news corpus for the timeline and digest tests (CLI and Discord).

Four articles follow one story (a reassurance force for Ukraine) over May 2025: one dated
by its metadata, one whose sentence names an earlier day ("On May 18, 2025, ..."), a text
file dated only by its dateline ("Brussels, 24 May 2025 —"), and a later one on the force's
size. Around them: a flood covered by two outlets, a central bank decision, an old
unrelated story and an undated text file. Both text files carry a misleading, newer file
time (FILE_DAY): it must never be read as their date.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

TOPIC = "reassurance force"
FILE_DAY = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)  # newer than every story: a copy time

ARTICLES: dict[str, dict[str, str]] = {
    "a_paris.json": {
        "title": "Britain and France propose a reassurance force for Ukraine",
        "date": "2025-05-20",
        "outlet": "Reuters",
        "url": "https://example.com/paris",
        "text": (
            "Britain and France proposed a reassurance force for Ukraine at talks in Paris "
            "on Tuesday. The force would be deployed only after a ceasefire, officials "
            "explained. Several European governments asked for more detail before "
            "committing soldiers. Planners expect the discussions to continue for weeks."
        ),
    },
    "b_london.json": {
        "title": "Military chiefs met in London before the Paris talks",
        "date": "2025-05-22",
        "outlet": "BBC",
        "text": (
            "On May 18, 2025, military chiefs from Britain and France first discussed a "
            "reassurance force for Ukraine at a closed meeting in London. The chiefs "
            "compared the numbers of aircraft and ships each country could offer. "
            "Nothing was announced publicly after that meeting."
        ),
    },
    "d_size.json": {
        "title": "Allies weigh the size of the Ukraine reassurance force",
        "date": "2025-05-26",
        "outlet": "AP",
        "text": (
            "Governments across Europe are still weighing how large the reassurance force "
            "for Ukraine should be. Poland and Germany said they would decide in June. The "
            "Kremlin criticised the plan again on Monday, calling it a provocation. "
            "Ukraine's president welcomed the reassurance force and asked for air cover."
        ),
    },
    "e_flood.json": {
        "title": "Flash floods hit Valencia after record rainfall",
        "date": "2025-05-25",
        "outlet": "El País",
        "text": (
            "Flash floods swept through Valencia after record rainfall overnight, cutting "
            "roads and power lines. Emergency services rescued dozens of residents from "
            "flooded homes. The regional government asked for army help with the cleanup."
        ),
    },
    "e2_flood.json": {
        "title": "Valencia floods: residents rescued as rainfall breaks records",
        "date": "2025-05-24",
        "outlet": "Reuters",
        "text": (
            "Record rainfall caused flash floods across Valencia, and rescuers pulled "
            "residents from flooded homes. Roads were closed and thousands of homes lost "
            "power as the floods spread. Forecasters warned of more rain in the region."
        ),
    },
    "f_rates.json": {
        "title": "Central bank holds interest rates steady",
        "date": "2025-05-25",
        "outlet": "FT",
        "text": (
            "The central bank held its main interest rate steady at four percent on "
            "Thursday. Policymakers said inflation was easing but wages were still rising "
            "quickly. Markets had expected the decision."
        ),
    },
    "g_harvest.json": {
        "title": "Wheat harvest forecast raised",
        "date": "2025-04-01",
        "outlet": "Bloomberg",
        "text": (
            "Analysts raised their forecast for the wheat harvest after a mild winter and "
            "steady spring rain. Farmers expect good prices for the crop this summer."
        ),
    },
}

# No metadata: the dateline at the top of the story is its publication date.
DATELINE_NAME = "c_brussels.txt"
DATELINE_TEXT = (
    "Ministers agree command structure for the reassurance force\n\n"
    "Brussels, 24 May 2025 — Defence ministers agreed the command structure of the "
    "reassurance force at NATO headquarters in Brussels. Britain will lead the headquarters "
    "for the first year, with France taking over after that. The ministers did not say how "
    "many troops would serve.\n"
)
# No publication date anywhere (a deadline in the text is not one): undated.
UNDATED_NAME = "h_museum.txt"
UNDATED_TEXT = (
    "City museum reopens its modern art wing\n\n"
    "The city museum reopened its modern art wing after a two-year renovation, with free "
    "entry for the first month. Applications for the new artist residencies close on "
    "15 July 2026, the museum said.\n"
)


def write_corpus(folder: Path) -> Path:
    """Write the corpus into `folder` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, article in ARTICLES.items():
        (folder / name).write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    stamp = FILE_DAY.timestamp()
    for name, text in ((DATELINE_NAME, DATELINE_TEXT), (UNDATED_NAME, UNDATED_TEXT)):
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (stamp, stamp))
    return folder
