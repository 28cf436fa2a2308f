"""Connecting a Mastodon channel with a pasted token checks it first, and the channel's health
follows what its tests find (against the local contract server)."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from django.core.exceptions import ValidationError

from outlier.publishing import actions
from outlier.publishing.models import Channel, ChannelStatus
from tests.api.client import Api
from tests.networks.conftest import free_port

from .conftest import FakeMastodon

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/accounts/verify_credentials"


def form_values(mastodon: FakeMastodon, **overrides: str) -> dict[str, str]:
    return {"network": "mastodon", "name": "Toots", "instance_url": mastodon.base,
            "access_token": mastodon.token, "visibility": "public", "timezone": "UTC",
            "queue_times": "", **overrides}  # fmt: skip


def text(response: Any) -> str:
    return " ".join(lxml.html.fromstring(response.content).text_content().split())


def field_errors(response: Any, name: str) -> str:
    page = lxml.html.fromstring(response.content)
    [block] = page.xpath(f'//*[contains(@class, "field")][.//*[@name="{name}"]]')
    return " ".join(" ".join(e.text_content().split())
                    for e in block.xpath('.//*[contains(@class, "error")]'))  # fmt: skip


def health(client: Any, channel: Channel) -> str:
    shown = lxml.html.fromstring(client.get(f"/app/acme/channels/{channel.pk}/").content)
    return " ".join(shown.xpath('//p[strong="Health:"]')[0].text_content().split())


def connected(team: Any, mastodon: FakeMastodon) -> Channel:
    return actions.do_create_channel(team.member(team.editor), "mastodon", "Toots",
                                     {"instance_url": mastodon.base, "visibility": "public"},
                                     {"access_token": mastodon.token})  # fmt: skip


def test_a_wrong_token_is_refused_at_connect_and_nothing_is_stored(
    team: Any, mastodon: FakeMastodon
) -> None:
    client = team.client(team.editor)
    refused = client.post("/app/acme/channels/new/", form_values(mastodon, access_token="nope"))

    assert refused.status_code == 200
    beside = field_errors(refused, "access_token")
    assert "refused the access token" in beside and "The access token is invalid" in beside
    assert "Nothing was saved." in beside
    assert not Channel.objects.exists()


def test_the_right_token_connects_and_keeps_what_the_server_said(
    team: Any, mastodon: FakeMastodon
) -> None:
    client = team.client(team.editor)
    response = client.post("/app/acme/channels/new/", form_values(mastodon), follow=True)

    channel = Channel.objects.get()
    assert channel.status == ChannelStatus.OK and "Health: OK" in text(response)
    assert channel.credentials["access_token"] == mastodon.token
    assert channel.credentials["account"]  # learnt when the token was checked
    assert mastodon.requests_to("GET", VERIFY)


def test_a_server_that_cannot_be_reached_is_refused_with_a_reason(
    team: Any, mastodon: FakeMastodon
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ValidationError) as caught:
        actions.do_create_channel(team.member(team.editor), "mastodon", "Toots",
                                  {"instance_url": nowhere}, {"access_token": mastodon.token})  # fmt: skip

    [said] = caught.value.messages
    assert said.startswith("Could not reach Mastodon to check the account:")
    assert said.endswith("Nothing was saved. Try again in a moment.")
    assert not Channel.objects.exists()


def test_a_revoked_token_shows_on_test_and_a_new_one_makes_it_ok(
    team: Any, mastodon: FakeMastodon
) -> None:
    member, client = team.member(team.editor), team.client(team.editor)
    channel = connected(team, mastodon)
    assert health(client, channel) == "Health: OK"

    mastodon.revoked = True  # as when the app's authorization is withdrawn on the server
    tested = client.post(f"/app/acme/channels/{channel.pk}/", {"action": "test"}, follow=True)

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "The access token was revoked" in channel.status_detail
    shown = health(client, channel)
    assert shown.startswith("Health: Needs reconnecting")
    assert "The access token was revoked" in shown
    assert "The access token was revoked" in text(tested)  # the test's own message too
    listed = text(client.get("/app/acme/channels/"))
    assert "Needs reconnecting" in listed

    # A token the server refuses is not saved over the old one.
    with pytest.raises(ValidationError) as caught:
        actions.do_update_channel(member, channel, credentials={"access_token": "still-wrong"})
    assert "refused the access token" in caught.value.message_dict["access_token"][0]
    channel.refresh_from_db()
    assert channel.credentials["access_token"] == mastodon.token

    mastodon.revoked, mastodon.token = False, "tok-new-0123456789"
    actions.do_update_channel(member, channel, credentials={"access_token": mastodon.token})
    channel.refresh_from_db()
    assert (channel.status, channel.status_detail) == (ChannelStatus.OK, "")
    assert actions.do_test_channel(member, channel) == (True, "The channel works.")
    assert health(client, channel) == "Health: OK"


def test_a_test_that_cannot_reach_the_server_shows_the_failure_until_one_passes(
    team: Any, mastodon: FakeMastodon
) -> None:
    member, client = team.member(team.editor), team.client(team.editor)
    channel = connected(team, mastodon)
    mastodon.answer("GET", VERIFY, 503, {"error": "Down for maintenance"})

    ok, message = actions.do_test_channel(member, channel)

    assert not ok and "503" in message
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.OK  # the queue goes on: deliveries retry as usual
    assert channel.status_detail.startswith("Test failed on ") and "503" in channel.status_detail
    shown = health(client, channel)
    assert shown.startswith("Health: Test failed") and "503" in shown
    assert "Test failed" in text(client.get("/app/acme/channels/"))

    assert actions.do_test_channel(member, channel)[0]
    channel.refresh_from_db()
    assert channel.status_detail == "" and health(client, channel) == "Health: OK"


def test_the_api_refuses_a_wrong_token_with_a_400_and_the_reason(
    team: Any, mastodon: FakeMastodon
) -> None:
    api = Api(team.token(team.editor))
    refused = api.post("/channels", {"network": "mastodon", "name": "Toots",
                                     "settings": {"instance_url": mastodon.base},
                                     "credentials": {"access_token": "nope"}})  # fmt: skip
    assert refused.status_code == 400, refused.content
    assert "refused the access token" in refused.json()["detail"]
    assert refused.json()["errors"]["access_token"]
    assert not Channel.objects.exists()

    created = api.post("/channels", {"network": "mastodon", "name": "Toots",
                                     "settings": {"instance_url": mastodon.base},
                                     "credentials": {"access_token": mastodon.token}})  # fmt: skip
    assert created.status_code == 201 and created.json()["status"] == "ok"
    channel_id = created.json()["id"]

    patched = api.patch(f"/channels/{channel_id}", {"credentials": {"access_token": "nope"}})
    assert patched.status_code == 400 and "refused the access token" in patched.json()["detail"]
    assert Channel.objects.get(pk=channel_id).credentials["access_token"] == mastodon.token

    mastodon.revoked = True
    tested = api.post(f"/channels/{channel_id}/test").json()
    assert tested["ok"] is False and tested["status"] == "needs_reconnect"
    read = api.get(f"/channels/{channel_id}").json()
    assert read["status"] == "needs_reconnect" and "revoked" in read["status_detail"]
