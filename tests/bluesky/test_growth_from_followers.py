"""Growth from the follower lists, against the dev-env PDS and AppView: a real follow of the
channel's account becomes an identity with "follows you" and a contact of its own, a follower
gained in the growth report and on the dashboard; the unfollow, on the next pull, a follower
lost. Whom the account follows sets "you follow", and is no growth."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.inbox import pulls
from outlier.inbox.models import Interaction
from outlier.networks.base import PeoplePage
from outlier.publishing import content
from outlier.publishing.models import Channel
from outlier.relationships import followers, growth
from outlier.relationships.models import Contact, FollowEvent, Identity, PeoplePull
from tests.bluesky.conftest import eventually
from tests.conftest import Team
from tests.peers.bluesky import Account, Network
from tests.publishing.conftest import make_channel
from tests.relationships.conftest import synced

pytestmark = pytest.mark.django_db

WORKER = "test-people-worker"


@pytest.fixture
def sky(team: Team, ann: Account) -> Channel:
    """Ann's channel, reading through her PDS (which forwards app.bsky.* to the AppView)."""
    channel = make_channel(team.workspace, network="bluesky", name="Sky",
                           settings={"handle": ann.handle, "pds_url": ann.pds_url},
                           credentials={"app_password": ann.app_password})  # fmt: skip
    assert followers.schedule() == 1  # the channel gets its pull row, due now
    return channel


def _dids(page: PeoplePage) -> set[str]:
    return {person.remote_id for person in page.people}


def indexed(channel: Channel, read: str, dids: set[str], what: str) -> None:
    """Wait until the AppView lists exactly `dids` (it indexes follows asynchronously)."""
    adapter = content.adapter_for(channel)
    eventually(lambda: _dids(getattr(adapter, read)()) == dids or None, what)


def pull(channel: Channel) -> PeoplePull:
    """Make the channel's pull due and run the worker's job, as after the interval."""
    PeoplePull.objects.filter(channel=channel).update(next_at=timezone.now())
    assert followers.run_due(WORKER) == 1
    row = PeoplePull.objects.get(channel=channel)
    assert row.last_error == "" and row.claimed_by == "" and row.complete
    assert row.next_at > timezone.now()  # not due again until the interval has passed
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


def unfollow(who: Account, follow: dict[str, str]) -> None:
    rkey = follow["uri"].rsplit("/", 1)[1]
    who.xrpc("com.atproto.repo.deleteRecord", body={
        "repo": who.did, "collection": "app.bsky.graph.follow", "rkey": rkey})  # fmt: skip


def test_a_follow_and_an_unfollow_show_in_growth(
    team: Team, sky: Channel, ann: Account, ben: Account
) -> None:
    ben.xrpc("com.atproto.repo.putRecord", body={
        "repo": ben.did, "collection": "app.bsky.actor.profile", "rkey": "self",
        "record": {"$type": "app.bsky.actor.profile", "displayName": "Ben Reader"},
    })  # fmt: skip
    follow = ben.create("app.bsky.graph.follow", {"subject": ann.did})
    indexed(sky, "followers", {ben.did}, "ben follows ann")

    row = pull(sky)

    assert row.followers == 1
    identity = Identity.objects.get(remote_id=ben.did)
    assert (identity.network, identity.handle, identity.name) == (
        "bluesky", ben.handle, "Ben Reader")  # fmt: skip
    assert identity.follows_you and not identity.you_follow
    assert identity.profile_url == f"https://bsky.app/profile/{ben.handle}"
    contact = identity.contact
    assert contact.name == "Ben Reader" and Contact.objects.count() == 1
    assert list(FollowEvent.objects.values_list("channel_id", "identity_id", "kind")) == [
        (sky.pk, identity.pk, "gained")]  # fmt: skip
    assert report(team) == [(1, 0, 1)]
    assert dashboard_row(team, sky) == ("1", "0", "+1")

    pull(sky)  # nothing changed on the network: nothing new recorded
    assert FollowEvent.objects.count() == 1

    unfollow(ben, follow)
    indexed(sky, "followers", set(), "ben unfollowed ann")
    row = pull(sky)

    assert row.followers == 0
    identity.refresh_from_db()
    assert not identity.follows_you and identity.contact_id == contact.pk  # the contact stays
    assert list(FollowEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        "gained", "lost"]  # fmt: skip
    assert report(team) == [(1, 1, 0)]
    assert dashboard_row(team, sky) == ("1", "1", "+0")
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/contacts/{contact.pk}/")
    text = page.content.decode()
    assert text.index("stopped following Sky") < text.index("followed Sky")  # newest first


def test_whom_the_account_follows_is_you_follow_and_no_growth(
    team: Team, sky: Channel, ann: Account, ben: Account, bluesky_network: Network
) -> None:
    carol = bluesky_network.account("carol")
    ours = ann.create("app.bsky.graph.follow", {"subject": carol.did})
    ann.create("app.bsky.graph.follow", {"subject": ben.did})
    ben.create("app.bsky.graph.follow", {"subject": ann.did})  # ben follows back
    indexed(sky, "following", {carol.did, ben.did}, "ann follows carol and ben")
    indexed(sky, "followers", {ben.did}, "ben follows ann")

    pull(sky)

    her = Identity.objects.get(remote_id=carol.did)
    him = Identity.objects.get(remote_id=ben.did)
    assert her.you_follow and not her.follows_you
    assert him.you_follow and him.follows_you  # both ways: one identity, one contact
    assert Contact.objects.count() == 2 and Identity.objects.count() == 2
    assert list(FollowEvent.objects.values_list("identity_id", "kind")) == [(him.pk, "gained")]
    assert report(team) == [(1, 0, 1)]  # following someone is not growth

    unfollow(ann, ours)
    indexed(sky, "following", {ben.did}, "ann unfollowed carol")
    pull(sky)

    her.refresh_from_db()
    assert not her.you_follow and not her.follows_you
    assert FollowEvent.objects.count() == 1 and report(team) == [(1, 0, 1)]


def test_a_follow_and_unfollow_between_two_pulls_leaves_no_follows_you(
    team: Team, sky: Channel, ann: Account, ben: Account
) -> None:
    follow = ben.create("app.bsky.graph.follow", {"subject": ann.did})

    def notified() -> Interaction | None:
        pulls.read_now(sky)
        return Interaction.objects.filter(channel=sky, kind="follow").first()

    eventually(notified, "the follow in the inbox")
    synced()
    identity = Identity.objects.get(remote_id=ben.did)
    assert identity.follows_you  # from the follow notification
    unfollow(ben, follow)
    indexed(sky, "followers", set(), "ben unfollowed ann")

    pull(sky)  # the first follower pull: ben is not on the list (complete)

    assert FollowEvent.objects.count() == 0 and report(team) == [(0, 0, 0)]
    identity.refresh_from_db()
    assert not identity.follows_you  # fails: still True, and no later pull clears it
