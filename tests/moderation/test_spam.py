"""The spam model on a labelled fixture, beside a words-only baseline, and on hostile input.

The fixture (outlier/moderation/fixtures/comments.jsonl, shipped in the package: a new
workspace's model is trained on its train split) was written by hand: comments on scoop
pages, inbox replies and mentions, visitors' suggestions, in English, French, German and
Spanish (and a few other languages), about 30% spam. Its test split is a held-out set written after the
train split, with other wording and other spam campaigns (sports betting instead of casinos,
"fund recovery" instead of trading, airline and printer support numbers instead of wallet
ones, ...), so the figures are not those of near-copies. Run with ``-s`` to see them.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from outlier.moderation.spam import (
    THRESHOLD,
    SpamModel,
    Text,
    WordsBaseline,
    describe,
    features,
)

FIXTURE = Path(__file__).parents[2] / "outlier" / "moderation" / "fixtures" / "comments.jsonl"
# Measured on the test split (2026-12-07): model F1 0.961, baseline 0.846. The bars leave
# room for a few items either way; the model must also not hold more than 2% of good ones.
MIN_F1, MAX_GOOD_HELD = 0.90, 0.02


def rows(split: str) -> list[dict[str, Any]]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [row for row in map(json.loads, lines) if row["split"] == split]


def text(row: dict[str, Any]) -> Text:
    return Text(row["body"], author_name=row["author_name"], author_url=row["author_url"])


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    f1: float
    good_held: float  # share of good comments at or above the threshold

    def __str__(self) -> str:
        return (f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"good wrongly held {self.good_held:.1%}")  # fmt: skip


def measure(model: SpamModel | WordsBaseline, test: list[dict[str, Any]]) -> Figures:
    held = [model.score(text(row)) >= THRESHOLD for row in test]
    spam = [row["spam"] for row in test]
    tp = sum(h and s for h, s in zip(held, spam, strict=True))
    fp = sum(h and not s for h, s in zip(held, spam, strict=True))
    fn = sum(s and not h for h, s in zip(held, spam, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Figures(precision, recall, f1, fp / spam.count(False))


@cache
def trained() -> tuple[SpamModel, WordsBaseline]:
    """Both models, trained once on the train split in file order, as decisions would come."""
    model, baseline = SpamModel(), WordsBaseline()
    for row in rows("train"):
        model.learn(text(row), row["spam"])
        baseline.learn(text(row), row["spam"])
    return model, baseline


def test_fixture_is_big_varied_and_labelled() -> None:
    train, test = rows("train"), rows("test")
    every = train + test
    assert len(every) >= 600 and 0.3 <= len(test) / len(every) <= 0.4
    assert 0.25 <= sum(row["spam"] for row in every) / len(every) <= 0.35
    assert len({row["id"] for row in every}) == len(every)
    assert len({row["body"] for row in every}) == len(every)
    assert not {row["body"] for row in train} & {row["body"] for row in test}
    for split in (train, test):
        words = set(re.findall(r"\w+", " ".join(row["body"] for row in split).lower()))
        assert {"merci", "très", "artikel", "ich", "gracias", "muy"} <= words


def test_model_meets_its_bar_and_beats_the_words_baseline() -> None:
    model, baseline = trained()
    test = rows("test")
    ours, theirs = measure(model, test), measure(baseline, test)
    print(f"\n{len(rows('train'))} train, {len(test)} test ({sum(r['spam'] for r in test)} spam),"
          f" threshold {THRESHOLD}")  # fmt: skip
    print(f"model           {ours}")
    print(f"words baseline  {theirs}")
    assert ours.f1 >= MIN_F1
    assert ours.good_held <= MAX_GOOD_HELD
    assert ours.f1 >= theirs.f1


def test_training_order_does_not_decide_the_result() -> None:
    """Decisions come in any order: over five shuffles of the train split the model keeps its
    bar on average (measured 0.881–0.952, mean 0.930) and never holds a good comment more."""
    test = rows("test")
    scores = []
    for seed in range(1, 6):
        train = rows("train")
        random.Random(seed).shuffle(train)
        model = SpamModel()
        for row in train:
            model.learn(text(row), row["spam"])
        figures = measure(model, test)
        print(f"\nshuffle {seed}: {figures}", end="")
        assert figures.f1 >= MIN_F1 - 0.05 and figures.good_held <= MAX_GOOD_HELD
        scores.append(figures.f1)
    assert sum(scores) / len(scores) >= MIN_F1


def test_a_rejected_spam_makes_the_next_similar_one_held() -> None:
    """The issue's case: a moderator rejects one spam; the next one like it is held."""
    model = SpamModel.from_bytes(trained()[0].to_bytes())
    first = Text(
        "Lovely photos. We rent glamping domes by the lake, message us for dates.",
        author_name="Lakeside Domes",
    )
    second = Text(
        "Lovely photos! Our glamping domes by the lake still have dates, message us.",
        author_name="Lake Domes",
    )
    unrelated = Text("Lovely photos! Which lake is this? We camped near one like it in June.")
    before, unrelated_before = model.score(second), model.score(unrelated)
    assert before < THRESHOLD  # a campaign the model has never seen
    model.learn(first, True)
    after = model.score(second)
    print(f"\nnext similar comment: {before:.2f} before, {after:.2f} after one rejection")
    assert after >= THRESHOLD > model.score(unrelated)
    assert model.score(unrelated) - unrelated_before < 0.2
    reasons = model.why(second, limit=10)
    assert reasons and all(reason.weight > 0 for reason in reasons)
    assert {"w:glamping", "w:domes"} & {reason.feature for reason in reasons}
    assert all(isinstance(reason.label, str) and reason.label for reason in reasons)


def test_approving_a_held_good_comment_lowers_the_next_similar_one() -> None:
    model = SpamModel.from_bytes(trained()[0].to_bytes())
    first = Text("Call the council on 020 7946 0000, they fixed our streetlight in two days!")
    second = Text("Call the council on 020 7946 0000 about potholes, they are quick!")
    before = model.score(second)
    model.learn(first, False)
    assert model.score(second) < before


def test_why_names_the_features_in_words() -> None:
    model = trained()[0]
    item = Text("Best online casino, free spins at https://spins.example", author_name="Slots 4U")
    labels = [reason.label for reason in model.why(item, limit=10)]
    assert any("casino" in label or "spins" in label for label in labels)
    assert describe("@domain:spins.example") == "link to spins.example"
    assert describe("@phone") == "a phone number"


def test_features_beyond_words() -> None:
    found = set(
        features(
            Text(
                "ВUY NOW!!! сheap meds $20, mail deals@pills.example or call +1 (800) 555-0100",
                author_name="Cheap Meds Online 24",
                author_url="https://pills.example/shop",
                links=("https://t.me/pillsdeals",),
            )
        )
    )
    expected = {
        "w:buy", "w:cheap", "@money", "@email", "@phone", "@lookalike_word", "@scripts_mixed",
        "@author_url", "@author_domain:pills.example", "@domain:t.me", "n:cheap",
        "@name_digits", "@bangs:1", "@links:1", "@script:cyrillic",
    }  # fmt: skip
    assert expected <= found
    assert "@caps:3" in features(Text("BUY NOW, LIMITED OFFER"))
    fancy = set(features(Text("𝐅𝐑𝐄𝐄 ｃｒｙｐｔｏ")))
    assert {"@nfkc_changed", "w:free", "w:crypto"} <= fancy


def test_state_round_trips_exactly() -> None:
    model = trained()[0]
    data = model.to_bytes()
    again = SpamModel.from_bytes(data)
    assert again.to_bytes() == data
    assert again.weights == model.weights and again.sums == model.sums
    assert again.learned == model.learned == [286, 124]
    for row in rows("test")[:50]:
        assert again.score(text(row)) == model.score(text(row))


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"not zlib at all",
        zlib.compress(b"{not json"),
        zlib.compress(b"[1, 2, 3]"),
        zlib.compress(b'{"format": "something else", "version": 1}'),
        zlib.compress(b"\xff\xfe"),
        zlib.compress(b"0" * 20_000_000),  # inflates past the limit
        zlib.compress(b"[" * 100_000),
    ],
)
def test_garbage_state_is_refused(garbage: bytes) -> None:
    with pytest.raises(ValueError):
        SpamModel.from_bytes(garbage)


def test_tampered_state_is_refused() -> None:
    good = json.loads(zlib.decompress(SpamModel().to_bytes()))
    for field, value in [
        ("keys", [1, 2]),
        ("weights", "oops"),
        ("rate", float("inf")),
        ("rate", True),
        ("max_weights", -1),
        ("char_ngrams", "yes"),
        ("learned", [1]),
    ]:
        state = dict(good, **{field: value})
        data = zlib.compress(json.dumps(state).encode())
        with pytest.raises(ValueError):
            SpamModel.from_bytes(data)
    state = dict(good, keys=[5, 5], weights=[1.0, 2.0], sums=[1.0, 1.0])
    with pytest.raises(ValueError):
        SpamModel.from_bytes(zlib.compress(json.dumps(state).encode()))
    truncated = SpamModel().to_bytes()[:-4]
    with pytest.raises(ValueError):
        SpamModel.from_bytes(truncated)


def test_state_size_is_bounded() -> None:
    model = SpamModel(max_weights=500)
    for n in range(400):
        words = " ".join(f"word{n}x{k}" for k in range(30))
        model.learn(Text(words, author_name=f"name{n}"), n % 3 == 0)
        assert len(model.weights) <= 500 + 500 // 4
    data = model.to_bytes()
    assert len(SpamModel.from_bytes(data).weights) == 500
    assert len(model.weights) == len(model.sums) == 500
    assert len(trained()[0].to_bytes()) < 200_000


@pytest.mark.parametrize(
    "item",
    [
        Text(""),
        Text("", author_name="", author_url="", links=("",)),
        Text("🙂🔥💯" * 50),
        Text("\x00\x01\x02\x1b[31m\u202e\ufeff\ud800 hello\r\n\t\x7f"),
        Text("a" * 1_000_000, author_name="b" * 100_000, author_url="c" * 100_000),
        Text("http://" + "x" * 70_000 + ".com " * 5000),
        Text("see http://[::1 and http://999.999.999.999:99999/x", author_url="http://["),
        Text("word " * 200_000, links=tuple(f"https://{n}.example" for n in range(10_000))),
        Text("١٢٣ ٤٥٦ ٧٨٩ ☎ ＋４４ ７７００ ９００１２３", author_name="@"),
    ],
)
def test_hostile_input_does_not_crash(item: Text) -> None:
    model, baseline = trained()
    score = model.score(item)
    assert 0.0 <= score <= 1.0 and 0.0 <= baseline.score(item) <= 1.0
    model.why(item)
    fresh = SpamModel()
    fresh.learn(item, True)
    assert 0.0 <= fresh.score(item) <= 1.0
    assert len(features(item)) <= 600
