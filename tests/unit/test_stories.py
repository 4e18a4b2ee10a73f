from datetime import date

import pytest

from index.ingest.stories import dateline, fallback_title, find_date, split_stories

MULTI = """Main Headline About Ukraine

First paragraph of the main story, long enough to count.

Weekly Newsletter

More from Ukraine

Second Story Headline Here

On May 24, 2025, a strike hit the capital and injured eight people in total.
UAUkraine

Third Story Headline Here

On Sunday, Russia launched its largest drone attack of the war so far.
"""


def test_page_with_story_list_is_split_into_stories() -> None:
    stories = split_stories(MULTI)
    assert [s.title for s in stories] == [
        "Main Headline About Ukraine",
        "Second Story Headline Here",
        "Third Story Headline Here",
    ]
    assert stories[0].text == "First paragraph of the main story, long enough to count."
    # "On May 24, 2025, a strike hit…" is when the strike happened, not a publication date
    assert [s.date for s in stories] == [None, None, None]
    assert [s.dated_by for s in stories] == ["", "", ""]
    assert "More from" not in " ".join(s.text for s in stories)


def test_page_without_headline_gets_title_from_first_sentence() -> None:
    text = "Military chiefs from 34 NATO countries convened in Paris to discuss security. More."
    (story,) = split_stories(text)
    assert (
        story.title
        == "Military chiefs from 34 NATO countries convened in Paris to discuss security"
    )
    assert story.text.startswith("Military chiefs")


def test_metadata_title_and_date_win_and_title_line_is_not_repeated() -> None:
    (story,) = split_stories(
        "My Title\n\nBody sentence here.", title="My Title", when=date(2024, 1, 2)
    )
    assert (story.title, story.text, story.date) == (
        "My Title",
        "Body sentence here.",
        date(2024, 1, 2),
    )


def test_dates_in_common_formats() -> None:
    assert find_date("reported on May 26, 2025 by") == date(2025, 5, 26)
    assert find_date("on 3 March 2024, officials") == date(2024, 3, 3)
    assert find_date("filed 2023-11-02T10:00") == date(2023, 11, 2)
    assert find_date("on February 30, 2024") is None
    assert find_date("no date here") is None


def test_fallback_title_is_cut_at_a_word() -> None:
    title = fallback_title("word " * 40)
    assert title.endswith("…") and len(title) <= 91 and "wor…" not in title


@pytest.mark.parametrize(
    ("line", "day", "metadata_only"),
    [
        ("Published 24 May 2025 10:00 BST", date(2025, 5, 24), True),
        ("*Published: May 24, 2025*", date(2025, 5, 24), True),
        ("Updated 2025-05-24T10:00:00Z", date(2025, 5, 24), True),
        ("First published on Mon 26 May 2025 09.14 BST", date(2025, 5, 26), True),
        ("Saturday, 24 May 2025", date(2025, 5, 24), True),
        ("By Jane Doe | 24 May 2025", date(2025, 5, 24), True),
        ("London, 24 May 2025 — Ministers met in Downing Street.", date(2025, 5, 24), False),
        ("WASHINGTON, May 24, 2025 (Reuters) - The Senate voted.", date(2025, 5, 24), False),
        ("KYIV, Ukraine, 24 May 2025 — Air raid sirens sounded.", date(2025, 5, 24), False),
    ],
)
def test_datelines_and_bylines_give_a_publication_date(
    line: str, day: date, metadata_only: bool
) -> None:
    assert dateline(line) == (day, metadata_only)


@pytest.mark.parametrize(
    "line",
    [
        "The deadline for bids is 15 July 2006, the ministry said.",
        "Sept. 11, 2001 changed air travel for good.",
        "Results for the quarter to 30 September 2004 beat forecasts.",
        "On 5 April 1920, the treaty was signed.",
        "Updated guidance was issued on 3 March 2024 to schools.",
    ],
)
def test_a_date_in_the_reporting_is_not_a_publication_date(line: str) -> None:
    assert dateline(line) is None
    (story,) = split_stories(f"Headline about the news today\n\n{line} More text follows.")
    assert (story.date, story.dated_by) == (None, "")


def test_a_dateline_dates_the_story_and_a_published_line_is_not_text() -> None:
    text = (
        "# Ministers agree the command structure\n\n"
        "*Published 24 May 2025*\n\n"
        "Defence ministers agreed the command structure on Friday. The deadline is 15 July 2026."
    )
    (story,) = split_stories(text)
    assert story.title == "Ministers agree the command structure"  # the Markdown # is gone
    assert (story.date, story.dated_by) == (date(2025, 5, 24), "dateline")
    assert "Published" not in story.text and story.text.startswith("Defence ministers")


def test_a_date_far_below_the_top_is_never_a_dateline() -> None:
    paras = "\n\n".join(f"Paragraph {i} says something long enough." for i in range(6))
    (story,) = split_stories(f"Headline of a story here\n\n{paras}\n\nPublished 24 May 2025")
    assert story.date is None


def test_metadata_wins_over_a_dateline_and_a_file_name_date_is_the_last_resort() -> None:
    text = "Headline of the story here\n\nLondon, 24 May 2025 — Ministers met."
    (meta,) = split_stories(text, when=date(2025, 5, 25), dated_by="sidecar")
    assert (meta.date, meta.dated_by) == (date(2025, 5, 25), "sidecar")
    (line,) = split_stories(text, fallback=(date(2025, 1, 1), "filename"))
    assert (line.date, line.dated_by) == (date(2025, 5, 24), "dateline")
    (named,) = split_stories(
        "Headline of the story here\n\nMinisters met.", fallback=(date(2025, 1, 1), "filename")
    )
    assert (named.date, named.dated_by) == (date(2025, 1, 1), "filename")
