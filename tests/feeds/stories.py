"""The news the feed tests serve: a few short stories with distinctive facts."""

from __future__ import annotations

BARRIER = (
    "The town council of Port Elwyn voted on Tuesday to build a tidal barrier across the "
    "mouth of the Elwyn estuary. The barrier will cost 240 million euros and is due to be "
    "finished in 2029, the council said.\n\n"
    "Engineers said the structure would protect about 12,000 homes from storm surges. "
    "Fishing groups asked for gates wide enough for their boats, and the council agreed to "
    "a 40-metre navigation channel.\n\n"
    "Work on the foundations is expected to start next spring, once the regional "
    "government has approved the funding plan."
)
BARRIER_CORRECTED = BARRIER.replace("240 million euros", "310 million euros").replace(
    "voted on Tuesday", "voted on Wednesday"
)

LIGHTHOUSE_SUMMARY = "The Kestrel Point lighthouse reopens after a long restoration."
LIGHTHOUSE_PAGE = (
    "The restoration of the Kestrel Point lighthouse took 7 years and cost 3.2 million "
    "euros, the heritage trust said on Monday.\n\n"
    "Visitors will be able to climb the 142 steps to the lamp room from 14 June. The trust "
    "restored the original Fresnel lens, which was made in Paris in 1871.\n\n"
    "Local volunteers raised a third of the money through a series of concerts and boat "
    "trips around the headland."
)
LIGHTHOUSE_PAGE_CORRECTED = LIGHTHOUSE_PAGE.replace("took 7 years", "took 9 years")

WIND = (
    "The Halvard Bank offshore wind farm delivered its first power to the grid on Monday. "
    "Its 52 turbines will supply about 600,000 homes when the farm is complete next year, "
    "the operator said.\n\n"
    "The project employed more than 1,500 people during construction, most of them at the "
    "port of Skelby, where the turbine blades were assembled.\n\n"
    "Grid operators said new cables across the strait would carry the power inland from "
    "the coast."
)

MUSEUM_SUMMARY = "The maritime museum in Skelby opens a new wing about shipwrecks."
MUSEUM_PAGE = (
    "The maritime museum in Skelby opened a new wing on Saturday that tells the story of "
    "37 shipwrecks off the Halvard coast.\n\n"
    "The oldest wreck on show is a Dutch merchant ship that sank in 1693 with a cargo of "
    "salt and wine; divers raised its bell in 2019."
)
