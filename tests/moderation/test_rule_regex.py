"""A regex rule: one pattern, searched with a time limit; running out of time is no match."""

from __future__ import annotations

import re
import time
from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule
from outlier.moderation.models import CaseState, Rule

from .conftest import judge_text


def test_a_matching_pattern_fires(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "regex", "hold", r"\b\d{3}-\d{4}\b")
    case = judge_text(team.workspace, "call 555-0100 for the figures")
    assert case.state == CaseState.HELD and case.rule == rule
    assert "matched “555-0100”" in case.reason and f"(rule #{rule.pk})" in case.reason


def test_a_pattern_that_does_not_match_does_not_fire(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "regex", "hold", r"\b\d{3}-\d{4}\b")
    case = judge_text(team.workspace, "Thanks for the article!")
    assert case.state == CaseState.ALLOWED and case.rule is None


def test_a_catastrophic_pattern_times_out_counts_as_no_match_and_says_so(
    team: Any, editor: Membership
) -> None:
    slow = do_create_rule(editor, "regex", "block", r"(a|aa)+$")
    started = time.perf_counter()
    case = judge_text(team.workspace, "a" * 40 + "b")
    assert time.perf_counter() - started < 2  # the 50 ms limit, not exponential time
    assert case.state == CaseState.ALLOWED and case.rule is None
    assert f"Rule #{slow.pk}: its pattern ran out of time (50 ms), counted as no match." in (
        case.reason
    )


def test_many_slow_patterns_share_one_time_budget(team: Any, editor: Membership) -> None:
    rules = [do_create_rule(editor, "regex", "hold", rf"(a|aa)+${n}?") for n in range(8)]
    started = time.perf_counter()
    case = judge_text(team.workspace, "a" * 40 + "b")
    assert time.perf_counter() - started < 2
    assert case.rule is None
    # 0.25 s for all the patterns of a text: about 5 of 50 ms (fewer on a busy machine).
    found = re.search(r"Rules? ([#\d, ]+): (?:its pattern|their patterns) ran out", case.reason)
    assert found is not None
    tried = len(found.group(1).split(", "))
    assert 1 <= tried <= 5
    timed_out = ", ".join(f"#{rule.pk}" for rule in rules[:tried])
    skipped = ", ".join(f"#{rule.pk}" for rule in rules[tried:])
    assert found.group(1) == timed_out
    assert f"Rules {skipped}: not tried, the time for patterns ran out." in case.reason


def test_a_value_stored_around_check_rule_is_skipped(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "regex", "hold", r"casino")
    Rule.objects.filter(pk=rule.pk).update(value="(unclosed")
    case = judge_text(team.workspace, "casino")
    assert case.rule is None
    assert f"Rule #{rule.pk}: not tried, the value is not valid." in case.reason
