from index.text import numbers, sentence_spans, sentences, terms


def test_sentences_respect_abbreviations_quotes_and_paragraphs() -> None:
    text = (
        "U.S. President Donald Trump spoke. Mr. Smith said “no.” Then 30,000 to 40,000 "
        "may be realistic.\nA Heading\n\nNew para."
    )
    assert sentences(text) == [
        "U.S. President Donald Trump spoke.",
        "Mr. Smith said “no.”",
        "Then 30,000 to 40,000 may be realistic.",
        "A Heading",
        "New para.",
    ]


def test_spans_point_into_the_text() -> None:
    text = "  One here. Two there.\n\nThree. "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["One here.", "Two there.", "Three."]


def test_terms_stem_drop_stopwords_and_normalise_numbers() -> None:
    assert terms("How many troops did Zelenskyy say were needed? 10,000 troops.") == [
        "troop",
        "zelenskyy",
        "need",
        "10000",
        "troop",
    ]
    assert terms("Kyiv’s defences") == ["kyiv", "defenc"]


def test_numbers() -> None:
    assert numbers("from 10,000 to 30,000, or 2.5%") == {"10000", "30000", "2.5"}
