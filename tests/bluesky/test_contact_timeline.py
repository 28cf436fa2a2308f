"""Contacts against a real PDS: the author of a reply made there becomes an identity by DID
with a contact of their own, the reply on its timeline; our answer from the inbox joins it
once the PDS took it."""

from __future__ import annotations

from typing import Any

import pytest

from outlier.inbox import replies
from outlier.publishing.models import Channel
from outlier.relationships.models import Identity
from outlier.relationships.queries import timeline
from tests.bluesky.test_inbox_round_trip import bobs_reply, sky  # noqa: F401 (the channel)
from tests.peers.bluesky import Account
from tests.publishing.test_delivery import run_worker
from tests.relationships.conftest import synced

pytestmark = pytest.mark.django_db


def test_a_reply_on_the_pds_makes_a_contact_with_both_ways_on_its_timeline(
    team: Any,
    sky: Channel,  # noqa: F811 (the fixture imported above)
    alice: Account,
    bob: Account,
) -> None:
    _, item = bobs_reply(team, sky, alice, bob, "Which chapter first?")
    synced()
    identity = Identity.objects.get(remote_id=bob.did)
    assert (identity.network, identity.handle) == ("bluesky", item.author_handle)
    contact = identity.contact
    assert [(e.direction, e.kind, e.text) for e in timeline(contact)] == [
        ("in", "reply", "Which chapter first?")]  # fmt: skip
    replies.do_reply(team.member(team.editor), item, "Start with chapter one.")
    assert run_worker() == 1
    synced()
    contact.refresh_from_db()
    assert [(e.direction, e.kind) for e in timeline(contact)][0] == ("out", "reply")
    assert contact.interactions_in == 1 and contact.interactions_out == 1
    assert contact.rank > 0
