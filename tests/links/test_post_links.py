"""A post's link goes out as a tracked link: the webhook receiver gets `/l/<code>`, whose
redirect reaches the original with UTM for the channel's network and the post's campaign;
a retry sends the same link; with tracking off the original goes out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from outlier.links.models import Campaign, TrackedLink
from outlier.publishing import actions, dispatch
from outlier.publishing.models import Delivery
from tests.networks.conftest import Receiver
from tests.publishing.conftest import make_channel

from .conftest import follow

pytestmark = pytest.mark.django_db
WORKER = "links-test-worker"


@pytest.fixture
def hook(team, receiver: Receiver):
    return make_channel(team.workspace, settings={"url": receiver.url},
                        credentials={"secret": receiver.secret})  # fmt: skip


@pytest.fixture
def campaign(team):
    return Campaign.objects.create(workspace=team.workspace, name="Spring", slug="spring")


def send(team, channel, **post_fields):
    member = team.member(team.editor)
    post = actions.do_save_post(member, channels=[channel], **post_fields)
    actions.do_schedule_post(member, post, when="now")
    dispatch.heartbeat(WORKER)
    assert dispatch.run_due(WORKER, 10) == 1
    return post


def test_the_receiver_gets_a_tracked_link_that_leads_to_the_original(
    team, hook, receiver, campaign
):
    post = send(team, hook, text="New shoes: https://shop.example/shoes?color=red today",
                link="https://shop.example/shoes?color=red", campaign=campaign)  # fmt: skip

    body = receiver.requests[0].json()
    delivery = Delivery.objects.get(post=post)
    assert delivery.tracked_link is not None
    tracked = f"{settings.BASE_URL}/l/{delivery.tracked_link.code}"
    assert body["link"] == tracked
    assert body["text"] == f"New shoes: {tracked} today"  # the text's copy too

    location = follow(delivery.tracked_link.code)["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://shop.example/shoes"
    query = parse_qs(parts.query)
    assert query["color"] == ["red"]
    assert query["utm_source"] == ["webhook"] and query["utm_medium"] == ["social"]
    assert query["utm_campaign"] == ["spring"] and query["utm_content"] == [f"post-{post.pk}"]
    assert query["olr_click"][0]


def test_a_retry_sends_the_same_tracked_link(team, hook):
    post = send(team, hook, text="Hi", link="https://shop.example/a")
    delivery = Delivery.objects.get(post=post)
    first = delivery.tracked_link
    from outlier.publishing import content

    again = content.content_for(post, hook, delivery)
    assert again.link == f"{settings.BASE_URL}/l/{first.code}"
    assert TrackedLink.objects.count() == 1


def test_tracking_off_sends_the_original(team, hook, receiver):
    post = send(team, hook, text="Hi", link="https://shop.example/a?x=1", tracking=False)
    assert receiver.requests[0].json()["link"] == "https://shop.example/a?x=1"
    assert Delivery.objects.get(post=post).tracked_link is None
    assert TrackedLink.objects.count() == 0


def test_the_email_network_gets_an_email_link(team):
    channel = make_channel(team.workspace, network="email", settings={}, credentials={})
    member = team.member(team.editor)
    post = actions.do_save_post(member, text="Hi", link="https://shop.example/", channels=[channel])
    from outlier.publishing import content

    link = content.content_for(post, channel).link
    tracked = TrackedLink.objects.get(code=link.rsplit("/", 1)[1])
    assert tracked.utm == {"utm_source": "email", "utm_medium": "email",
                           "utm_content": f"post-{post.pk}"}  # fmt: skip


def test_rules_count_the_link_as_it_will_go_out(team, hook):
    member = team.member(team.editor)
    post = actions.do_save_post(member, text="x", link="https://a.example/" + "p" * 40,
                                channels=[hook])  # fmt: skip
    from outlier.publishing import content

    assert content.validate_for(post, hook) == []
