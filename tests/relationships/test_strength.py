"""The strength formula: decays with time, both ways count more, and the rank orders contacts
the same at any moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outlier.relationships import strength

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def test_a_weight_halves_every_half_life():
    assert strength.decay(NOW, NOW) == 1
    assert abs(strength.decay(NOW - timedelta(days=30), NOW) - 0.5) < 1e-9
    assert strength.decay(NOW + timedelta(days=1), NOW) == 1  # a clock ahead is not a bonus


def test_both_ways_weigh_more_than_one_way():
    one_way = strength.Score(inbound=4.0, outbound=0.0)
    both = strength.Score(inbound=2.0, outbound=2.0)
    assert both.strength == 8.0 > one_way.strength == 4.0
    assert strength.explain(both) == "2.0 from them + 2.0 from us + 2 × 2.0 both ways = 8.0"


def test_rank_orders_scores_taken_at_different_times_as_now_would():
    old = strength.Score(8.0, 0.0)  # scored 30 days ago: 4.0 today
    new = strength.Score(5.0, 0.0)  # scored today
    then = NOW - timedelta(days=30)
    assert strength.rank(old, then) < strength.rank(new, NOW)
    assert old.at(then, NOW).strength == 4.0
    assert strength.rank(strength.Score(0, 0), NOW) == 0
