from index.ingest.clean import clean_lines, clean_text, is_boilerplate


def test_page_furniture_is_removed_and_reporting_kept() -> None:
    page = "\n".join(
        [
            "Troops gathered in Paris on Monday.",
            "- Advertisement -",
            "Read more: Europe Set to Impose Retaliatory Tariffs on US Goods",
            "Weekly Newsletter",
            "Loading...",
            "UAUkraine|",
            "Leave a comment",
            "The ministers agreed on a plan.",
        ]
    )
    assert (
        clean_text(page) == "Troops gathered in Paris on Monday.\n\nThe ministers agreed on a plan."
    )


def test_repeated_headline_is_dropped_once_seen() -> None:
    lines = clean_lines("Big Headline Here\n\nBig Headline Here\n\nBody text.")
    assert [x for x in lines if x] == ["Big Headline Here", "Body text."]


def test_sentences_that_merely_mention_ads_survive() -> None:
    assert not is_boilerplate("The advertisement campaign cost €2 million, officials said.")
    assert not is_boilerplate("Read more about the plan in the annex, the minister said.")


def test_whitespace_and_control_characters_are_normalised() -> None:
    assert clean_text("A\u00a0 b\u200b\tc\x07.") == "A b c."
