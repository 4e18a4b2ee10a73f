"""Ranking logic: reciprocal-rank fusion, near-duplicate collapse, article diversity. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TypeVar

T = TypeVar("T")
RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    k: int = RRF_K,
    weights: Mapping[str, float] | None = None,
) -> list[tuple[str, float, dict[str, int]]]:
    """Fuse ranked id lists: score = sum weight/(k + rank). Returns (id, score, ranks), best
    first. Lists without a weight count 1.0.

    The score is scaled so that an id ranked first by every list scores 1.0, which makes it
    readable as a confidence next to a citation.
    """
    weight = {name: (weights or {}).get(name, 1.0) for name in rankings}
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, ids in rankings.items():
        for rank, item in enumerate(ids, 1):
            if name in ranks.setdefault(item, {}):
                continue  # a list that repeats an id only counts its best rank
            ranks[item][name] = rank
            scores[item] = scores.get(item, 0.0) + weight[name] / (k + rank)
    best = (sum(weight.values()) / (k + 1)) or 1.0
    fused = [(item, score / best, ranks[item]) for item, score in scores.items()]
    fused.sort(key=lambda row: (-row[1], row[0]))
    return fused


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def collapse_near_duplicates(
    items: Sequence[T],
    terms_of: Callable[[T], set[str]],
    threshold: float = 0.8,
    facts_of: Callable[[T], object] = lambda _: None,
    merge: Callable[[T, T], T] = lambda kept, _: kept,
) -> list[T]:
    """Keep the first (best) of each group of near-identical passages.

    The same wire paragraph in several articles would otherwise fill every slot with one fact.
    Passages whose `facts_of` differ (other figures, other names) are never merged: they are
    different reports, and disagreeing sources must both be seen. `merge(kept, duplicate)`
    lets the kept item remember what it stands for (e.g. the other outlets of a wire story).
    """
    kept: list[T] = []
    kept_terms: list[set[str]] = []
    facts: dict[int, object] = {}  # computed only for look-alikes: most pairs are not

    def facts_at(i: int) -> object:
        if i not in facts:
            facts[i] = facts_of(kept[i])
        return facts[i]

    for item in items:
        t = terms_of(item)
        alike = [i for i, t2 in enumerate(kept_terms) if jaccard(t, t2) >= threshold]
        own = facts_of(item) if alike else None
        same = next((i for i in alike if facts_at(i) == own), None)
        if same is None:
            kept.append(item)
            kept_terms.append(t)
        else:
            kept[same] = merge(kept[same], item)
    return kept


def prefer_recent(
    items: Sequence[T], date_of: Callable[[T], date | None], half_life_days: float = 30.0
) -> list[T]:
    """Items re-ranked so that newer ones rise: rank weight 1/(1 + rank/3) times
    (0.25 + 0.75 · 2^(-age/half-life)), age counted from the newest item; undated items get
    the floor (0.25).

    For "latest"/"recent" questions a week-old report should beat a year-old one that
    matches a little better; relevance still counts, so an off-topic new item does not win.
    """
    days = [d for d in map(date_of, items) if d]
    if not days:
        return list(items)
    newest = max(days)

    def weight(i: int, item: T) -> float:
        day = date_of(item)
        fresh = 0.5 ** ((newest - day).days / half_life_days) if day else 0.0
        return (0.25 + 0.75 * fresh) / (1 + i / 3)

    order = sorted(enumerate(items), key=lambda pair: -weight(*pair))
    return [item for _, item in order]


def diversify(
    items: Sequence[T], k: int, group_of: Callable[[T], str], per_group: int = 2
) -> list[T]:
    """Top k, at most `per_group` per article while others are left, then fill in rank order.

    One long article must not crowd out a second article that is also relevant.
    """
    chosen: list[T] = []
    counts: dict[str, int] = {}
    for item in items:
        if len(chosen) == k:
            break
        group = group_of(item)
        if counts.get(group, 0) < per_group:
            chosen.append(item)
            counts[group] = counts.get(group, 0) + 1
    if len(chosen) < k:
        chosen_ids = {id(c) for c in chosen}
        rest = [item for item in items if id(item) not in chosen_ids]
        chosen.extend(rest[: k - len(chosen)])
        order = {id(item): i for i, item in enumerate(items)}
        chosen.sort(key=lambda item: order[id(item)])
    return chosen
