"""Connecting a topic's fediverse channel: the form asks for the topic, which must be a public
topic of the channel's workspace, with a clear error otherwise; a topic that went private
since fails its deliveries with that message; the composer checks the network's limits."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outlier.federation.models import PostedNote
from outlier.networks.registry import ADAPTERS, get_adapter
from outlier.publishing import actions as publishing_actions
from outlier.publishing.forms import ChannelForm
from outlier.publishing.models import Channel, Delivery, DeliveryState
from tests.conftest import Team, make_topic
from tests.federation.conftest import fediverse_channel, post_now, send_posts


@pytest.fixture
def topics(team: Team) -> None:
    make_topic(team.workspace, name="Rivers", slug="rivers")
    make_topic(team.workspace, name="Board notes", slug="board", is_public=False)
    make_topic(team.other_workspace, name="Lakes", slug="lakes")


def connect(team: Team, topic: str) -> Any:
    client = team.client(team.editor)
    url = reverse("publishing:channel_new", args=[team.workspace.slug])
    return client.post(url, {"network": "fediverse", "name": "On the fediverse",
                             "timezone": "UTC", "queue_times": "", "topic": topic})  # fmt: skip


def test_the_network_is_offered_with_its_topic_field(team: Team) -> None:
    assert get_adapter("fediverse") is ADAPTERS["fediverse"]
    form = ChannelForm(network="fediverse")
    assert "topic" in form.fields and form.fields["topic"].required
    page = team.client(team.editor).get(
        reverse("publishing:channel_new", args=[team.workspace.slug])
    )
    assert b"Fediverse" in page.content


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("lakes", "This workspace has no topic “lakes”"),  # another workspace's
        ("nowhere", "This workspace has no topic “nowhere”"),
        ("board", "“Board notes” is a private topic: only a public topic can be followed"),
        ("  ", "This field is required."),
    ],
)
def test_a_topic_that_cannot_speak_is_refused_on_the_form(
    team: Team, topics: None, typed: str, message: str
) -> None:
    response = connect(team, typed)
    assert response.status_code == 200
    assert message in response.context["form"].errors["topic"][0]
    assert not Channel.objects.exists()


@pytest.mark.parametrize("typed", ["rivers", "@rivers", "@rivers@testserver"])
def test_a_public_topic_of_the_workspace_connects(team: Team, topics: None, typed: str) -> None:
    response = connect(team, typed)
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.network, channel.settings) == ("fediverse", {"topic": typed})


def test_no_setting_can_claim_another_workspace(team: Team, topics: None) -> None:
    """The API takes settings as given: a workspace_id among them is overridden."""
    member = team.member(team.editor)
    with pytest.raises(ValidationError, match="This workspace has no topic"):
        publishing_actions.do_create_channel(
            member, "fediverse", "Theirs", {"topic": "lakes", "workspace_id": team.other_workspace.pk},
            {"workspace_id": team.other_workspace.pk},
        )  # fmt: skip
    channel = fediverse_channel(team)
    channel.settings = {"topic": "lakes", "workspace_id": team.other_workspace.pk}
    with pytest.raises(ValidationError, match="This workspace has no topic"):
        publishing_actions.do_update_channel(member, channel, settings=channel.settings)


def test_a_topic_gone_private_fails_the_delivery_clearly(team: Team, topics: None) -> None:
    channel = fediverse_channel(team)
    post = post_now(team, channel, "Before the topic closed.")
    team.workspace.topics.filter(slug="rivers").update(is_public=False)
    send_posts()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.FAILED
    assert "“Rivers” is a private topic" in delivery.error
    assert not PostedNote.objects.exists()
    ok, message = publishing_actions.do_test_channel(team.member(team.editor), channel)
    assert not ok and "private topic" in message


def test_the_composer_checks_the_networks_limits(team: Team, topics: None) -> None:
    channel = fediverse_channel(team)
    member = team.member(team.editor)
    post = publishing_actions.do_save_post(member, text="🌊" * 501, channels=[channel])
    with pytest.raises(ValidationError, match="Fediverse allows 500 characters"):
        publishing_actions.do_schedule_post(member, post, when="now")
    # A link counts 23, however long.
    long_link = "https://news.example.org/" + "a" * 300
    fits = publishing_actions.do_save_post(
        member, text="🌊" * 470 + " " + long_link, channels=[channel]
    )
    publishing_actions.do_schedule_post(member, fits, when="now")
