"""Deterministic generator of larger, realistic corpora from the sample articles.

    .venv/bin/python benchmarks/gen_corpus.py OUT_DIR --articles 1000 --seed 7

Each generated article takes paragraphs from two or three different sample articles, then
swaps people, cities, countries (with their adjectives), numbers, years and months for
others from small lists, consistently within the article. Every file starts with its own
distinct headline, then a date line, then the body. Same seed, same files.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "articles"

# Full names first: the surname alone is swapped for the surname of the same replacement.
PEOPLE = [
    "Volodymyr Zelenskyy",
    "Keir Starmer",
    "Vladimir Putin",
    "Donald Trump",
    "Rustem Umerov",
    "Sébastien Lecornu",
    "Recep Tayyip Erdoğan",
    "Scott Bessent",
]
SURNAME_VARIANTS = {"Zelensky": "Zelenskyy", "Zelenskiy": "Zelenskyy"}
NEW_PEOPLE = [
    "Anna Kowalski",
    "Miguel Herrera",
    "Ingrid Solberg",
    "Tomasz Nowak",
    "Claire Dubois",
    "Kenji Watanabe",
    "Amara Okafor",
    "Lukas Becker",
    "Sofia Marino",
    "David Levin",
    "Elena Petrova",
    "Rahul Mehta",
    "Fatima Haddad",
    "Jonas Lindqvist",
    "Maria Santos",
    "Peter Hughes",
]
CITIES = ["Paris", "Kyiv", "Moscow", "Beijing", "Washington", "Ankara", "London", "Brussels"]
NEW_CITIES = [
    "Vienna",
    "Warsaw",
    "Madrid",
    "Oslo",
    "Geneva",
    "Prague",
    "Helsinki",
    "Lisbon",
    "Tallinn",
    "Vilnius",
    "Bucharest",
    "Rome",
    "Berlin",
    "Stockholm",
    "Athens",
    "Tokyo",
]
# (country, adjective); sample countries first, then the pool they are swapped with.
COUNTRIES = [
    ("Ukraine", "Ukrainian"),
    ("Russia", "Russian"),
    ("France", "French"),
    ("Britain", "British"),
    ("Germany", "German"),
    ("Poland", "Polish"),
    ("Italy", "Italian"),
    ("Turkey", "Turkish"),
    ("China", "Chinese"),
]
NEW_COUNTRIES = [
    ("Moldova", "Moldovan"),
    ("Georgia", "Georgian"),
    ("Finland", "Finnish"),
    ("Norway", "Norwegian"),
    ("Spain", "Spanish"),
    ("Romania", "Romanian"),
    ("Sweden", "Swedish"),
    ("Estonia", "Estonian"),
    ("Lithuania", "Lithuanian"),
    ("Greece", "Greek"),
    ("Japan", "Japanese"),
    ("Canada", "Canadian"),
    ("Austria", "Austrian"),
    ("Portugal", "Portuguese"),
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
TOPICS = [
    "Security Pact",
    "Defense Spending",
    "Energy Deal",
    "Border Talks",
    "Arms Production",
    "Ceasefire Proposal",
    "Sanctions Package",
    "Peacekeeping Plan",
    "Air Defense Aid",
    "Trade Tariffs",
    "Reconstruction Fund",
    "Drone Supplies",
]
HEADLINES = [
    "{country} Weighs {topic} as {person} Meets Allies in {city}",
    "{person} Urges {topic} After Talks in {city}",
    "{city} Summit: {country} and {country2} Clash Over {topic}",
    "{adj} Officials Push {topic} Ahead of {city} Meeting",
    "{country} Signals Support for {topic}, {person} Says",
    "Leaders Gather in {city} to Discuss {topic} for {country}",
    "{person} Warns {country2} Over {topic} in {city} Address",
    "{adj} and {adj2} Ministers Agree on {topic}",
]
SKIP = re.compile(r"advertisement|read more|newsletter|subscribe|^tags?:", re.IGNORECASE)
NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\b")


def paragraphs(path: Path) -> list[str]:
    """Body paragraphs of a sample article: no headline, no boilerplate, no fragments."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    if lines and len(lines[0].split()) < 20:  # a short first line is the headline
        lines = lines[1:]
    return [line for line in lines if len(line.split()) >= 12 and not SKIP.search(line)]


def _entity_pattern() -> re.Pattern[str]:
    names = [p for p in PEOPLE] + [p.split()[-1] for p in PEOPLE] + list(SURNAME_VARIANTS)
    names += CITIES + [c for c, _ in COUNTRIES] + [a for _, a in COUNTRIES] + MONTHS
    names.sort(key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")


ENTITY = _entity_pattern()


def _mapping(rng: random.Random) -> dict[str, str]:
    """One article's consistent replacements for the sample's entities."""
    out: dict[str, str] = {}
    for old, new in zip(PEOPLE, rng.sample(NEW_PEOPLE, len(PEOPLE)), strict=True):
        out[old] = new
        out[old.split()[-1]] = new.split()[-1]
    for variant, canonical in SURNAME_VARIANTS.items():
        out[variant] = out[canonical.split()[-1]]
    for old, new in zip(CITIES, rng.sample(NEW_CITIES, len(CITIES)), strict=True):
        out[old] = new
    # Keep about half of the countries, swap the rest: still reads as the same news beat.
    pool = rng.sample(NEW_COUNTRIES, len(COUNTRIES))
    for (country, adj), (new_country, new_adj) in zip(COUNTRIES, pool, strict=True):
        if rng.random() < 0.5:
            out[country], out[adj] = new_country, new_adj
    shift = rng.randrange(12)
    for i, month in enumerate(MONTHS):
        out[month] = MONTHS[(i + shift) % 12]
    return out


def _number(rng: random.Random, match: re.Match[str]) -> str:
    text = match.group(0)
    value = int(text.replace(",", ""))
    if 1990 <= value <= 2030 and "," not in text:  # a year
        return str(rng.randint(2019, 2026))
    if value == 0:
        return text
    new = max(1, round(value * rng.uniform(0.5, 1.8)))
    if value >= 1000:  # keep round figures round: 30,000 -> 45,000, not 44,817
        step = 10 ** (len(str(value)) - 2)
        new = max(step, round(new / step) * step)
    return f"{new:,}" if "," in text else str(new)


def rewrite(text: str, mapping: dict[str, str], rng: random.Random) -> str:
    text = ENTITY.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
    return NUMBER.sub(lambda m: _number(rng, m), text)


def headline(rng: random.Random, used: set[str]) -> str:
    for _ in range(50):
        (c1, a1), (c2, a2) = rng.sample(NEW_COUNTRIES + COUNTRIES, 2)
        title = rng.choice(HEADLINES).format(
            country=c1,
            country2=c2,
            adj=a1,
            adj2=a2,
            person=rng.choice(NEW_PEOPLE),
            city=rng.choice(NEW_CITIES),
            topic=rng.choice(TOPICS),
        )
        if title not in used:
            break
    else:  # the combinations ran out: number it
        title = f"{title} (Part {len(used) + 1})"
    used.add(title)
    return title


def generate(out_dir: Path, articles: int, seed: int) -> list[Path]:
    """Write `articles` generated .txt files into out_dir; returns their paths in order."""
    rng = random.Random(seed)
    sources = [paragraphs(p) for p in sorted(SAMPLES.glob("*.txt"))]
    sources = [s for s in sources if s]
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    written = []
    for i in range(articles):
        picked = rng.sample(range(len(sources)), rng.randint(2, min(3, len(sources))))
        body: list[str] = []
        for s in picked:
            paras = sources[s]
            start = rng.randrange(len(paras))
            body += paras[start : start + rng.randint(2, 4)]
        mapping = _mapping(rng)
        text = "\n\n".join(rewrite(p, mapping, rng) for p in body)
        day = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2023, 2026)}"
        title = headline(rng, used)
        path = out_dir / f"{i:05d}_{rng.getrandbits(40):010x}.txt"
        path.write_text(f"{title}\n\n{day}\n\n{text}\n", encoding="utf-8")
        written.append(path)
    return written


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+|\d[\d,]*")
_STOP = set(
    "about after also amid and another because been before being between could during from "
    "have into more most over said says than that their them then there these they this "
    "those through under were what when where which while will with would".split()
)
_NEW_NAMES = {w for p in NEW_PEOPLE for w in p.split()} | set(NEW_CITIES)
_NEW_NAMES |= {name for pair in NEW_COUNTRIES for name in pair}
_NAMES = _NEW_NAMES | {name for pair in COUNTRIES for name in pair}


def known_item_queries(paths: list[Path], count: int, seed: int) -> list[dict[str, object]]:
    """Queries with known answers, made from single sentences of generated articles.

    A query keeps a sentence's names and figures plus four other words from it; the
    relevant files are every file containing that sentence. Most sentences recur across
    the corpus with other names and figures (that is how it was generated), so those are
    what tells the target apart: the hard part of searching real news, too.
    """
    rng = random.Random(seed + 1)
    texts = {p.name: p.read_text(encoding="utf-8") for p in paths}
    out: list[dict[str, object]] = []
    for path in rng.sample(paths, min(count, len(paths))):
        body = texts[path.name].split("\n\n", 2)[-1]
        sentences = [
            s.strip()
            for s in _SENTENCE_END.split(body)
            if len(s.split()) >= 12 and any(w in _NEW_NAMES for w in _WORD.findall(s))
        ]
        if not sentences:
            continue
        sentence = rng.choice(sentences)
        words = _WORD.findall(sentence)
        key = [i for i, w in enumerate(words) if w in _NAMES or w[0].isdigit()]
        other = [
            i for i, w in enumerate(words) if i not in key and len(w) > 3 and w.lower() not in _STOP
        ]
        keep = sorted(key + rng.sample(other, min(4, len(other))))
        out.append(
            {
                "query": " ".join(words[i] for i in keep),
                "sentence": sentence,
                "relevant": sorted(name for name, text in texts.items() if sentence in text),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    paths = generate(args.out_dir, args.articles, args.seed)
    size = sum(p.stat().st_size for p in paths)
    seconds = time.perf_counter() - started
    print(f"{len(paths)} articles, {size / 1e6:.1f} MB in {args.out_dir} ({seconds:.2f} s)")


if __name__ == "__main__":
    sys.exit(main())
