"""Growth from a topic's followers, against the Fedify peer: the peer's follow of the topic's
actor, read by the follower pull of the topic's fediverse channel, becomes an identity with
"follows you" and a contact, a follower gained in the growth report and on the dashboard;
its Undo, on the next pull, a follower lost. The inbox's record of the same follow joins the
same contact. A topic follows nobody: "you follow" stays unset."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.inbox import pulls
from outlier.publishing.models import Channel
from outlier.relationships import followers, growth
from outlier.relationships.models import Contact, FollowEvent, Identity, PeoplePull
from outlier.relationships.queries import timeline
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, handle_of
from tests.peers.fedify import FedifyPeer
from tests.relationships.conftest import synced

WORKER = "test-people-worker"


@pytest.fixture
def channel(federated: Federated, team: Team) -> Channel:
    channel = fediverse_channel(team)
    assert followers.schedule() == 1  # the channel gets its pull row, due now
    pulls.schedule()
    return channel


def pull(channel: Channel) -> PeoplePull:
    """Make the channel's pull due and run the worker's job, as after the interval."""
    PeoplePull.objects.filter(channel=channel).update(next_at=timezone.now())
    assert followers.run_due(WORKER) == 1
    row = PeoplePull.objects.get(channel=channel)
    assert row.last_error == "" and row.claimed_by == "" and row.complete
    return row


def report(team: Team) -> list[tuple[int, int, int]]:
    today = timezone.localdate()
    found = growth.by_channel(team.workspace.pk, today - timedelta(days=1), today)
    return [(g.gained, g.lost, g.net) for g in found]


def dashboard_row(team: Team, channel: Channel) -> tuple[str, str, str]:
    """Gained, lost and net as the dashboard's followers table shows them for `channel`."""
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/reports/")
    assert page.status_code == 200
    table = page.content.decode().split('data-table="followers"', 1)[1].split("</table>", 1)[0]
    [row] = [r for r in table.split("<tr>") if r.startswith(f'<td class="wrap">{channel.name} ')]
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)
    return cells[-3], cells[-2], cells[-1]


def test_the_peers_follow_and_undo_show_in_growth(
    federated: Federated, channel: Channel, peer: FedifyPeer, team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    follow = peer.follow("alice", federated.actor)

    row = pull(channel)

    assert row.followers == 1
    alice = Identity.objects.get(remote_id=peer.actor("alice"))
    assert (alice.network, alice.handle) == ("fediverse", handle_of(peer, "alice"))
    assert alice.follows_you and not alice.you_follow  # a topic follows nobody
    contact = alice.contact
    assert Contact.objects.count() == 1
    assert list(FollowEvent.objects.values_list("channel_id", "identity_id", "kind")) == [
        (channel.pk, alice.pk, "gained")]  # fmt: skip
    assert report(team) == [(1, 0, 1)]
    assert dashboard_row(team, channel) == ("1", "0", "+1")

    # The inbox heard the same follow: it joins the same identity and contact.
    monkeypatch.setattr(pulls, "PUSHED_EVERY_SECONDS", 0)
    pulls.run_pushed("inbox-worker")
    synced()
    assert Identity.objects.count() == 1 and Contact.objects.count() == 1
    assert ("in", "follow") in [(e.direction, e.kind) for e in timeline(contact)]

    peer.undo("alice", follow)
    row = pull(channel)

    assert row.followers == 0
    alice.refresh_from_db()
    assert not alice.follows_you and alice.contact_id == contact.pk  # the contact stays
    assert list(FollowEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        "gained", "lost"]  # fmt: skip
    assert report(team) == [(1, 1, 0)]
    assert dashboard_row(team, channel) == ("1", "1", "+0")
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/contacts/{contact.pk}/")
    assert f"stopped following {channel.name}" in page.content.decode()


def test_two_followers_one_leaves(
    federated: Federated, channel: Channel, peer: FedifyPeer, team: Team
) -> None:
    alice = peer.follow("alice", federated.actor)
    peer.follow("bob", federated.actor)
    pull(channel)
    assert report(team) == [(2, 0, 2)]

    peer.undo("alice", alice)
    pull(channel)

    flags = dict(Identity.objects.values_list("remote_id", "follows_you"))
    assert flags == {peer.actor("alice"): False, peer.actor("bob"): True}
    assert report(team) == [(2, 1, 1)]
    pull(channel)  # read again, nothing changed: nothing new recorded
    assert FollowEvent.objects.count() == 3


def test_a_follow_undone_before_the_first_pull_leaves_no_follows_you(
    federated: Federated, channel: Channel, peer: FedifyPeer, team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    follow = peer.follow("alice", federated.actor)
    monkeypatch.setattr(pulls, "PUSHED_EVERY_SECONDS", 0)
    pulls.run_pushed("inbox-worker")
    synced()
    assert Identity.objects.get().follows_you  # from the inbox's follow
    peer.undo("alice", follow)

    pull(channel)  # the first follower pull: nobody follows the topic (complete)

    assert FollowEvent.objects.count() == 0 and report(team) == [(0, 0, 0)]
    assert not Identity.objects.get().follows_you  # fails: still True, for good
