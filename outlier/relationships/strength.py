"""Relationship strength: how much goes on between a person and us, recently and both ways.

Every interaction is worth its weight (WEIGHTS: a message or a reply more than a like), halved
every HALF_LIFE_DAYS since it happened. `inbound` sums theirs towards us, `outbound` ours
towards them, and what goes both ways counts again:

    strength = inbound + outbound + RECIPROCITY × min(inbound, outbound)

so ten likes from someone we never answer weigh less than a few replies each way. Since every
weight halves at the same pace, the order of two contacts never changes by time passing alone;
`rank` (log2 of the strength plus the days since EPOCH over the half-life) is that order as a
number that does not move, and lists sort by it. `explain` is what the contact page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

HALF_LIFE_DAYS = 30.0
RECIPROCITY = 2.0
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

# Theirs (the inbox's kinds) and ours (replies from the inbox, likes, reposts).
WEIGHTS_IN = {"message": 3.0, "reply": 2.0, "mention": 2.0, "quote": 2.0, "repost": 1.0,
              "follow": 1.0, "like": 0.5}  # fmt: skip
WEIGHTS_OUT = {"reply": 2.0, "repost": 1.0, "like": 0.5}


def decay(since: datetime, now: datetime) -> float:
    """What one unit of weight from `since` is worth at `now` (1 for the future)."""
    days = max(0.0, (now - since).total_seconds() / 86400)
    return 0.5 ** (days / HALF_LIFE_DAYS)


@dataclass(frozen=True)
class Score:
    inbound: float
    outbound: float

    @property
    def strength(self) -> float:
        return self.inbound + self.outbound + RECIPROCITY * min(self.inbound, self.outbound)

    def at(self, scored_at: datetime, now: datetime) -> Score:
        """The same score seen from `now`."""
        factor = decay(scored_at, now)
        return Score(self.inbound * factor, self.outbound * factor)

    def add(self, scored_at: datetime, now: datetime, inbound: float = 0.0,
            outbound: float = 0.0) -> Score:  # fmt: skip
        """The score at `now` with weights already decayed to `now` added."""
        moved = self.at(scored_at, now)
        return Score(moved.inbound + inbound, moved.outbound + outbound)


def rank(score: Score, scored_at: datetime) -> float:
    """A number that orders contacts by strength whenever they are compared: log2 of the
    strength plus the half-lives since EPOCH (about 85 by 2027, so anything worth more than
    2⁻⁸⁵ is above 0); 0 for nothing at all."""
    value = score.strength
    if value <= 0:
        return 0.0
    days = (scored_at - EPOCH).total_seconds() / 86400
    return max(0.0, math.log2(value) + days / HALF_LIFE_DAYS)


def explain(score: Score) -> str:
    """The formula with this contact's numbers in it."""
    both = min(score.inbound, score.outbound)
    return (f"{score.inbound:.1f} from them + {score.outbound:.1f} from us + "
            f"{RECIPROCITY:g} × {both:.1f} both ways = {score.strength:.1f}")  # fmt: skip
