"""The same story across sources: addresses, then text, measured on a labelled fixture.

The fixture has a tuning part (the threshold was chosen there; tune_near_duplicates.py prints
its curve) and a held-out part written afterwards, never tuned on (make_near_duplicates.py);
every figure is printed for both beside the issue's goal (run with ``-s`` to see them).
"""

from __future__ import annotations

import itertools
import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from outlier.curation.urlkeys import url_key
from outlier.sources.similar import (
    MIN_TERMS,
    Item,
    Signature,
    StoryIndex,
    signature,
    url_keys,
)

FIXTURE = Path(__file__).parent / "fixtures" / "near_duplicates.jsonl"
GOAL_PRECISION, GOAL_RECALL = 0.98, 0.90


def rows(split: str) -> list[dict[str, Any]]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [row for row in map(json.loads, lines) if row["split"] == split]


def item(row: dict[str, Any]) -> Item:
    return Item(
        title=row["title"],
        text=row["text"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        published=datetime.fromisoformat(row["published"]),
    )


def stories(items: list[dict[str, Any]]) -> list[int]:
    """The story the index puts each item in, fed in publication order."""
    index = StoryIndex()
    found = []
    for n, row in enumerate(items):
        match = index.check(n, item(row))
        found.append(match.story_id if match else n)
    return found


def precision_recall(items: list[dict[str, Any]], found: list[int]) -> tuple[float, float]:
    """Over all pairs of items: same story found versus same story labelled."""
    both = found_only = labelled_only = 0
    for (a, story_a), (b, story_b) in itertools.combinations(zip(items, found, strict=True), 2):
        same_found, same_label = story_a == story_b, a["group"] == b["group"]
        both += same_found and same_label
        found_only += same_found and not same_label
        labelled_only += same_label and not same_found
    precision = both / (both + found_only) if both + found_only else 1.0
    return precision, both / (both + labelled_only)


def first_versions(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each story's original and its copies (syndicated, summary, tracking, AMP), no rewrites."""
    return [row for row in items if row["version"].endswith("/0")]


def test_fixture_is_big_and_labelled() -> None:
    tune, holdout = rows("tune"), rows("holdout")
    assert len(tune) >= 300 and len({row["group"] for row in tune}) >= 80
    assert len(holdout) >= 110 and len({row["group"] for row in holdout}) >= 25
    assert {row["lang"] for row in holdout} == {"en", "fr", "de", "es"}
    assert not {row["family"] for row in tune} & {row["family"] for row in holdout}
    # Every held-out family's stories come out within one window: time cannot part them.
    by_family: dict[str, list[datetime]] = {}
    for row in holdout:
        if row["kind"] == "original":
            by_family.setdefault(row["family"], []).append(datetime.fromisoformat(row["published"]))
    near = [max(days) - min(days) <= timedelta(hours=72) for days in by_family.values()]
    assert sum(near) >= len(near) - 1  # the one family that also holds last quarter's results


# What the detector reaches, held as floors a little under the measured figures (printed
# beside the goal, which is not met; see outlier/sources/similar.py). About three in
# four pairs of an original and a rewrite are joined; on the held-out part two state elections
# of one evening merge (and a tracked copy follows by address).
FLOORS = [
    ("tune", "all", 0.96, 0.74),
    ("holdout", "all", 0.96, 0.74),
    ("tune", "copies", 0.97, GOAL_RECALL),
    ("holdout", "copies", 0.77, GOAL_RECALL),
]


@pytest.mark.parametrize(("split", "part", "min_precision", "min_recall"), FLOORS)
def test_precision_and_recall_over_all_pairs(
    split: str, part: str, min_precision: float, min_recall: float
) -> None:
    items = rows(split) if part == "all" else first_versions(rows(split))
    precision, recall = precision_recall(items, stories(items))
    print(
        f"\n{split} part, {part}: precision {precision:.3f} recall {recall:.3f}"
        f" over {len(items)} items (goal {GOAL_PRECISION} / {GOAL_RECALL})"
    )
    assert precision >= min_precision
    assert recall >= min_recall


WHEN = datetime(2025, 5, 6, 9, 0, tzinfo=UTC)
RESULTS = (
    "{company} reported first-quarter revenue of {revenue} billion, up {growth}% from a year "
    "earlier, ahead of the {expected} billion analysts expected. Earnings were {eps} per "
    "share. Shares rose {move}% in extended trading."
)


def test_an_address_names_its_story_whatever_its_tracking_parameters() -> None:
    index = StoryIndex()
    first = Item("A title", "Some text.", "https://www.example.com/story/", published=WHEN)
    assert index.check(1, first) is None
    again = Item("Another title", "", "http://example.com/story?utm_source=x", published=WHEN)
    amp = Item("Amp", "", "https://amp.example.com/s", "https://example.com/story", WHEN)
    assert index.check(2, again) == index.check(3, amp)
    match = index.check(4, amp)
    assert match is not None and (match.story_id, match.similarity, match.by) == (1, 1.0, "address")


def test_a_syndicated_copy_with_boilerplate_is_the_same_story() -> None:
    text = (
        "Toyota is recalling about 1 million vehicles in the U.S. because a sensor defect "
        "could cause the air bags not to deploy in a crash. The recall covers 2020 to 2022 "
        "Camry, Corolla and RAV4 models."
    )
    index = StoryIndex()
    index.check(1, Item("Toyota recalls 1 million vehicles", text, "https://a.example/1", "", WHEN))
    copy = Item(
        "Toyota recalls 1M vehicles over air bag sensor",
        "DETROIT (AP) — " + text + " Copyright 2025 The Associated Press. All rights reserved.",
        "https://b.example/2",
        published=WHEN + timedelta(hours=3),
    )
    match = index.check(2, copy)
    assert match is not None and match.story_id == 1 and match.by == "text"


def test_two_companies_results_from_one_template_are_two_stories() -> None:
    index = StoryIndex()
    microsoft = RESULTS.format(
        company="Microsoft", revenue="$61.9", growth=17, expected="$60.8", eps="$2.94", move=4
    )
    alphabet = RESULTS.format(
        company="Alphabet", revenue="$80.5", growth=15, expected="$78.6", eps="$1.89", move=11
    )
    index.check(1, Item("Microsoft beats estimates", microsoft, "https://a.example/m", "", WHEN))
    assert index.check(2, Item("Alphabet beats estimates", alphabet, "https://a.example/a")) is None


def test_a_headline_alone_joins_no_story_by_text() -> None:
    index = StoryIndex()
    text = "Storm Ciaran brought gusts of 207 km/h to Brittany and cut power to 1.2 million homes."
    index.check(1, Item("Storm Ciaran hits Brittany", text, "https://a.example/1", "", WHEN))
    headline = Item("Storm Ciaran hits Brittany", "", "https://b.example/2", "", WHEN)
    assert len(signature(headline.title, headline.text).terms) < MIN_TERMS
    assert index.check(2, headline) is None
    again = Item("Storm Ciaran hits Brittany", "", "https://a.example/1?utm_source=x", "", WHEN)
    match = index.check(3, again)
    assert match is not None and match.by == "address"


def test_the_same_text_a_week_later_is_another_story() -> None:
    index = StoryIndex()
    text = "Storm Ciaran brought gusts of 207 km/h to Brittany and cut power to 1.2 million homes."
    index.check(1, Item("Storm hits Brittany", text, "https://a.example/1", "", WHEN))
    later = Item("Storm hits Brittany", text, "https://b.example/2", "", WHEN + timedelta(days=7))
    assert index.check(2, later) is None


def test_a_signature_is_bytes_and_back() -> None:
    sig = signature("Léon Marchand remporte le 200 m 4 nages", "En 1'54''06, record olympique.")
    data = sig.to_bytes()
    assert isinstance(data, bytes) and len(data) == 4 * (2 + len(sig.terms) + len(sig.anchors))
    assert Signature.from_bytes(data) == sig
    assert Signature.from_bytes(b"") == Signature(frozenset(), frozenset())
    with pytest.raises(ValueError):
        Signature.from_bytes(data[:-4])
    assert sig.similarity(Signature.from_bytes(data)) == 1.0


def test_addresses_and_canonical_addresses_are_normalised() -> None:
    keys = url_keys("https://www.Example.com/a/?utm_medium=x&b=1", "https://example.com/c")
    assert keys == {url_key("https://example.com/a?b=1"), url_key("http://example.com/c/")}


def synthetic_items(count: int, seed: int = 7) -> list[Item]:
    """Items made of the fixture's sentences with their figures changed: a workspace's
    worth of text on many subjects, all within one window."""
    rng = random.Random(seed)
    pool = rows("tune") + rows("holdout")
    sentences = [s for row in pool for s in re.split(r"(?<=[.!?])\s+", row["text"]) if s]
    titles = [row["title"] for row in pool]

    def refigure(text: str) -> str:
        return re.sub(r"\d+", lambda _: str(rng.randint(1, 99_999)), text)

    return [
        Item(
            refigure(rng.choice(titles)),
            " ".join(refigure(rng.choice(sentences)) for _ in range(3)),
            f"https://site{n % 300}.example/story/{n}",
            published=WHEN + timedelta(seconds=5 * n),
        )
        for n in range(count)
    ]
