"""Rules run on arrival, in order, with "stop"; each action is recorded on the item; a rule can
be tried on the last 30 days before it is saved; bad rules are refused with a reason."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from outlier.inbox import rules
from outlier.inbox.models import InboxEvent, InboxRule, Interaction
from tests.inbox.conftest import arrive


def rule(team, name, conditions, actions, stop=False):
    return rules.do_save_rule(team.member(team.editor), name, conditions, actions, stop=stop)


def test_rules_tag_assign_and_prioritise_on_arrival_and_say_so(team, toot):
    rule(team, "Refunds", {"words": ["refund", "money back"]},
         {"tags": ["billing"], "assign": team.contributor.pk, "priority": 2})  # fmt: skip
    item = arrive(toot, text="I want my MONEY back now")
    other = arrive(toot, text="Refunding is a longer word")  # whole words only
    item.refresh_from_db()
    assert [t.name for t in item.tags.all()] == ["billing"]
    assert (item.assignee, item.priority) == (team.contributor, 2)
    events = InboxEvent.objects.filter(interaction=item)
    assert {e.action for e in events} == {"tag", "assign", "priority"}
    assert all(e.rule.name == "Refunds" for e in events) and all(
        "Refunds" in e.detail for e in events
    )
    assert not Interaction.objects.get(pk=other.pk).tags.exists()
    page = team.client(team.viewer).get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert "Rule “Refunds”" in page


def test_rules_run_in_order_and_stop_ends_the_run(team, toot):
    rule(team, "VIPs first", {"authors": ["@ana@social.example"]}, {"tags": ["vip"]}, stop=True)
    rule(team, "Everyone", {}, {"tags": ["seen"]})
    vip = arrive(toot, text="hello")
    someone = arrive(toot, text="hello", handle="@bob@social.example", name="Bob")
    assert [t.name for t in Interaction.objects.get(pk=vip.pk).tags.all()] == ["vip"]
    assert [t.name for t in Interaction.objects.get(pk=someone.pk).tags.all()] == ["seen"]
    # Moving a rule changes the order they run in.
    everyone = InboxRule.objects.get(name="Everyone")
    rules.do_move_rule(team.member(team.editor), everyone, -1)
    assert list(InboxRule.objects.values_list("name", flat=True)) == ["Everyone", "VIPs first"]


def test_conditions_on_network_kind_language_followers_and_regex(team, toot):
    rule(team, "Big Portuguese mentions", {
        "networks": ["mastodon"], "kinds": ["mention"], "languages": ["pt"],
        "min_followers": 1000, "regex": r"pedido\s+\d+",
    }, {"priority": 1, "hide": False, "done": True})  # fmt: skip
    hit = arrive(
        toot, kind="mention", text="Meu pedido 123?", language="pt-BR", author_followers=5000
    )
    small = arrive(
        toot, kind="mention", text="Meu pedido 123?", language="pt-BR", author_followers=10
    )
    unknown = arrive(toot, kind="mention", text="Meu pedido 123?", language="pt-BR")
    reply = arrive(toot, kind="reply", text="Meu pedido 123?", language="pt", author_followers=5000)
    assert Interaction.objects.get(pk=hit.pk).state == "done"
    for pk in (small.pk, unknown.pk, reply.pk):
        assert Interaction.objects.get(pk=pk).state == "open"


def test_hide_and_done_take_items_off_the_open_list(team, toot):
    rule(team, "Spam", {"words": ["crypto giveaway"]}, {"hide": True})
    spam = arrive(toot, text="Free CRYPTO giveaway!!!")
    html = team.client(team.viewer).get("/app/acme/inbox/").content.decode()
    assert f'data-item="{spam.pk}"' not in html
    hidden = team.client(team.viewer).get("/app/acme/inbox/?view=hidden").content.decode()
    assert f'data-item="{spam.pk}"' in hidden


def test_a_rule_is_tried_on_the_last_30_days_without_changing_anything(team, toot):
    recent = arrive(toot, text="Where is my refund?")
    arrive(toot, text="refund from long ago", at=timezone.now() - timedelta(days=40))
    arrive(toot, text="Nice work")
    compiled = rules.check_rule(
        team.member(team.editor), {"words": ["refund"]}, {"tags": ["x"]}, False
    )
    trial = rules.trial(team.member(team.editor), compiled)
    assert (trial.total_matched, [i.pk for i in trial.matched]) == (1, [recent.pk])
    assert trial.looked_at == 2
    assert not InboxEvent.objects.exists() and not InboxRule.objects.exists()
    page = (
        team.client(team.editor)
        .post(
            "/app/acme/inbox/rules/",
            {"action": "try", "name": "Refunds", "words": "refund", "tags": "billing"},
        )
        .content.decode()
    )
    assert "It would have matched 1 of the 2 items" in page and "Where is my refund?" in page
    assert not InboxRule.objects.exists()


@pytest.mark.parametrize(("conditions", "actions", "field"), [
    ({"regex": "(unclosed"}, {"tags": ["x"]}, "regex"),
    ({"kinds": ["poke"]}, {"tags": ["x"]}, "kinds"),
    ({"colour": "red"}, {"tags": ["x"]}, "conditions"),
    ({"min_followers": -3}, {"tags": ["x"]}, "min_followers"),
    ({"words": ["x"]}, {}, "actions"),
    ({"words": ["x"]}, {"priority": 7}, "priority"),
    ({"words": ["x"]}, {"tags": ["t" * 51]}, "tags"),
])  # fmt: skip
def test_bad_rules_are_refused_with_the_field_and_nothing_is_stored(
    team, conditions, actions, field
):
    with pytest.raises(ValidationError) as caught:
        rule(team, "Bad", conditions, actions)
    assert field in caught.value.message_dict
    assert not InboxRule.objects.exists()


def test_assigning_to_someone_outside_the_workspace_is_refused(team):
    with pytest.raises(ValidationError, match="member of this workspace"):
        rule(team, "Elsewhere", {}, {"assign": team.outsider.pk})


def test_a_pathological_regex_cannot_stall_the_inbox(team, toot):
    rule(team, "Backtracking", {"regex": r"(a+)+$"}, {"tags": ["slow"]})
    started = time.monotonic()
    item = arrive(toot, text="a" * 40 + "!")
    assert time.monotonic() - started < 2
    assert not Interaction.objects.get(pk=item.pk).tags.exists()


def test_only_editors_manage_rules(team):
    with pytest.raises(Exception, match="editor"):
        rules.do_save_rule(team.member(team.contributor), "Mine", {}, {"tags": ["x"]})
    answer = team.client(team.contributor).post(
        "/app/acme/inbox/rules/", {"name": "x", "tags": "y"}
    )
    assert answer.status_code == 403
    assert team.client(team.viewer).get("/app/acme/inbox/rules/").status_code == 200
