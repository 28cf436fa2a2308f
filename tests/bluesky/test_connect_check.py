"""Connecting a Bluesky channel signs in first, and its health follows what the PDS says.

Against the real PDS of the test session: a wrong app password is refused with the reason and
nothing is stored; a channel whose app password is revoked later shows "Needs reconnecting"
with the reason after a test, and OK again once reconnected.
"""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from django.core.exceptions import ValidationError

from outlier.publishing import actions
from outlier.publishing.models import Channel, ChannelStatus
from tests.api.client import Api
from tests.peers.bluesky import Account

pytestmark = pytest.mark.django_db

WRONG = "aaaa-bbbb-cccc-dddd"


def form_values(alice: Account, **overrides: str) -> dict[str, str]:
    return {"network": "bluesky", "name": "Sky", "handle": alice.handle,
            "app_password": alice.app_password, "pds_url": alice.pds_url, "appview": "none",
            "timezone": "UTC", "queue_times": "", **overrides}  # fmt: skip


def field_errors(response: Any, name: str) -> str:
    """The error messages shown beside the field `name`."""
    page = lxml.html.fromstring(response.content)
    [block] = page.xpath(f'//*[contains(@class, "field")][.//*[@name="{name}"]]')
    return " ".join(" ".join(e.text_content().split())
                    for e in block.xpath('.//*[contains(@class, "error")]'))  # fmt: skip


def health(client: Any, channel: Channel) -> str:
    shown = lxml.html.fromstring(client.get(f"/app/acme/channels/{channel.pk}/").content)
    return " ".join(shown.xpath('//p[strong="Health:"]')[0].text_content().split())


def revoke_app_passwords(alice: Account) -> None:
    for entry in alice.xrpc("com.atproto.server.listAppPasswords")["passwords"]:
        alice.xrpc("com.atproto.server.revokeAppPassword", body={"name": entry["name"]})


def new_app_password(alice: Account) -> str:
    made = alice.xrpc("com.atproto.server.createAppPassword", body={"name": "outlier-again"})
    return str(made["password"])


def test_a_wrong_app_password_is_refused_at_connect_and_nothing_is_stored(
    team: Any, alice: Account
) -> None:
    client = team.client(team.editor)
    refused = client.post("/app/acme/channels/new/", form_values(alice, app_password=WRONG))

    assert refused.status_code == 200
    beside = field_errors(refused, "app_password")
    assert "refused the handle or app password" in beside and alice.handle in beside
    assert "Nothing was saved." in beside
    assert not Channel.objects.exists()


def test_the_right_app_password_connects_with_its_session_kept(team: Any, alice: Account) -> None:
    client = team.client(team.editor)
    response = client.post("/app/acme/channels/new/", form_values(alice), follow=True)

    channel = Channel.objects.get()
    assert channel.status == ChannelStatus.OK
    assert channel.credentials["app_password"] == alice.app_password
    assert channel.credentials["session"]  # the sign-in's session: publishing does not log in
    assert "Health: OK" in " ".join(lxml.html.fromstring(response.content).text_content().split())


def test_a_revoked_app_password_shows_on_test_and_reconnecting_fixes_it(
    team: Any, alice: Account
) -> None:
    member, client = team.member(team.editor), team.client(team.editor)
    channel = actions.do_create_channel(member, "bluesky", "Sky",
                                        {"handle": alice.handle, "pds_url": alice.pds_url,
                                         "appview": "none"},
                                        {"app_password": alice.app_password})  # fmt: skip
    assert health(client, channel) == "Health: OK"

    revoke_app_passwords(alice)  # as when someone revokes it in Bluesky's settings
    tested = client.post(f"/app/acme/channels/{channel.pk}/", {"action": "test"}, follow=True)

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "app password" in channel.status_detail
    shown = health(client, channel)
    assert shown.startswith("Health: Needs reconnecting") and channel.status_detail in shown
    assert "app password" in tested.content.decode()  # the test's own message

    # Reconnecting with a wrong password is refused; the stored one stays.
    with pytest.raises(ValidationError) as caught:
        actions.do_update_channel(member, channel, credentials={"app_password": WRONG})
    assert "refused the handle or app password" in caught.value.message_dict["app_password"][0]
    assert "The channel keeps its current settings." in caught.value.message_dict["app_password"][0]
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT

    # A new app password, through the screen: checked, saved, OK.
    fixed = new_app_password(alice)
    saved = client.post(f"/app/acme/channels/{channel.pk}/",
                        {**form_values(alice, app_password=fixed), "action": "save"})  # fmt: skip
    assert saved.status_code == 302
    channel.refresh_from_db()
    assert channel.credentials["app_password"] == fixed
    assert (channel.status, channel.status_detail) == (ChannelStatus.OK, "")
    assert actions.do_test_channel(member, channel) == (True, "The channel works.")
    assert health(client, channel) == "Health: OK"


def test_the_api_refuses_a_wrong_app_password_with_a_400_and_the_reason(
    team: Any, alice: Account
) -> None:
    response = Api(team.token(team.editor)).post("/channels", {
        "network": "bluesky", "name": "Sky",
        "settings": {"handle": alice.handle, "pds_url": alice.pds_url, "appview": "none"},
        "credentials": {"app_password": WRONG}})  # fmt: skip

    assert response.status_code == 400, response.content
    body = response.json()
    assert "refused the handle or app password" in body["detail"]
    assert body["errors"]["app_password"]
    assert not Channel.objects.exists()
