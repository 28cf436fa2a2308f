"""A links rule: more than N links in the body and the further links."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule
from outlier.moderation.models import CaseState

from .conftest import judge_text

SOURCES = "The report is at https://www.ipcc.ch/report/ar6 and the data at https://data.giss.nasa.gov/gistemp"


def test_more_than_n_links_fires(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "links", "hold", " 2 ")
    assert rule.value == "2"
    case = judge_text(team.workspace, SOURCES, links=("https://example.org/suggested",))
    assert case.state == CaseState.HELD and case.rule == rule
    assert case.reason == f"Held: more than 2 links (rule #{rule.pk})."


def test_n_links_or_fewer_do_not_fire(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "links", "hold", "2")
    case = judge_text(team.workspace, SOURCES, url="https://ana.example.org")  # not a link
    assert case.state == CaseState.ALLOWED and case.rule is None


def test_zero_means_any_link(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "links", "flag", "0")
    assert judge_text(team.workspace, "Thanks for the article!").rule is None
    case = judge_text(team.workspace, "More at www.example.org/more")
    assert case.state == CaseState.FLAGGED and "a link" in case.reason and case.rule == rule


def test_a_further_link_already_in_the_body_counts_once(team: Any, editor: Membership) -> None:
    """A visitor's suggestion carries its address in the body (their note and the address) and
    as its further link: one link, not two."""
    do_create_rule(editor, "links", "hold", "1")
    url = "https://news.example.org/story"
    once = judge_text(team.workspace, f"Worth a read\n{url}", links=(url,))
    assert once.state == CaseState.ALLOWED and once.rule is None
    two = judge_text(team.workspace, f"Worth a read\n{url}", links=("https://other.example/x",))
    assert two.state == CaseState.HELD
