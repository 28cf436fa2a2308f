"""Near-duplicate checks at a busy workspace's scale, beside the signature they start from.

    .venv/bin/python bench/near_duplicates.py [--stored 50000] [--checks 1000]

Builds `--stored` signatures (50,000) of synthetic items made of the labelled fixture's sentences
with their figures changed (tests/sources/test_similar.py's `synthetic_items`, all within one
window), loads them into a `similar.StoryIndex`, then checks `--checks` (1,000) new items against
it (`StoryIndex.check`: the item's signature, the candidates sharing its rare terms, and the
score of each). Baseline in the same run: computing the signatures of those same items alone, the
part of a check no index can avoid. Prints ms per item for both and their ratio. No database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, default=50_000)
    parser.add_argument("--checks", type=int, default=1_000)
    args = parser.parse_args()
    import django

    django.setup()
    from outlier.sources.similar import StoryIndex, signature
    from tests.sources.test_similar import synthetic_items, url_keys

    items = synthetic_items(args.stored + args.checks)
    started = time.perf_counter()
    stored = [(url_keys(one.url), signature(one.title, one.text)) for one in items[: args.stored]]
    signed = time.perf_counter() - started
    index = StoryIndex()
    for n, ((keys, sig), one) in enumerate(zip(stored, items, strict=False)):
        index.add(n, keys, sig, one.published)
    new = items[args.stored :]
    started = time.perf_counter()
    for one in new:
        signature(one.title, one.text)
    baseline = (time.perf_counter() - started) / len(new)
    started = time.perf_counter()
    for n, one in enumerate(new, start=args.stored):
        index.check(n, one)
    per_check = (time.perf_counter() - started) / len(new)
    print(f"{args.stored:,} signatures made in {signed:.1f} s and loaded")
    print(f"signature alone (baseline)   {baseline * 1000:7.3f} ms per item")
    print(f"check against {args.stored:,}      {per_check * 1000:7.3f} ms per item"
          f"   ({per_check / baseline:.1f}× the baseline)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
