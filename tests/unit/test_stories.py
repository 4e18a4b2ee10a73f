from datetime import date

from index.ingest.stories import fallback_title, find_date, split_stories

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
    assert stories[1].date == date(2025, 5, 24)
    assert stories[2].date is None
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
