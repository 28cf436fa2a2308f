"""Deleting a sent post from its network: the editor's button, the worker's steps, bad input.

The network is the Mastodon contract server (tests/mastodon/conftest.py): a real local HTTP
server that keeps the statuses it created, so a deleted post is really gone from it.
"""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outlier.core.models import Notification
from outlier.publishing import actions, deletions, dispatch
from outlier.publishing.models import ChannelStatus, Delivery, DeliveryState
from tests.mastodon.conftest import FakeMastodon, loopback_allowed, mastodon  # noqa: F401 (the peer)
from tests.networks.conftest import Receiver
from tests.publishing.conftest import make_channel
from tests.publishing.test_delivery import post_now, run_worker

WORKER = "delete-worker"


@pytest.fixture
def server(request) -> FakeMastodon:
    """The Mastodon contract server (the `mastodon` fixture of tests/mastodon)."""
    return request.getfixturevalue("mastodon")


@pytest.fixture
def toot(team, server: FakeMastodon):
    config = server.config()
    return make_channel(team.workspace, network="mastodon", name="Acme on Mastodon",
                        settings={"instance_url": config["instance_url"], "visibility": "public"},
                        credentials={"access_token": config["access_token"]})  # fmt: skip


def sent(team, channel, text="Launch day") -> Delivery:
    post = post_now(team, channel, text=text)
    run_worker()
    delivery = Delivery.objects.select_related("channel", "post").get(post=post)
    assert delivery.state == DeliveryState.SENT, delivery.error
    return delivery


def run_deletions(worker: str = WORKER) -> int:
    dispatch.heartbeat(worker)
    return deletions.run_due(worker, 10)


def page(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def text_of(node) -> str:
    return " ".join(node.text_content().split())


def post_url(delivery: Delivery) -> str:
    return f"/app/acme/posts/{delivery.post_id}/"


def delete_url(delivery: Delivery) -> str:
    return f"/app/acme/posts/{delivery.post_id}/deliveries/{delivery.pk}/delete/"


def test_an_editor_deletes_a_sent_post_from_the_post_page(team, toot, server):
    delivery = sent(team, toot)
    assert delivery.remote_id in server.statuses
    client = team.client(team.editor)
    [button] = page(client.get(post_url(delivery))).xpath("//form[@class='delete-remote']/button")
    assert text_of(button) == "Delete from Mastodon"

    response = client.post(delete_url(delivery))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETING
    assert delivery.delete_requested_by == team.editor and delivery.delete_requested_at
    assert delivery.remote_id in server.statuses  # nothing is called from the web request
    shown = page(client.get(post_url(delivery)))
    assert "Being deleted from Mastodon" in text_of(
        shown.xpath("//p[contains(@class, 'delivery-deleting')]")[0]
    )
    assert not shown.xpath("//form[@class='delete-remote']")  # not offered twice

    assert run_deletions() == 1
    assert run_deletions() == 0  # nothing left
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED and delivery.deleted_at is not None
    assert delivery.delete_attempts == 1 and delivery.delete_error == ""
    assert delivery.remote_id not in server.statuses
    assert len(server.requests_to("DELETE", f"/api/v1/statuses/{delivery.remote_id}")) == 1
    # The state is recorded before the call, and the outcome after it.
    events = [(e.state, e.message) for e in delivery.events.all()]
    assert [state for state, _ in events] == [
        "scheduled",
        "sending",
        "sent",
        "deleting",
        "deleting",
        "deleted",
    ]
    assert events[3][1] == f"Deletion from Mastodon asked for by {team.editor}."
    assert events[4][1].startswith(f"Deleting (worker {WORKER}, attempt 1")

    shown = page(client.get(post_url(delivery)))
    [note] = shown.xpath("//p[contains(@class, 'delivery-deleted')]")
    assert text_of(note).startswith("Deleted from Mastodon on ")
    assert not shown.xpath("//a[starts-with(text(), 'View on')]")
    calendar = page(client.get("/app/acme/calendar/"))  # a deleted delivery keeps its place
    assert [
        text_of(c)
        for c in calendar.xpath(
            "//article[contains(@class, 'state-deleted')]//span[contains(@class, 'state')]"
        )
    ] == ["Deleted"]


def test_contributors_and_viewers_get_no_button_and_are_refused(team, toot, server):
    # Even the contributor's own post: taking a post down is an editor's call.
    delivery = sent(team, toot)
    delivery.post.author = team.contributor
    delivery.post.save()
    for user in (team.contributor, team.viewer):
        client = team.client(user)
        assert not page(client.get(post_url(delivery))).xpath("//form[@class='delete-remote']")
        assert client.post(delete_url(delivery)).status_code == 403
    with pytest.raises(PermissionDenied, match="editor role"):
        actions.do_delete_from_network(team.member(team.contributor), delivery)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert run_deletions() == 0
    assert delivery.remote_id in server.statuses
    # The owner may.
    actions.do_delete_from_network(team.member(team.owner), delivery)


def test_another_workspaces_delivery_is_not_found(team, toot):
    delivery = sent(team, toot)
    response = team.client(team.outsider).post(
        f"/app/rival/posts/{delivery.post_id}/deliveries/{delivery.pk}/delete/"
    )
    assert response.status_code == 404
    assert team.client(team.outsider).post(delete_url(delivery)).status_code == 404
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_a_delivery_never_sent_cannot_be_deleted(team, toot):
    member = team.member(team.editor)
    post = actions.do_save_post(member, text="Later", channels=[toot])
    # Posts are scheduled to the minute.
    later = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    actions.do_schedule_post(member, post, day=later.date(), at=later.time(), tz_name="UTC")
    delivery = Delivery.objects.select_related("channel").get(post=post)
    with pytest.raises(ValidationError, match="Only a sent post can be deleted from Mastodon; "
                                              "this delivery is scheduled."):  # fmt: skip
        actions.do_delete_from_network(member, delivery)
    response = team.client(team.editor).post(delete_url(delivery), follow=True)
    assert "this delivery is scheduled" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SCHEDULED


def test_deleting_twice_is_refused_with_the_reason(team, toot, server):
    delivery = sent(team, toot)
    member = team.member(team.editor)
    actions.do_delete_from_network(member, delivery)
    with pytest.raises(ValidationError, match="already being deleted from Mastodon"):
        actions.do_delete_from_network(member, delivery)
    # A second click on a page loaded before the first: the row changed meanwhile.
    stale = Delivery.objects.select_related("channel").get(pk=delivery.pk)
    stale.state = DeliveryState.SENT
    with pytest.raises(ValidationError, match="already being deleted"):
        actions.do_delete_from_network(member, stale)
    run_deletions()
    delivery.refresh_from_db()
    with pytest.raises(ValidationError, match=r"already deleted from Mastodon on \d{4}-"):
        actions.do_delete_from_network(member, delivery)
    assert len(server.requests_to("DELETE", f"/api/v1/statuses/{delivery.remote_id}")) == 1


def test_a_webhook_delivery_offers_no_delete_and_refuses_one(team, receiver: Receiver):
    hook = make_channel(team.workspace, settings={"url": receiver.url},
                        credentials={"secret": receiver.secret})  # fmt: skip
    delivery = sent(team, hook)
    client = team.client(team.editor)
    assert not page(client.get(post_url(delivery))).xpath("//form[@class='delete-remote']")
    with pytest.raises(ValidationError, match="Webhook channels cannot take back what they sent"):
        actions.do_delete_from_network(team.member(team.editor), delivery)
    response = client.post(delete_url(delivery), follow=True)
    assert "cannot take back what they sent" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_a_transient_error_is_retried_later(team, toot, server):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    path = f"/api/v1/statuses/{delivery.remote_id}"
    server.answer("DELETE", path, 503, {"error": "Service Unavailable"})

    run_deletions()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETING and delivery.delete_attempts == 1
    assert "answered 503" in delivery.delete_error and "trying again later" in delivery.delete_error
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 10 < wait <= 31
    assert delivery.remote_id in server.statuses
    shown = page(team.client(team.editor).get(post_url(delivery)))
    note = text_of(shown.xpath("//p[contains(@class, 'delivery-deleting')]")[0])
    assert "The last attempt failed and is tried again at" in note and "503" in note
    assert run_deletions() == 0  # not before its time

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    run_deletions()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED and delivery.delete_attempts == 2
    assert delivery.delete_error == ""
    assert delivery.remote_id not in server.statuses


def test_transient_errors_give_up_after_the_last_attempt(team, toot, server):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    path = f"/api/v1/statuses/{delivery.remote_id}"
    for _ in range(deletions.MAX_ATTEMPTS):
        server.answer("DELETE", path, 502, {"error": "Bad Gateway"})
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        run_deletions()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.delete_error.startswith(f"Gave up after {deletions.MAX_ATTEMPTS} attempts: ")
    assert delivery.remote_id in server.statuses


def test_a_permanent_refusal_keeps_the_post_and_shows_why(team, toot, server):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    server.answer("DELETE", f"/api/v1/statuses/{delivery.remote_id}", 422,
                    {"error": "Validation failed: This status is under moderation review"})  # fmt: skip

    run_deletions()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert "This status is under moderation review" in delivery.delete_error
    assert run_deletions() == 0  # not retried
    assert delivery.remote_id in server.statuses
    client = team.client(team.editor)
    shown = page(client.get(post_url(delivery)))
    [error] = shown.xpath("//p[contains(@class, 'delete-error')]")
    assert text_of(error).startswith("Not deleted from Mastodon: ")
    assert "under moderation review" in text_of(error)
    assert shown.xpath("//form[@class='delete-remote']")  # it can be asked again
    note = Notification.objects.get(user=team.editor)
    assert "could not be deleted from Acme on Mastodon" in note.text
    assert delivery.events.last().state == DeliveryState.SENT

    actions.do_delete_from_network(team.member(team.editor), delivery)  # asked again: it goes
    run_deletions()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED and delivery.delete_error == ""


def test_a_revoked_token_stops_the_channel_and_says_to_reconnect(team, toot, server):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    server.revoked = True
    run_deletions()
    delivery.refresh_from_db()
    toot.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert "refused the access token" in delivery.delete_error
    assert delivery.delete_error.endswith("Reconnect the channel, then delete it again.")
    assert toot.status == ChannelStatus.NEEDS_RECONNECT


def test_a_rate_limit_waits_without_counting_an_attempt(team, toot, server):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    server.answer("DELETE", f"/api/v1/statuses/{delivery.remote_id}", 429,
                    {"error": "Too many requests"}, headers={"Retry-After": "120"})  # fmt: skip
    run_deletions()
    delivery.refresh_from_db()
    toot.refresh_from_db()
    assert delivery.state == DeliveryState.DELETING and delivery.delete_attempts == 0
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 115 < wait <= 120
    assert toot.status == ChannelStatus.RATE_LIMITED


def test_a_channel_needing_reconnection_holds_its_deletions(team, toot, server):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    actions.do_mark_needs_reconnect(toot.pk, "The token was revoked.")
    assert run_deletions() == 0
    shown = page(team.client(team.editor).get(post_url(delivery)))
    note = text_of(shown.xpath("//p[contains(@class, 'delivery-deleting')]")[0])
    assert "Waiting: Acme on Mastodon needs reconnecting." in note
    actions.do_test_channel(team.member(team.editor), toot)  # reconnected
    assert run_deletions() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED


def test_a_worker_that_died_before_the_call_is_taken_over(team, toot, server):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    assert deletions.claim("dead-worker") == delivery.pk  # then it vanished, never beating
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETING and delivery.claimed_by == "dead-worker"
    assert not server.requests_to("DELETE", f"/api/v1/statuses/{delivery.remote_id}")

    assert run_deletions() == 1  # dead-worker does not beat: its claim is taken over
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED and delivery.delete_attempts == 2
    assert "worker dead-worker stopped during its attempt" in delivery.events.filter(
        state=DeliveryState.DELETING).last().message  # fmt: skip


def test_a_worker_that_died_after_the_call_leaves_nothing_behind(team, toot, server):
    """The network deleted it but the outcome was never recorded: the next worker calls
    again, hears "not found", and that counts as deleted."""
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    assert deletions.claim("dead-worker") == delivery.pk
    server.statuses.pop(delivery.remote_id)  # what its call did before it died

    assert run_deletions() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED


def test_a_live_workers_claim_is_not_taken(team, toot):
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    dispatch.heartbeat("busy-worker")
    assert deletions.claim("busy-worker") == delivery.pk  # its call is in flight
    dispatch.heartbeat("other-worker")
    assert deletions.claim("other-worker") is None
    # Past the time any call may take, it is taken over all the same.
    later = timezone.now() + timedelta(seconds=deletions.STALE_SECONDS + 1)
    from outlier.publishing.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update(seen_at=later)  # both still beating then
    assert deletions.claim("other-worker", now=later) == delivery.pk
