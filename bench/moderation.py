"""The spam model: time to classify one item, and F1 on the labelled fixture beside words alone.

    .venv/bin/python bench/moderation.py [--rounds 20] [--strict]

Trains `outlier.moderation.spam.SpamModel` and the words-only baseline (`WordsBaseline`,
multinomial naive Bayes on the body's words) on the train split of
outlier/moderation/fixtures/comments.jsonl, in file order, one decision at a time, then scores
the held-out test split `--rounds` times (20) in this one process, pinned to one core. Prints
per item: mean and p95 of `score` (each item's time is its median over the rounds), `why`
and `learn`; and precision, recall, F1 and the share of good comments held at the 0.5
threshold for both models. Targets: the model's `score` ≤ 5 ms per item (mean and p95), and
its F1 ≥ the baseline's. Exit status 1 on a miss only with --strict. No database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outlier.moderation.spam import THRESHOLD, SpamModel, Text, WordsBaseline  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "outlier" / "moderation" / "fixtures" / "comments.jsonl"
TARGET_MS = 5.0


def text(row: dict[str, Any]) -> Text:
    return Text(row["body"], author_name=row["author_name"], author_url=row["author_url"])


def timed(call: Callable[[Text], object], items: list[Text], rounds: int) -> list[float]:
    """Each item's median time over `rounds` calls, in ms."""
    per_item: list[list[float]] = [[] for _ in items]
    for _ in range(rounds):
        for n, item in enumerate(items):
            started = time.perf_counter()
            call(item)
            per_item[n].append((time.perf_counter() - started) * 1000)
    return [statistics.median(times) for times in per_item]


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def quality(score: Callable[[Text], float], rows: list[dict[str, Any]]) -> tuple[str, float]:
    held = [score(text(row)) >= THRESHOLD for row in rows]
    tp = sum(h and row["spam"] for h, row in zip(held, rows, strict=True))
    fp = sum(h and not row["spam"] for h, row in zip(held, rows, strict=True))
    fn = sum(row["spam"] and not h for h, row in zip(held, rows, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    good = sum(not row["spam"] for row in rows)
    return f"{precision:9.3f} {recall:6.3f} {f1:6.3f} {fp / good:10.1%}", f1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    train = [row for row in rows if row["split"] == "train"]
    test = [row for row in rows if row["split"] == "test"]
    model, baseline = SpamModel(), WordsBaseline()
    started = time.perf_counter()
    for row in train:
        model.learn(text(row), row["spam"])
    learn_ms = (time.perf_counter() - started) * 1000 / len(train)
    for row in train:
        baseline.learn(text(row), row["spam"])
    items = [text(row) for row in test]
    score_ms = timed(model.score, items, args.rounds)
    why_ms = timed(model.why, items, args.rounds)
    baseline_ms = timed(baseline.score, items, args.rounds)
    mean, high = statistics.fmean(score_ms), p95(score_ms)
    print(f"{len(train)} train, {len(test)} test items ({sum(r['spam'] for r in test)} spam); "
          f"{args.rounds} rounds, one core; state {len(model.to_bytes()):,} bytes, "
          f"{len(model.weights):,} weights")  # fmt: skip
    print(f"\n{'ms per item':24} {'mean':>7} {'p95':>7}")
    time_ok = mean <= TARGET_MS and high <= TARGET_MS
    print(f"{'model score':24} {mean:7.3f} {high:7.3f}   "
          f"{'PASS' if time_ok else 'FAIL'} (≤ {TARGET_MS:g} ms)")  # fmt: skip
    print(f"{'model why':24} {statistics.fmean(why_ms):7.3f} {p95(why_ms):7.3f}")
    print(f"{'model learn (training)':24} {learn_ms:7.3f}")
    print(
        f"{'words baseline score':24} {statistics.fmean(baseline_ms):7.3f} {p95(baseline_ms):7.3f}"
    )
    ours, ours_f1 = quality(model.score, test)
    theirs, theirs_f1 = quality(baseline.score, test)
    f1_ok = ours_f1 >= theirs_f1
    print(f"\n{'test split':24} precision recall     F1 good held")
    print(f"{'model':24} {ours}   {'PASS' if f1_ok else 'FAIL'} (F1 ≥ the baseline's)")
    print(f"{'words baseline':24} {theirs}")
    failed = not (time_ok and f1_ok)
    print(f"\n{'FAIL' if failed else 'PASS'}")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
