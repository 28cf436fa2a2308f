"""The rules page: list, create, edit, turn on and off, delete; the check's messages shown on
the form with nothing stored; and what each kind's value means."""

from __future__ import annotations

import re
from typing import Any

from django.utils.html import escape

from outlier.moderation.actions import do_create_rule
from outlier.moderation.forms import KIND_HELP
from outlier.moderation.models import AuditEntry, Rule, RuleKind

from .conftest import member, queue_url


def errors(html: str) -> list[str]:
    return re.findall(r'<p class="error" role="alert">(.*?)</p>', html)


def test_create_edit_toggle_and_delete_a_rule(team: Any) -> None:
    client = team.client(team.editor)
    made = client.post(queue_url(team, "rules/"), {
        "kind": "words", "action": "hold", "value": "casino\n  free   money \ncasino",
        "enabled": "on"})  # fmt: skip
    assert made.status_code == 302 and made["Location"] == queue_url(team, "rules/")
    rule = Rule.objects.get()
    assert (rule.kind, rule.action, rule.value, rule.enabled) == (
        "words", "hold", "casino\nfree money", True)  # fmt: skip
    listing = client.get(made["Location"]).content.decode()
    assert f'data-rule="{rule.pk}"' in listing and "free money" in listing
    assert f"Rule #{rule.pk} saved" in listing

    edit = client.get(queue_url(team, f"rules/{rule.pk}/")).content.decode()
    assert f"Change rule #{rule.pk}" in edit and ">\ncasino\nfree money</textarea>" in edit
    changed = client.post(queue_url(team, f"rules/{rule.pk}/"), {
        "kind": "domain", "action": "block", "value": "https://Spam.Example/x"})  # fmt: skip
    assert changed.status_code == 302
    rule.refresh_from_db()
    assert (rule.kind, rule.action, rule.value, rule.enabled) == (
        "domain", "block", "spam.example", False)  # fmt: skip

    client.post(queue_url(team, "rules/"), {"action": "enable", "rule": rule.pk})
    rule.refresh_from_db()
    assert rule.enabled
    client.post(queue_url(team, "rules/"), {"action": "disable", "rule": rule.pk})
    rule.refresh_from_db()
    assert not rule.enabled
    assert "Turn on</button>" in client.get(queue_url(team, "rules/")).content.decode()

    client.post(queue_url(team, "rules/"), {"action": "delete", "rule": rule.pk})
    assert not Rule.objects.exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["rule_created", "rule_changed", "rule_changed", "rule_changed",
                       "rule_deleted"]  # fmt: skip


def test_the_checks_messages_are_shown_and_nothing_is_stored(team: Any) -> None:
    client = team.client(team.owner)
    bad = [
        ({"kind": "regex", "action": "hold", "value": "(unclosed"}, "The pattern does not compile"),
        ({"kind": "regex", "action": "hold", "value": "a*"}, "matches an empty text"),
        ({"kind": "links", "action": "flag", "value": "two"}, "as a whole number"),
        ({"kind": "rate", "action": "hold", "value": "lots"}, "“N per M”"),
        ({"kind": "domain", "action": "block", "value": "not a domain"}, "is not a domain name"),
        ({"kind": "new_author", "action": "hold", "value": "x"}, "takes no value"),
        ({"kind": "language", "action": "hold", "value": "english!"}, "is not a language code"),
        ({"kind": "words", "action": "hold", "value": "   "}, "at least one word"),
        ({"kind": "telepathy", "action": "hold", "value": "x"}, "Select a valid choice"),
    ]
    for data, message in bad:
        answer = client.post(queue_url(team, "rules/"), data)
        assert answer.status_code == 400, data
        shown = errors(answer.content.decode())
        assert any(escape(message) in e or message in e for e in shown), (data, shown)
    assert not Rule.objects.exists() and not AuditEntry.objects.exists()

    rule = do_create_rule(member(team.workspace, team.owner), "words", "flag", "casino")
    answer = client.post(queue_url(team, f"rules/{rule.pk}/"),
                         {"kind": "links", "action": "hold", "value": "-1"})  # fmt: skip
    assert answer.status_code == 400 and errors(answer.content.decode())
    assert 'value="links" selected' in answer.content.decode()  # what was typed stays
    rule.refresh_from_db()
    assert (rule.kind, rule.action, rule.value) == ("words", "flag", "casino")


def test_each_kind_says_what_its_value_means(team: Any) -> None:
    html = team.client(team.viewer).get(queue_url(team, "rules/")).content.decode()
    for kind in RuleKind.values:
        assert f"<dt>{RuleKind(kind).label}</dt><dd>{escape(KIND_HELP[kind])}</dd>" in html
    assert "No rule yet" in html
