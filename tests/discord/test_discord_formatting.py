"""Unit tests of bot.discord.formatting (pure: no network, no event loop)."""

from __future__ import annotations

import itertools
import re
from datetime import date

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer.model import Answer, Citation
from bot.discord.formatting import (
    EMBED_TOTAL_LIMIT,
    MARKER_RE,
    MESSAGE_LIMIT,
    SourceEntry,
    answer_messages,
    cooldown_text,
    link_markers,
    neutralise_mentions,
    question_text,
    shorten,
    source_embeds,
    split_linked,
    split_message,
    thread_name,
    unlink_markers,
    update_report_text,
)

# --------------------------------------------------------------------------- splitting

words = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Z", "Cc"), exclude_characters="[]"
    ),
    min_size=1,
    max_size=30,
).filter(lambda w: not w.isspace() and w.split() == [w])
markers = st.lists(st.integers(1, 60), min_size=1, max_size=3).map(
    lambda ns: "[" + ", ".join(map(str, ns)) + "]"
)
separators = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". ", "? ", "  "])
tokens = st.one_of(words, words, words, markers)


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(tokens, separators), min_size=0, max_size=900))
    return "".join(token + sep for token, sep in parts)


def marker_list(text: str) -> list[str]:
    return [" ".join(m.split()) for m in MARKER_RE.findall(text)]


@settings(max_examples=150, deadline=None)
@given(documents(), st.sampled_from([40, 100, 300, MESSAGE_LIMIT]))
def test_split_keeps_every_marker_and_word_within_the_limit(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert [m for p in pieces for m in marker_list(p)] == marker_list(text)
    for piece in pieces:
        assert piece == piece.strip()
        # no piece starts or ends inside a marker: every bracket in it is balanced
        assert not re.match(r"^[\d\s,]*\]", piece), piece[:20]
        assert not re.search(r"\[[\d\s,]*$", piece), piece[-20:]


@settings(max_examples=60, deadline=None)
@given(documents())
def test_split_never_orphans_a_marker_when_it_can_help_it(text: str) -> None:
    pieces = split_message(text, 200)
    for previous, piece in itertools.pairwise(pieces):
        if MARKER_RE.match(piece):
            # only when every gap of the previous piece was also followed by a marker
            flat = MARKER_RE.sub("[M]", previous)
            assert all(flat.startswith("[M]", m.end()) for m in re.finditer(r"\s+", flat))


def test_split_prefers_paragraphs_then_sentences() -> None:
    para = "First paragraph sentence one. " * 40  # ~1,200 chars
    text = para.strip() + "\n\n" + para.strip()
    pieces = split_message(text)
    assert pieces == [para.strip(), para.strip()]

    claims = " ".join(f"Claim number {i} is supported here. [{i % 5 + 1}]" for i in range(120))
    pieces = split_message(claims)
    assert len(pieces) > 1
    for piece in pieces[:-1]:
        assert re.search(r"\. \[\d+\]$", piece), piece[-40:]  # cut after a claim's marker
    for piece in pieces[1:]:
        assert piece.startswith("Claim number")


def test_split_five_thousand_characters() -> None:
    text = " ".join(f"Sentence {i} says something [{i % 7 + 1}]." for i in range(155))
    assert 5000 <= len(text) <= 5500
    pieces = split_message(text)
    assert len(pieces) == 3 and all(1000 <= len(p) <= 2000 for p in pieces)
    assert " ".join(pieces) == text
    assert all(p.endswith("].") for p in pieces)  # whole sentences, markers included


def test_split_edge_cases() -> None:
    assert split_message("") == []
    assert split_message("   \n ") == []
    assert split_message("short [1]") == ["short [1]"]
    long_word = "x" * 4500
    assert [len(p) for p in split_message(long_word)] == [2000, 2000, 500]
    marker_at_limit = "y" * 1998 + "[12]" + "z" * 10
    pieces = split_message(marker_at_limit)
    assert pieces[0] == "y" * 1998 and pieces[1].startswith("[12]")
    with pytest.raises(ValueError):
        split_message("text", 5)


# --------------------------------------------------------------------------- mentions, names


def test_neutralise_mentions() -> None:
    text = neutralise_mentions("hi @everyone and @here, <@123> <@!456> <@&789> <#42>")
    assert "@everyone" not in text and "@here" not in text
    assert not re.search(r"<@[!&]?\d+>", text)
    assert "<#42>" in text  # channel links do not ping
    assert neutralise_mentions("mail me at a@b.org [1]") == "mail me at a@b.org [1]"


def test_question_text_and_thread_name() -> None:
    assert question_text("<@99> how   many\ntroops? <@!99>", 99) == "how many troops?"
    assert thread_name("  how\n many   troops?  ") == "how many troops?"
    assert thread_name("") == "Question" and thread_name(" \n ") == "Question"
    name = thread_name("ask <@123> and @everyone about <#5> and <@&7>")
    assert name == "ask @user and @\u200beveryone about #channel and @role"
    long = thread_name("word " * 60)
    assert 1 <= len(long) <= 100 and long.endswith("…") and "  " not in long
    assert len(thread_name("x" * 500)) == 100


@given(st.text(max_size=400))
def test_thread_name_is_always_valid(text: str) -> None:
    name = thread_name(text)
    assert 1 <= len(name) <= 100
    assert "@everyone" not in name and "@here" not in name
    assert not re.search(r"<@[!&]?\d+>", name)


def test_shorten() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("one two three four", 10) == "one two…"
    assert len(shorten("x" * 50, 10)) == 10


# --------------------------------------------------------------------------- embeds


def citation(
    n: int, *, title: str = "Title", snippet: str = "A snippet.", **kw: object
) -> Citation:
    values: dict[str, object] = {
        "article_id": f"a{n}",
        "source": f"{n:03d}_article.txt",
        "title": title,
        "date": None,
        "snippet": snippet,
        "score": 0.5,
    }
    values.update(kw)
    return Citation(n=n, **values)  # type: ignore[arg-type]


def check_embed(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for field in data.get("fields", []):
        assert 1 <= len(field["name"]) <= 256 and 1 <= len(field["value"]) <= 1024
    assert len(embed) <= EMBED_TOTAL_LIMIT


def test_answer_messages_put_sources_under_the_text() -> None:
    answer = Answer(
        "q",
        "Troops were discussed. [1] Numbers varied. [2]",
        True,
        "extractive",
        [
            citation(1, title="Coalition", date=date(2025, 3, 1), url="https://example.org/a"),
            citation(2, title="Ministers @everyone", snippet="Says <@123> things."),
        ],
    )
    (message,) = answer_messages(answer, footer="Ask a follow-up.")
    # the text, then how recent its newest source is, as Discord subtext
    # [1] links to its article (no link preview); [2] has no URL and stays plain
    linked = "Troops were discussed. [[1]](<https://example.org/a>) Numbers varied. [2]"
    assert message.content == linked + "\n-# As of 2025-03-01 (newest source cited)."
    assert message.embed is not None
    check_embed(message.embed)
    first, second = message.embed.to_dict()["fields"]
    assert first["name"] == "[1] Coalition"
    assert "`001_article.txt` · 2025-03-01 · [link](https://example.org/a)" in first["value"]
    assert "> A snippet." in first["value"]
    assert "@everyone" not in second["name"] and "<@123>" not in second["value"]
    assert message.embed.footer.text == "Ask a follow-up."


def test_answer_messages_without_sources_and_with_a_note() -> None:
    answer = Answer("q", "I couldn't find that.", False, "extractive", note="LLM unavailable")
    (message,) = answer_messages(answer)
    assert message.embed is None
    assert message.content == "I couldn't find that.\n\n-# LLM unavailable"


def test_huge_sources_stay_within_the_embed_limits() -> None:
    big = [
        citation(
            n,
            title="T" * 400,
            snippet="word " * 400,
            source="s" * 500,
            url="https://x.org/" + "p" * 600,
        )
        for n in range(1, 31)
    ]
    answer = Answer("q", "text [1]", True, "extractive", big)
    messages = answer_messages(answer)
    embeds = [m.embed for m in messages if m.embed is not None]
    assert len(embeds) == 3  # 10 sources per embed, one embed per message
    for embed in embeds:
        check_embed(embed)
    names = [f.name for e in embeds for f in e.fields]
    assert [n.split()[0] for n in names] == [f"[{n}]" for n in range(1, 31)]
    assert messages[0].content == "text [1]" and messages[1].content == ""


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            SourceEntry,
            label=st.sampled_from(["[1]", "2.", "[12]"]),
            title=st.text(max_size=600),
            source=st.text(max_size=600),
            snippet=st.text(max_size=3000),
            url=st.one_of(st.none(), st.just("https://example.org/x")),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_source_embeds_always_fit(entries: list[SourceEntry]) -> None:
    embeds = source_embeds(entries, title="Sources " * 50, footer="f" * 3000)
    assert sum(len(e.fields) for e in embeds) == len(entries)
    for embed in embeds:
        check_embed(embed)


def test_texts() -> None:
    assert cooldown_text(0.2) == (
        "You're asking quickly! Please wait 1 second before your next question."
    )
    assert "4 seconds" in cooldown_text(3.6)

    from index.build import UpdateReport

    report = UpdateReport(added=1, updated=2, removed=3, unchanged=4, chunks=50, seconds=1.25)
    text = update_report_text(report)
    assert "**1** added, **2** updated, **3** removed" in text and "1.2 s" in text


def test_markers_link_to_their_articles_and_back() -> None:
    urls = {1: "https://a.example/x", 2: "https://b.example/y"}
    text = "A [1]. B [1, 2] c [3] d [2]. Quoted \\[1](http://evil) and [2](x)."
    linked = link_markers(text, urls)
    assert linked == (  # each source linked once, at its first marker; [3] has no URL
        "A [[1]](<https://a.example/x>). B [1, [2](<https://b.example/y>)] c [3] d [2]. "
        "Quoted \\[1](http://evil) and [2](x)."
    )
    assert unlink_markers(linked) == text


def test_linked_pieces_stay_within_the_limit() -> None:
    urls = {n: f"https://news.example/{'x' * 300}/{n}" for n in range(1, 6)}
    text = " ".join(f"Claim number {i} is stated here [{i % 5 + 1}]." for i in range(400))
    pieces = split_linked(text, urls)
    assert all(len(p) <= MESSAGE_LIMIT for p in pieces)
    assert " ".join(unlink_markers(p) for p in pieces).split() == text.split()
    assert all("](<https://news.example/" in p for p in pieces)


def test_long_evidence_fits_discord_and_says_what_was_left_out() -> None:
    from bot.answer.evidence import Backed, Evidence, Rejected
    from bot.discord.formatting import EVIDENCE_MESSAGES, evidence_messages

    long = "A very long claim about **troops** @everyone " * 40
    backed = [Backed(long, i, f"Title {i}", "Source sentence " * 80) for i in range(1, 30)]
    rejected = [Rejected("Twisted claim", "Title 1", "contradicted: polarity", True)]
    pieces = evidence_messages(Evidence(backed, rejected))
    assert 1 < len(pieces) <= EVIDENCE_MESSAGES
    assert all(len(p) <= 2000 for p in pieces)
    assert "more not shown" in pieces[-1]
    assert "@everyone" not in "".join(pieces) and "\\*\\*troops\\*\\*" in pieces[0]
    short = evidence_messages(Evidence(backed[:1], rejected))
    assert len(short) == 1 and "contradicted: polarity" in short[0]
