"""Inbox rules through the REST API: made, read, changed, moved and removed by editors, tried
on the last 30 days before they are saved (nothing changes), run on new items in order; a rule
that does not check is a 400 naming the field, and nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.inbox.models import InboxEvent, InboxRule, Interaction
from outlier.publishing.models import Channel
from tests.api.client import Api
from tests.inbox.conftest import arrive, rival_toot, toot  # noqa: F401 (the channels)
from tests.mastodon.conftest import loopback_allowed, mastodon  # noqa: F401 (their server)


@pytest.fixture
def channel(request) -> Channel:
    return request.getfixturevalue("toot")


@pytest.fixture
def rival(request) -> Channel:
    return request.getfixturevalue("rival_toot")


def test_a_rule_made_through_the_api_runs_on_new_items(team, channel):
    api = Api(team.token(team.editor))
    made = api.post("/inbox/rules", {
        "name": "Refunds", "conditions": {"words": ["refund", "money back"]},
        "actions": {"tags": ["billing"], "assign": team.contributor.pk, "priority": 2},
    })  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["name"], body["position"], body["enabled"], body["stop"]) == (
        "Refunds", 0, True, False
    )  # fmt: skip
    assert body["conditions"] == {"words": ["refund", "money back"]}
    assert body["actions"] == {"tags": ["billing"], "assign": team.contributor.pk, "priority": 2}
    item = arrive(channel, text="I want my MONEY back now")
    read = api.get(f"/inbox/items/{item.pk}").json()
    assert read["tags"] == ["billing"] and read["priority"] == 2
    assert read["assignee"]["id"] == team.contributor.pk
    assert {(e["action"], e["rule"]) for e in read["events"]} == {
        ("tag", body["id"]), ("assign", body["id"]), ("priority", body["id"])
    }  # fmt: skip
    assert api.get(f"/inbox/rules/{body['id']}").json()["name"] == "Refunds"
    assert [r["id"] for r in Api(team.token(team.viewer, "read")).get("/inbox/rules").json()] == [
        body["id"]
    ]


def test_change_move_and_remove_rules(team, channel):
    api = Api(team.token(team.editor))
    first = api.post("/inbox/rules", {"name": "VIPs", "stop": True,
                                      "conditions": {"authors": ["@ana@social.example"]},
                                      "actions": {"tags": ["vip"]}}).json()  # fmt: skip
    second = api.post("/inbox/rules", {"name": "Everyone", "actions": {"tags": ["seen"]}}).json()
    assert second["position"] == 1
    # A change keeps what it leaves out.
    changed = api.patch(f"/inbox/rules/{first['id']}", {"name": "VIP list", "enabled": False})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["name"], body["enabled"], body["stop"]) == ("VIP list", False, True)
    assert body["conditions"] == {"authors": ["@ana@social.example"]}
    item = arrive(channel, text="hello")  # the disabled rule does not run
    assert [t.name for t in Interaction.objects.get(pk=item.pk).tags.all()] == ["seen"]
    moved = api.post(f"/inbox/rules/{second['id']}/move", {"direction": "up"})
    assert [r["name"] for r in moved.json()] == ["Everyone", "VIP list"]
    assert [r["position"] for r in moved.json()] == [0, 1]
    assert api.post(f"/inbox/rules/{second['id']}/move", {"direction": "up"}).status_code == 200
    bad_move = api.post(f"/inbox/rules/{second['id']}/move", {"direction": "sideways"})
    assert bad_move.status_code == 422
    assert api.delete(f"/inbox/rules/{first['id']}").status_code == 204
    assert api.get(f"/inbox/rules/{first['id']}").status_code == 404
    assert list(InboxRule.objects.values_list("name", flat=True)) == ["Everyone"]


@pytest.mark.parametrize(
    ("rule", "field", "reason"),
    [
        ({"name": "x", "conditions": {"colour": "red"}, "actions": {"done": True}},
         "conditions", "Unknown condition"),
        ({"name": "x", "conditions": {"regex": "(unclosed"}, "actions": {"done": True}},
         "regex", "not valid"),
        ({"name": "x", "conditions": {"kinds": ["shout"]}, "actions": {"done": True}},
         "kinds", "Unknown kind"),
        ({"name": "x", "conditions": {"min_followers": -1}, "actions": {"done": True}},
         "min_followers", "0 or more"),
        ({"name": "x", "conditions": {"words": ["a"]}, "actions": {}},
         "actions", "at least one action"),
        ({"name": "x", "actions": {"explode": True}}, "actions", "Unknown action"),
        ({"name": "x", "actions": {"priority": 7}}, "priority", "A priority"),
        ({"name": "", "actions": {"done": True}}, "name", "Name the rule"),
    ],
)  # fmt: skip
def test_a_rule_that_does_not_check_is_a_400_and_nothing_is_stored(team, rule, field, reason):
    answer = Api(team.token(team.editor)).post("/inbox/rules", rule)
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert field in body["errors"] and reason in body["detail"]
    assert not InboxRule.objects.exists()


def test_rules_name_only_this_workspaces_members_and_channels(team, channel, rival):
    api = Api(team.token(team.editor))
    stranger = api.post("/inbox/rules", {"name": "x", "actions": {"assign": team.outsider.pk}})
    assert stranger.status_code == 400 and "assign" in stranger.json()["errors"]
    theirs = api.post("/inbox/rules", {"name": "x", "conditions": {"channels": [rival.pk]},
                                       "actions": {"done": True}})  # fmt: skip
    assert theirs.status_code == 400 and "channels" in theirs.json()["errors"]
    made = api.post("/inbox/rules", {"name": "ok", "actions": {"done": True}}).json()
    bad = api.patch(f"/inbox/rules/{made['id']}", {"conditions": {"regex": "("}})
    assert bad.status_code == 400
    assert InboxRule.objects.get().conditions == {}


def test_trying_a_rule_on_the_last_30_days_changes_nothing(team, channel):
    now = timezone.now()
    recent = arrive(channel, text="Refund please", at=now - timedelta(days=3))
    arrive(channel, text="Refund, long ago", at=now - timedelta(days=40))
    arrive(channel, text="Something else", at=now - timedelta(days=1))
    api = Api(team.token(team.editor))
    tried = api.post("/inbox/rules/try", {"conditions": {"words": ["refund"]},
                                          "actions": {"tags": ["billing"]}})  # fmt: skip
    assert tried.status_code == 200, tried.content
    body = tried.json()
    assert (body["days"], body["looked_at"], body["total_matched"]) == (30, 2, 1)
    assert [i["id"] for i in body["matched"]] == [recent.pk]
    assert not InboxRule.objects.exists() and not InboxEvent.objects.exists()
    assert not Interaction.objects.get(pk=recent.pk).tags.exists()
    bad = api.post("/inbox/rules/try", {"conditions": {"regex": "(["}, "actions": {"done": True}})
    assert bad.status_code == 400 and "regex" in bad.json()["errors"]


def test_only_editors_manage_rules_and_other_workspaces_rules_are_missing(team, channel):
    editor = Api(team.token(team.editor))
    made = editor.post("/inbox/rules", {"name": "ok", "actions": {"done": True}}).json()
    contributor = Api(team.token(team.contributor))
    assert contributor.post("/inbox/rules", {"name": "mine", "actions": {"done": True}}
                            ).status_code == 403  # fmt: skip
    assert contributor.patch(f"/inbox/rules/{made['id']}", {"name": "mine"}).status_code == 403
    assert contributor.delete(f"/inbox/rules/{made['id']}").status_code == 403
    assert contributor.post(f"/inbox/rules/{made['id']}/move",
                            {"direction": "down"}).status_code == 403  # fmt: skip
    assert contributor.post("/inbox/rules/try", {"actions": {"done": True}}).status_code == 403
    assert Api(team.token(team.editor, "read")).delete(f"/inbox/rules/{made['id']}"
                                                       ).status_code == 403  # fmt: skip
    outsider = Api(team.token(team.outsider))
    assert outsider.get(f"/inbox/rules/{made['id']}").status_code == 404
    assert outsider.patch(f"/inbox/rules/{made['id']}", {"name": "theirs"}).status_code == 404
    assert outsider.delete(f"/inbox/rules/{made['id']}").status_code == 404
    assert outsider.get("/inbox/rules").json() == []
    assert InboxRule.objects.get().name == "ok"
