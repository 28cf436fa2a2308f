"""The same story from several sources: by address first, then by text.

A story is the cluster of items that tell it; the first item's id names it. A new item joins
a story when:

1. **address** — its normalised URL or its page's canonical URL (`curation.urlkeys.url_key`)
   is one a story's item already had (tracking parameters, ``www.``, AMP pages naming the
   original as canonical): similarity 1.0;
2. **text** — its *signature* is close enough to the story's. The signature is two sets of
   32-bit hashes (CRC-32) of word stems from the title and the first `LEAD_WORDS` words of the
   text: every content word (accents folded, stop words of English, French, German and
   Spanish dropped, cut to its first six letters, numbers written without separators), and
   the *anchors* among them — numbers and capitalised words inside a sentence, the names and
   figures a rewrite keeps. The similarity is a weighted Jaccard index in which an anchor
   weighs `ANCHOR_WEIGHT` times a word; it is measured against the union of the story's
   signatures (so a rewrite need only share facts with some of the copies seen so far), only
   for stories with an item published within `WINDOW` of the new one, and only when their
   anchors overlap (Jaccard ≥ `MIN_ANCHOR_OVERLAP`: reports written from one template, such
   as two companies' results, share wording, not names or figures).

Candidates come from an inverted index of the stories in the window, keyed by term hash:
a check reads the postings of the item's rarest terms first, up to `LOOKUP_BUDGET` entries
(common words, boilerplate and the topic's own vocabulary are never reached), and verifies
at most `MAX_CANDIDATES` stories exactly. A signature is stored as bytes (`Signature.to_bytes`,
about 4 bytes a term, 300–500 bytes an item); the union of a story's signatures is a
signature too.

Only an item of `MIN_TERMS` terms or more is matched by text (headlines alone merged different
stories); a shorter one joins a story by address only.

Measured on tests/sources/fixtures/near_duplicates.jsonl (417 items, 115 stories in 54
families of same-subject stories, English, French, German and Spanish): pairwise precision
and recall of the stories the index builds, items fed in publication order. "copies" keeps
each story's original and its syndicated, summarised, tracked and AMP copies; "all" adds the
rewrites by other outlets. The tuning part (302 items, 89 stories) is the first fixture, both
of its halves: its second half had been looked at while the anchor gate was added, so it could
not stay held out. The held-out part (115 items, 26 stories in 11 families) was written for
issue 13 with every family's stories inside one window (two earthquakes two days apart and the
first one's death toll the next day, one weekend's matches, one company's results and next-day
share move, two state elections of one evening, a follow-up to a bridge collapse...), and is
measured, never tuned on.

=============  =====================  =====================
part           tuning (P / R)         held-out (P / R)
=============  =====================  =====================
copies         0.976 / 1.000          0.778 / 1.000
all            0.964 / 0.746          0.964 / 0.743
=============  =====================  =====================

The issue's goal (≥ 0.98 / ≥ 0.90) is not met. Held-out precision is lost to sibling stories
that share their names and figures, not their wording: the Saxony and Thuringia state elections
of one evening (the same parties, the same kind of figures) merge, and a tracked copy of
the Saxony story then follows it by address. Rewrites share about as many words with their
original as a next-day story on the same subject does, so text alone joins about three in four
pairs. Raising the threshold does not buy precision: on the tuning part the lowest threshold
with precision ≥ 0.98 from there up is 0.28 (tests/sources/fixtures/tune_near_duplicates.py
prints the curve), which keeps a recall of 0.55 there, and on the held-out part it measured
0.91 / 0.56 (a bridge collapse's next-day recovery story then merges); the threshold stays at
0.22, the value fixed before the held-out part existed. A logistic combiner of nine overlap
features (anchors, numbers, title terms, containment), fitted on the tuning part, did no better
there (its best recall at precision 1.00 was 0.64, this index's 0.66 at 0.25; both lost
precision to the same follow-up story at lower thresholds) and was not kept. A check — signature included — costs about 0.25 ms against 50,000 indexed
items all within one window; a signature alone about 0.1 ms; loading 50,000 stored
signatures about 2 s (see tests/sources/test_similar.py, which prints the figures).
"""

from __future__ import annotations

import re
import sys
import unicodedata
import zlib
from array import array
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from outlier.curation.urlkeys import url_key

__all__ = [
    "ANCHOR_WEIGHT",
    "LEAD_WORDS",
    "MIN_TERMS",
    "THRESHOLD",
    "WINDOW",
    "Item",
    "Match",
    "Signature",
    "StoryIndex",
    "closest",
    "signature",
    "url_keys",
]

LEAD_WORDS = 60  # the first words of the text that count, after the title
STEM_LENGTH = 6
ANCHOR_WEIGHT = 3
THRESHOLD = 0.22  # chosen on the first tuning half; see the module docstring
MIN_ANCHOR_OVERLAP = 0.20
WINDOW = timedelta(hours=72)  # the copies and rewrites of a story come out within days
LOOKUP_BUDGET = 600  # postings read per check, rarest terms first
MAX_CANDIDATES = 12
CAPACITY = 50_000  # items whose addresses are remembered
# A headline alone says too little to tell two stories apart by text: an item needs this many
# terms (title and lead) before it can join another address's story.
MIN_TERMS = 15

_STOP_WORDS_BY_LANGUAGE = {
    "en": "a about after also an and are as at be been before but by can could did do does for "
    "from had has have he her his how i if in into is it its last more most new no not of on "
    "one or our out over said says she so than that the their them then there these they this "
    "those to two under up us was we were what when where which while who will with would "
    "year you",
    "fr": "au aux avec ce ces cette dans de des du elle elles en est et été il ils la le les "
    "leur leurs lui mais ne ou par pas plus pour qu que qui sa se ses son sont sur un une être",
    "de": "als am an auch auf aus bei bis das dass dem den der des die ein eine einem einen "
    "einer eines er es für hat im in ist mit nach nicht noch oder sich sie sind um und vom von "
    "vor war wie wird zu zum zur",
    "es": "al como con de del el en es esta este fue ha la las lo los más no para pero por que "
    "se sin sobre su sus un una y",
}
# Days and months name when, not what: every story of the day shares them.
_CALENDAR_BY_LANGUAGE = {
    "en": "monday tuesday wednesday thursday friday saturday sunday january february march "
    "april may june july august september october november december",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai "
    "juin juillet août septembre octobre novembre décembre",
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz "
    "april mai juni juli august september oktober november dezember",
    "es": "lunes martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo "
    "junio julio agosto septiembre octubre noviembre diciembre",
}
STOP_WORDS = frozenset(w for words in _STOP_WORDS_BY_LANGUAGE.values() for w in words.split())
CALENDAR_WORDS = frozenset(w for words in _CALENDAR_BY_LANGUAGE.values() for w in words.split())
_WORD = re.compile(r"\w+(?:[.,'’]\w+)*")
_SEPARATORS = re.compile(r"[.,'’]")
_SENTENCE_END = re.compile(r"[.!?]")


@dataclass(frozen=True)
class Item:
    """What the detector reads of a feed item."""

    title: str
    text: str = ""
    url: str = ""
    canonical_url: str = ""
    published: datetime | None = None


@dataclass(frozen=True)
class Signature:
    """The hashed terms of a story's title and lead, and which of them are anchors."""

    terms: frozenset[int]
    anchors: frozenset[int]

    def similarity(self, other: Signature) -> float:
        """Weighted Jaccard index: shared weight over total weight, anchors weighing more."""
        extra = ANCHOR_WEIGHT - 1
        shared = len(self.terms & other.terms) + extra * len(self.anchors & other.anchors)
        total = len(self.terms | other.terms) + extra * len(self.anchors | other.anchors)
        return shared / total if total else 0.0

    def anchor_overlap(self, other: Signature) -> float:
        union = len(self.anchors | other.anchors)
        return len(self.anchors & other.anchors) / union if union else 0.0

    def union(self, other: Signature) -> Signature:
        return Signature(self.terms | other.terms, self.anchors | other.anchors)

    def to_bytes(self) -> bytes:
        """Term and anchor counts, then both sorted hash lists, as little-endian uint32."""
        values = array("I", [len(self.terms), len(self.anchors)])
        values.extend(sorted(self.terms))
        values.extend(sorted(self.anchors))
        return _little_endian(values).tobytes()

    @staticmethod
    def anchors_in(data: bytes) -> frozenset[int]:
        """The anchors of a stored signature alone: a cheap first test, since a story whose
        anchors do not overlap an item's is never its story (`closest`)."""
        if len(data) < 8:
            return frozenset()
        values = _little_endian(array("I", data[: len(data) // 4 * 4]))
        return frozenset(values[2 + values[0] :])

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        if not data:
            return EMPTY
        if len(data) % 4 or len(data) < 8:
            raise ValueError("This is not a story signature.")
        values = _little_endian(array("I", data))
        n_terms, n_anchors = values[0], values[1]
        if 2 + n_terms + n_anchors != len(values):
            raise ValueError("This story signature is truncated.")
        terms = values[2 : 2 + n_terms]
        return cls(frozenset(terms), frozenset(values[2 + n_terms :]))


EMPTY = Signature(frozenset(), frozenset())


def _little_endian(values: array[int]) -> array[int]:
    if sys.byteorder == "big":  # pragma: no cover - stored signatures are little-endian
        values.byteswap()
    return values


def _fold(word: str) -> str:
    """Lower case without accents: "Élysée" and "elysee" are one word."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_IGNORED = frozenset(_fold(word) for word in STOP_WORDS | CALENDAR_WORDS)


def stems(word: str) -> tuple[str, ...]:
    """The terms one written word gives: a number without its separators ("1,2" and "1.2"
    are "#12"), or the first letters of each part that is not a stop word."""
    folded = _fold(word)
    if folded[0].isdigit():
        return ("#" + _SEPARATORS.sub("", folded),)
    return tuple(
        part[:STEM_LENGTH]
        for part in _SEPARATORS.split(folded)
        if len(part) > 1 and part not in _IGNORED
    )


@lru_cache(maxsize=100_000)
def _hashed_stems(word: str) -> tuple[int, ...]:
    return tuple(zlib.crc32(stem.encode()) for stem in stems(word))


def _terms(text: str) -> Iterable[tuple[int, bool]]:
    """The hash of each term of ``text`` and whether it is an anchor (a number, or a
    capitalised word that does not open a sentence)."""
    end = 0
    for match in _WORD.finditer(text):
        word = match.group()
        opens_sentence = end == 0 or bool(_SENTENCE_END.search(text, end, match.start()))
        end = match.end()
        anchor = word[0].isdigit() or (word[0].isupper() and not opens_sentence)
        for hashed in _hashed_stems(word):
            yield hashed, anchor


def lead(text: str, words: int = LEAD_WORDS) -> str:
    """The first ``words`` words of a text."""
    return " ".join(text.split()[:words])


def signature(title: str, text: str) -> Signature:
    """The signature of an item: its title and the start of its text."""
    terms: set[int] = set()
    anchors: set[int] = set()
    for part in (title, lead(text)):
        for hashed, anchor in _terms(part):
            terms.add(hashed)
            if anchor:
                anchors.add(hashed)
    return Signature(frozenset(terms), frozenset(anchors))


def url_keys(url: str, canonical_url: str = "") -> frozenset[str]:
    """The normalised addresses an item is known by."""
    return frozenset(key for key in (url_key(url), url_key(canonical_url)) if key)


def closest(sig: Signature, stories: Iterable[tuple[int, Signature]],
            threshold: float = THRESHOLD) -> Match | None:  # fmt: skip
    """The story (id, signature) ``sig`` tells, by text: the most similar one whose anchors
    overlap enough and whose similarity reaches ``threshold``; None when none does. The
    stories are the caller's candidates: an index's (`StoryIndex`), or every recent story of
    a topic (`suggest`, which offers a few items at a time against its stored stories)."""
    if len(sig.terms) < MIN_TERMS:
        return None
    best: Match | None = None
    for story_id, other in stories:
        if sig.anchors.isdisjoint(other.anchors):  # the cheap test first: no overlap
            continue
        if sig.anchor_overlap(other) < MIN_ANCHOR_OVERLAP:
            continue
        similarity = sig.similarity(other)
        if similarity >= threshold and (best is None or similarity > best.similarity):
            best = Match(story_id, similarity, "text")
    return best


@dataclass(frozen=True)
class Match:
    """The story an item belongs to: the id of its first item, how close, and by what."""

    story_id: int
    similarity: float
    by: str  # "address" or "text"


@dataclass
class _Story:
    story_id: int
    signature: Signature
    latest: datetime | None
    alive: bool = True
    items: int = 1


@dataclass
class StoryIndex:
    """The recent stories of a workspace or topic, for finding the one a new item tells.

    ``check(item_id, item)`` finds the item's story and records the item in it (or starts a
    new story named by ``item_id``). Stored items are loaded back with ``add``.
    """

    threshold: float = THRESHOLD
    window: timedelta = WINDOW
    capacity: int = CAPACITY
    _by_key: dict[str, int] = field(default_factory=dict)
    _keys_in_order: deque[tuple[str, ...]] = field(default_factory=deque)
    _stories: dict[int, _Story] = field(default_factory=dict)
    _postings: dict[int, list[int]] = field(default_factory=dict)
    _by_time: deque[int] = field(default_factory=deque)
    _newest: datetime | None = None
    _retired: int = 0

    def __len__(self) -> int:
        return len(self._keys_in_order)

    def find(
        self, item: Item, sig: Signature | None = None, keys: frozenset[str] | None = None
    ) -> Match | None:
        """The story ``item`` belongs to, or None when it is a new one."""
        keys = url_keys(item.url, item.canonical_url) if keys is None else keys
        for key in keys:
            story_id = self._by_key.get(key)
            if story_id is not None:
                return Match(story_id, 1.0, "address")
        sig = signature(item.title, item.text) if sig is None else sig
        return self._find_by_text(sig, item.published)

    def add(
        self,
        item_id: int,
        keys: frozenset[str],
        sig: Signature,
        published: datetime | None,
        story_id: int | None = None,
    ) -> int:
        """Record an item in story ``story_id`` (a new story named ``item_id`` when None);
        returns the story's id."""
        story_id = item_id if story_id is None else story_id
        for key in keys:
            self._by_key.setdefault(key, story_id)
        self._keys_in_order.append(tuple(keys))
        story = self._stories.get(story_id)
        if story is None or not story.alive:
            story = _Story(story_id, EMPTY, published)
            self._stories[story_id] = story
            self._by_time.append(story_id)
        else:
            story.items += 1
        for term in sig.terms - story.signature.terms:
            self._postings.setdefault(term, []).append(story_id)
        story.signature = story.signature.union(sig)
        if published is not None:
            story.latest = max(story.latest or published, published)
            self._newest = max(self._newest or published, published)
        self._forget_old()
        return story_id

    def check(self, item_id: int, item: Item) -> Match | None:
        """Find the story of a new item and record the item in it; None for a new story."""
        keys = url_keys(item.url, item.canonical_url)
        sig = signature(item.title, item.text)
        match = self.find(item, sig, keys)
        self.add(item_id, keys, sig, item.published, match.story_id if match else None)
        return match

    def _find_by_text(self, sig: Signature, published: datetime | None) -> Match | None:
        if len(sig.terms) < MIN_TERMS:
            return None
        candidates = self._candidates(sig, published)
        return closest(sig, ((s.story_id, s.signature) for s in candidates), self.threshold)

    def _candidates(self, sig: Signature, published: datetime | None) -> list[_Story]:
        """The stories sharing the item's rarest terms, most shared first: terms are looked
        up from the rarest until `LOOKUP_BUDGET` postings were read."""
        postings = [p for p in map(self._postings.get, sig.terms) if p]
        postings.sort(key=len)
        shared: Counter[int] = Counter()
        read = 0
        for posting in postings:
            if read and read + len(posting) > LOOKUP_BUDGET:
                break
            shared.update(posting)
            read += len(posting)
        found = []
        for story_id, _ in shared.most_common(MAX_CANDIDATES * 2):
            story = self._stories.get(story_id)
            if story is None or not self._in_window(story, published):
                continue
            found.append(story)
            if len(found) == MAX_CANDIDATES:
                break
        return found

    def _in_window(self, story: _Story, published: datetime | None) -> bool:
        if published is None or story.latest is None:
            return True
        return abs(published - story.latest) <= self.window

    def _forget_old(self) -> None:
        """Drop addresses beyond `capacity` items and stories older than the window."""
        while len(self._keys_in_order) > self.capacity:
            for key in self._keys_in_order.popleft():
                self._by_key.pop(key, None)
        horizon = self._newest - self.window if self._newest is not None else None
        while self._by_time and (
            len(self._by_time) > self.capacity
            or self._is_before(self._stories[self._by_time[0]], horizon)
        ):
            self._retire(self._stories[self._by_time.popleft()])

    @staticmethod
    def _is_before(story: _Story, horizon: datetime | None) -> bool:
        return horizon is not None and story.latest is not None and story.latest < horizon

    def _retire(self, story: _Story) -> None:
        """Forget a story; its postings are swept once the dead outnumber the living."""
        story.alive = False
        del self._stories[story.story_id]
        self._retired += 1
        if self._retired > max(1000, len(self._stories)):
            self._postings = {}
            for live in self._stories.values():
                for term in live.signature.terms:
                    self._postings.setdefault(term, []).append(live.story_id)
            self._retired = 0
