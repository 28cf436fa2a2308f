"""A domain rule: a link (or the author's website) to that domain or one under it."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule
from outlier.moderation.models import CaseState
from outlier.moderation.rules import check_rule

from .conftest import judge_text


def test_a_link_to_the_domain_or_under_it_fires(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "domain", "block", "casino.example\nbet.example")
    case = judge_text(team.workspace, "Look: https://spins.casino.example/today")
    assert case.state == CaseState.BLOCKED and case.rule == rule and not case.visible
    assert case.reason == f"Blocked: a link to spins.casino.example (rule #{rule.pk})."
    further = judge_text(team.workspace, "A suggestion", links=("https://bet.example/x",))
    assert further.rule == rule
    website = judge_text(team.workspace, "Nice post", url="http://CASINO.example.")
    assert website.rule == rule


def test_other_domains_do_not_fire(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "domain", "block", "casino.example")
    for body in ["See https://notcasino.example/x", "See https://casino.example.org/x",
                 "Thanks for the article!"]:  # fmt: skip
        case = judge_text(team.workspace, body)
        assert case.rule is None, body


def test_domains_are_normalised() -> None:
    _, _, value = check_rule(
        "domain", "hold", "https://Casino.Example/path\n*.spam.example\nbücher.example"
    )
    assert value == "casino.example\nspam.example\nxn--bcher-kva.example"
