"""Without a rule that blocks or holds, the workspace's spam model decides: a spammy text of
the fixture's held-out split is held (the reason names the model's features), a good one is
allowed, and the score is kept either way."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule
from outlier.moderation.learning import fixture_rows, seed_bytes
from outlier.moderation.models import CaseState, SpamState
from outlier.moderation.spam import THRESHOLD, SpamModel

from .conftest import fixture_row, judge_text


def judge_row(team: Any, row: dict[str, Any]) -> Any:
    return judge_text(team.workspace, row["body"], name=row["author_name"], url=row["author_url"])


def test_a_spammy_text_is_held_and_a_good_one_allowed(team: Any) -> None:
    spam = judge_row(team, fixture_row("test", True, "nursing capstone"))
    assert spam.state == CaseState.HELD and spam.rule is None and not spam.visible
    assert spam.spam_score >= THRESHOLD
    assert spam.reason.startswith(f"Held by the spam model (score {spam.spam_score:.2f}): ")
    assert "“" in spam.reason  # names words or links the model weighed
    good = judge_row(team, fixture_row("test", False))
    assert good.state == CaseState.ALLOWED and good.visible
    assert 0 < good.spam_score < THRESHOLD
    assert not SpamState.objects.exists()  # judging alone does not write the model


def test_a_rule_that_blocks_or_holds_goes_first_and_the_score_is_still_kept(
    team: Any, editor: Membership
) -> None:
    row = fixture_row("test", True, "nursing capstone")
    rule = do_create_rule(editor, "words", "block", "capstone")
    case = judge_row(team, row)
    assert case.state == CaseState.BLOCKED and case.rule == rule
    assert case.spam_score >= THRESHOLD


def test_a_flag_rule_does_not_stop_the_model_holding(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "words", "flag", "capstone")
    case = judge_row(team, fixture_row("test", True, "nursing capstone"))
    assert case.state == CaseState.HELD and case.rule is None
    assert f"Also flagged: the word “capstone” (rule #{rule.pk})." in case.reason


def test_the_seed_is_the_train_split_only() -> None:
    model = SpamModel.from_bytes(seed_bytes())
    train = fixture_rows("train")
    assert model.learned == [sum(not r["spam"] for r in train), sum(r["spam"] for r in train)]
    assert len(train) + len(fixture_rows("test")) == len(fixture_rows())
