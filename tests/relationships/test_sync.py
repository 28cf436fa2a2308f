"""The sync turns the inbox's authors into identities and contacts, once each, and scores them
from what goes both ways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.inbox.models import EngageAction, EngageState
from outlier.relationships import sync
from outlier.relationships.models import Contact, Identity
from tests.relationships.conftest import arrive, synced


def test_each_author_becomes_one_identity_and_one_contact(team, toot):
    arrive(toot, handle="@ana@social.example", name="Ana")
    arrive(toot, handle="@ana@social.example", name="Ana Lima", kind="like")
    arrive(toot, handle="@bo@social.example", name="Bo", kind="follow")
    assert synced() == 3
    ana = Identity.objects.get(handle="@ana@social.example")
    assert (ana.network, ana.remote_id) == ("fediverse", "https://social.example/users/ana")
    assert ana.name == "Ana Lima" or ana.name == "Ana"  # the latest the network showed
    assert ana.contact.interactions_in == 2 and ana.contact.rank > 0
    bo = Identity.objects.get(handle="@bo@social.example")
    assert bo.follows_you and not ana.follows_you
    assert Contact.objects.filter(workspace=team.workspace).count() == 2
    assert synced() == 0  # nothing twice
    assert Identity.objects.count() == 2


def test_the_newest_profile_wins_and_a_reply_weighs_more_than_a_like(team, toot):
    now = timezone.now()
    arrive(toot, handle="@ana@social.example", name="Old name", at=now - timedelta(days=2))
    arrive(toot, handle="@ana@social.example", name="New name", at=now - timedelta(hours=1))
    for _ in range(3):
        arrive(toot, handle="@cy@social.example", name="Cy", kind="like", at=now)
    synced()
    ana = Identity.objects.get(handle="@ana@social.example")
    assert ana.name == "New name"
    cy = Contact.objects.get(identities__handle="@cy@social.example")
    assert ana.contact.rank > cy.rank  # two replies (2 each, a little decayed) > three likes


def test_rows_younger_than_the_grace_wait(team, toot):
    arrive(toot)
    assert sync.sync_once(timezone.now()) == 0  # a later-committing lower id is not skipped
    assert synced() == 1


def test_our_likes_count_once_and_make_it_both_ways(team, toot):
    item = arrive(toot, handle="@ana@social.example")
    synced()
    before = Contact.objects.get(identities__handle="@ana@social.example")
    EngageAction.objects.create(interaction=item, kind="like", state=EngageState.DONE,
                                key="k1", next_attempt_at=timezone.now(),
                                done_at=timezone.now())  # fmt: skip
    synced()
    synced()
    after = Contact.objects.get(pk=before.pk)
    assert after.interactions_out == 1 and after.touches.count() == 1
    assert after.rank > before.rank
    touch = after.touches.get()
    assert touch.kind == "like" and touch.source.startswith("like:")


def test_other_workspaces_keep_their_own_contacts(team, toot, rival_toot):
    arrive(toot, handle="@ana@social.example")
    arrive(rival_toot, handle="@ana@social.example")
    synced()
    assert Identity.objects.filter(workspace=team.workspace).count() == 1
    assert Identity.objects.filter(workspace=team.other_workspace).count() == 1


@pytest.mark.parametrize("network", ["webhook", "email"])
def test_channels_without_people_are_skipped(team, network):
    from outlier.publishing.models import Channel

    channel = Channel.objects.create(workspace=team.workspace, network=network, name="x")
    from outlier.inbox.models import Interaction

    Interaction.objects.create(workspace=team.workspace, channel=channel, kind="reply",
                               remote_id="r", author_id="someone", author_handle="someone",
                               created_at=timezone.now(), conversation="a:someone",
                               received_at=timezone.now())  # fmt: skip
    synced()
    assert not Identity.objects.exists()
