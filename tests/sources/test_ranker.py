"""The ranking of a topic's suggestions, replayed over a curator's 40 days of decisions.

Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from outlier.sources.ranker import Candidate, Ranker, freshness, keyword_relevance

FIXTURE = Path(__file__).parent / "fixtures" / "curator_history.jsonl"
KEYWORDS = ["open-source", "open source", "open weights", "open-weights", "locally", "llama"]
TOP = 10


def history() -> list[list[dict[str, Any]]]:
    """The fixture's items, day by day."""
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    return [list(day) for _, day in groupby(rows, key=lambda row: row["day"])]


def candidate(row: dict[str, Any]) -> Candidate:
    return Candidate(
        row["title"], row["text"], row["source"], datetime.fromisoformat(row["published"])
    )


def scooped_in_top(rows: list[dict[str, Any]], order: list[int]) -> int:
    return sum(rows[n]["decision"] == "scooped" for n in order[:TOP])


def newest_first(rows: list[dict[str, Any]]) -> list[int]:
    return sorted(range(len(rows)), key=lambda n: rows[n]["published"], reverse=True)


def ranked(ranker: Ranker, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    items = [candidate(row) for row in rows]
    return sorted(range(len(rows)), key=lambda n: ranker.score(items[n], now), reverse=True)


def test_the_fixture_is_a_curators_forty_days() -> None:
    days = history()
    rows = [row for day in days for row in day]
    share = sum(row["decision"] == "scooped" for row in rows) / len(rows)
    assert len(days) == 40 and min(map(len, days)) >= 26 and max(map(len, days)) <= 34
    assert 0.12 <= share <= 0.18


def test_replayed_day_by_day_the_top_ten_beats_newest_first() -> None:
    ranker = Ranker(keywords=KEYWORDS)
    ours = baseline = 0
    learning = 0.0
    for rows in history():
        end_of_day = datetime.fromisoformat(rows[0]["published"]).replace(
            hour=0, minute=0
        ) + timedelta(days=1)
        ours += scooped_in_top(rows, ranked(ranker, rows, end_of_day))
        baseline += scooped_in_top(rows, newest_first(rows))
        started = time.perf_counter()
        ranker.learn_all((candidate(row), row["decision"]) for row in rows)
        learning += time.perf_counter() - started
    days = len(history())
    print(
        f"\nlater-scooped items in the top {TOP}, over {days} days: ranked {ours}"
        f" ({ours / days:.2f} a day), newest first {baseline} ({baseline / days:.2f} a day):"
        f" {ours / baseline:.2f}x (goal 1.2x); learning {learning * 1000 / 1214:.3f} ms a decision"
    )
    assert ours >= 1.2 * baseline


def test_before_any_decision_keywords_and_freshness_rank() -> None:
    now = datetime(2025, 3, 4, tzinfo=UTC)
    ranker = Ranker(keywords=["open-source", "llama"])
    matching = Candidate("An open-source llama runner", "", "HN", now - timedelta(hours=5))
    other = Candidate("A gadget review", "", "HN", now - timedelta(hours=1))
    assert ranker.rank([other, matching], now) == [matching, other]
    assert ranker.why(matching) == "matches keywords: open-source, llama"
    assert ranker.why(other) == ""
    stale = Candidate("An open-source llama runner", "", "HN", now - timedelta(days=5))
    assert ranker.score(stale, now) < ranker.score(matching, now)


def test_the_first_days_with_keywords_beat_newest_first() -> None:
    """Cold start: days 1 to 3 ranked by keywords and freshness only."""
    ranker = Ranker(keywords=KEYWORDS)
    ours = baseline = 0
    for rows in history()[:3]:
        now = datetime.fromisoformat(rows[-1]["published"])
        ours += scooped_in_top(rows, ranked(ranker, rows, now))
        baseline += scooped_in_top(rows, newest_first(rows))
    print(f"\ncold start, first 3 days: keywords {ours}, newest first {baseline}")
    assert ours > baseline


def trained() -> Ranker:
    ranker = Ranker(keywords=KEYWORDS)
    ranker.learn_all((candidate(row), row["decision"]) for rows in history() for row in rows)
    return ranker


def test_why_names_what_scooped_items_were_about() -> None:
    ranker = trained()
    item = Candidate(
        "llama.cpp 4.2 adds speculative decoding",
        "The release of llama.cpp, the open-source project for running language models "
        "locally, adds speculative decoding.",
        "r/LocalLLaMA",
    )
    why = ranker.why(item)
    print(f"\n{why}")
    assert why.startswith("matches scooped items about: ")
    assert len(ranker.top_terms(item)) == 3
    funding = Candidate(
        "Vectorly raises $40M Series B", "The round was led by Sequoia.", "TechCrunch"
    )
    assert ranker.relevance(funding) < ranker.relevance(item)


def test_the_model_is_json_and_bytes_and_back() -> None:
    ranker = trained()
    data = ranker.to_bytes()
    again = Ranker.from_bytes(data)
    item = Candidate("Ollama 0.6 released with tool calling", "It runs models locally.", "HN")
    assert again.relevance(item) == pytest.approx(ranker.relevance(item), abs=1e-4)
    assert json.loads(json.dumps(ranker.to_state())) == ranker.to_state()
    print(f"\nstored model: {len(data)} bytes, {len(ranker.weights)} weights")
    assert len(data) < 400_000


@pytest.mark.parametrize(
    "data",
    [b"", b"not zlib", b"x\x9c\x03\x00\x00\x00\x00\x01", b"x\x9c\x8b\x8e\x05\x00\x01\x15\x00\xb9"],
)
def test_a_stored_model_that_is_not_one_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        Ranker.from_bytes(data)


def test_a_state_of_another_shape_is_refused() -> None:
    state = Ranker().to_state()
    with pytest.raises(ValueError):
        Ranker.from_state({**state, "format": 99})
    with pytest.raises(ValueError):
        Ranker.from_state({**state, "weights": {"a": "b"}})
    with pytest.raises(ValueError):
        Ranker.from_state({k: v for k, v in state.items() if k != "bias"})


def test_freshness_halves_every_half_life() -> None:
    now = datetime(2025, 3, 4, tzinfo=UTC)
    assert freshness(now - timedelta(hours=24), now, 24) == pytest.approx(0.5)
    assert freshness(now + timedelta(hours=1), now, 24) == 1.0
    assert freshness(None, now, 24) == 1.0


def test_keywords_in_the_title_count_twice() -> None:
    in_title, _ = keyword_relevance(Candidate("Open source wins", ""), ["open source"])
    in_text, matched = keyword_relevance(Candidate("News", "open source wins"), ["open source"])
    assert in_title > in_text > keyword_relevance(Candidate("News", ""), ["open source"])[0]
    assert matched == ["open source"]
