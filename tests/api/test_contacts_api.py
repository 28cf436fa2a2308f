"""Contacts through the REST API: the list sorted by strength, one contact with its timeline
and formula, changes checked before anything is stored, merge and unmerge, forgetting; other
workspaces' contacts are missing (404) and a read token changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from outlier.relationships import actions
from outlier.relationships.models import Contact, Identity
from tests.api.client import Api
from tests.relationships.conftest import (  # noqa: F401
    arrive,
    loopback_allowed,
    mastodon,
    rival_toot,
    synced,
    toot,
)


@pytest.fixture
def channel(request):
    """The team's Mastodon channel (`toot` of tests/inbox)."""
    return request.getfixturevalue("toot")


@pytest.fixture
def rival(request):
    return request.getfixturevalue("rival_toot")


def contact_id(handle: str) -> int:
    return Identity.objects.get(handle=handle).contact_id


def test_list_read_and_change_a_contact(team, channel):
    for _ in range(2):
        arrive(channel, handle="@ana@social.example", name="Ana", text="Hello there")
    arrive(channel, handle="@bo@social.example", name="Bo", kind="like")
    synced()
    api = Api(team.token(team.contributor))
    listed = api.get("/contacts").json()
    assert listed["count"] == 2 and listed["next_offset"] is None
    assert [c["identities"][0]["handle"] for c in listed["items"]] == [
        "@ana@social.example", "@bo@social.example"]  # fmt: skip
    assert listed["items"][0]["strength"] > listed["items"][1]["strength"] > 0
    ana = contact_id("@ana@social.example")
    one = api.get(f"/contacts/{ana}").json()
    assert one["interactions_in"] == 2 and "both ways" in one["formula"]
    assert [e["text"] for e in one["timeline"]] == ["Hello there", "Hello there"]
    assert one["identities"][0]["network"] == "fediverse"
    changed = api.patch(f"/contacts/{ana}", {"name": "Ana Lima", "starred": True,
                                             "fields": {"Company": "Planet"},
                                             "remind_every_weeks": 3})  # fmt: skip
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["name"], body["starred"], body["fields"], body["remind_every_weeks"]) == (
        "Ana Lima", True, {"Company": "Planet"}, 3)  # fmt: skip
    assert api.post(f"/contacts/{ana}/notes", {"text": "Call back"}).status_code == 201
    assert api.post(f"/contacts/{ana}/tag", {"tags": ["press"]}).json()["tags"] == ["press"]
    assert api.post(f"/contacts/{ana}/lists", {"name": "Partners"}).json()["lists"] == [
        "Partners"]  # fmt: skip
    assert api.get("/contacts?list_id=" + str(api.get("/contact-lists").json()[0]["id"])).json()[
        "count"] == 1  # fmt: skip
    assert api.get("/contacts?q=bo@").json()["count"] == 1


def test_a_bad_change_is_refused_whole(team, channel):
    arrive(channel, handle="@ana@social.example")
    synced()
    ana = contact_id("@ana@social.example")
    api = Api(team.token(team.contributor))
    refused = api.patch(f"/contacts/{ana}", {"name": "New", "remind_every_weeks": 9999})
    assert refused.status_code == 400 and "520" in refused.json()["detail"]
    assert Contact.objects.get(pk=ana).name != "New"
    assert api.patch(f"/contacts/{ana}", {"name": "  "}).status_code == 400
    assert api.get("/contacts?limit=0").status_code == 400
    assert api.post(f"/contacts/{ana}/notes", {"text": ""}).status_code == 400


def test_merge_unmerge_and_the_limits_of_each_workspace(team, channel, rival):
    arrive(channel, handle="@ana@social.example")
    arrive(channel, handle="@ana@work.example", author_id="https://work.example/users/ana")
    arrive(rival, handle="@cy@social.example")
    synced()
    ana, work = contact_id("@ana@social.example"), contact_id("@ana@work.example")
    rival = contact_id("@cy@social.example")
    api = Api(team.token(team.contributor))
    assert api.post(f"/contacts/{ana}/merge", {"contacts": [rival]}).status_code == 404
    assert api.get(f"/contacts/{rival}").status_code == 404
    merged = api.post(f"/contacts/{ana}/merge", {"contacts": [work]})
    assert merged.status_code == 200 and len(merged.json()["identities"]) == 2
    assert api.post(f"/contacts/{ana}/merge", {"contacts": [ana]}).status_code == 400
    identity = Identity.objects.get(handle="@ana@work.example")
    alone = api.post(f"/identities/{identity.pk}/unmerge")
    assert alone.status_code == 201 and alone.json()["identities"][0]["id"] == identity.pk
    assert api.post(f"/identities/{identity.pk}/unmerge").status_code == 400  # its only one


def test_roles_and_scopes(team, channel):
    arrive(channel, handle="@ana@social.example")
    synced()
    ana = contact_id("@ana@social.example")
    read = Api(team.token(team.owner, scope="read"))
    assert read.get(f"/contacts/{ana}").status_code == 200
    assert read.patch(f"/contacts/{ana}", {"starred": True}).status_code == 403
    assert Api(team.token(team.viewer)).post(f"/contacts/{ana}/tag",
                                             {"tags": ["x"]}).status_code == 403  # fmt: skip
    assert Api(team.token(team.contributor)).delete(f"/contacts/{ana}").status_code == 403
    gone = Api(team.token(team.editor)).delete(f"/contacts/{ana}")
    assert gone.status_code == 200 and gone.json() == {"inbox_items_deleted": 1}
    assert not Contact.objects.filter(pk=ana).exists()


def test_the_contact_endpoints_are_in_the_openapi_document():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/contacts", "/api/v1/contacts/{contact_id}",
                 "/api/v1/contacts/{contact_id}/merge", "/api/v1/identities/{identity_id}/unmerge",
                 "/api/v1/contact-lists"):  # fmt: skip
        assert path in paths, path


def test_balance_settings_and_in_touch(team, channel):
    arrive(channel, handle="@ana@social.example")
    synced()
    ana = contact_id("@ana@social.example")
    api = Api(team.token(team.editor))
    report = api.get("/contacts/balance?weeks=4").json()
    assert report["target"] == 1.0 and len(report["weeks"]) == 4
    assert report["weeks"][-1]["talk"] == 0 and report["weeks"][-1]["all_talk"] is False
    assert api.get("/contacts/balance?weeks=0").status_code == 400
    assert api.put("/contacts/settings", {"listen_per_post": 2, "keep_texts_days": 90}).json() == {
        "listen_per_post": 2.0, "keep_texts_days": 90}  # fmt: skip
    assert api.put("/contacts/settings", {"listen_per_post": 500}).status_code == 400
    assert Api(team.token(team.contributor)).put(
        "/contacts/settings", {"listen_per_post": 1}).status_code == 403  # fmt: skip
    assert api.post(f"/contacts/{ana}/in-touch").status_code == 400  # no reminder set
    actions.do_set_reminder(team.member(team.editor), Contact.objects.get(pk=ana), 4)
    touched = api.post(f"/contacts/{ana}/in-touch")
    assert touched.status_code == 200 and touched.json()["remind_every_weeks"] == 4
    assert api.get("/contacts/reminders/sent").json() == []
