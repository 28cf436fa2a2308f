"""Bad rule values are refused with a message saying what is wrong, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule, do_update_rule
from outlier.moderation.models import AuditEntry, Rule
from outlier.moderation.rules import check_rule

BAD = [
    ("words", "hold", " \n \n", "Give at least one word or phrase, one a line."),
    ("words", "hold", "x" * 201, "is longer than 200 characters"),
    ("words", "hold", "\n".join(f"w{n}" for n in range(501)), "at most 500"),
    ("words", "hold", "x" * 10_001, "longer than 10,000 characters"),
    ("regex", "hold", "(unclosed", "The pattern does not compile"),
    ("regex", "hold", "", "Give a pattern."),
    ("regex", "hold", "a*", "matches an empty text"),
    ("regex", "hold", "a\nb", "one pattern, on one line"),
    ("regex", "hold", "a" * 501, "longer than 500 characters"),
    ("links", "hold", "-1", "whole number"),
    ("links", "hold", "two", "whole number"),
    ("links", "hold", "2.5", "whole number"),
    ("domain", "block", "localhost", "“localhost” is not a domain name"),
    ("domain", "block", "bad_domain.example", "is not a domain name"),
    ("domain", "block", "1.2.3.4", "is not a domain name"),
    ("domain", "block", "", "Give at least one domain"),
    ("new_author", "hold", "yes", "takes no value"),
    ("rate", "hold", "3 every 10", "“N per M”"),
    ("rate", "hold", "0 per 10", "positive integers"),
    ("rate", "hold", "3 per 0", "positive integers"),
    ("rate", "hold", "3 per 99999", "a week"),
    ("language", "hold", "english!", "is not a language code"),
    ("language", "hold", "", "Give at least one allowed language"),
    ("shouting", "hold", "", "is not a kind of rule"),
    ("words", "delete", "casino", "The action must be block, hold or flag."),
]


@pytest.mark.parametrize(("kind", "action", "value", "message"), BAD)
def test_bad_values_are_refused_with_their_message(
    team: Any, editor: Membership, kind: str, action: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        check_rule(kind, action, value)
    assert message in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        do_create_rule(editor, kind, action, value)
    assert not Rule.objects.exists() and not AuditEntry.objects.exists()


def test_a_bad_change_keeps_the_rule_as_it_was(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "regex", "hold", r"\bcasino\b")
    with pytest.raises(ValidationError, match="does not compile"):
        do_update_rule(editor, rule.pk, value="(casino")
    rule.refresh_from_db()
    assert rule.value == r"\bcasino\b"
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["rule_created"]
