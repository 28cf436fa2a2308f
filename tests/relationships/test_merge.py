"""Merging identities into one contact by hand, and unmerging them; never across workspaces."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from outlier.relationships import actions
from outlier.relationships.models import Contact, ContactNote, Identity
from tests.relationships.conftest import arrive, synced


def contact_of(handle: str) -> Contact:
    return Identity.objects.get(handle=handle).contact


def test_merge_keeps_everything_and_sums_the_score_and_unmerge_splits_it_again(team, toot):
    arrive(toot, handle="@ana@social.example", name="Ana")
    arrive(
        toot,
        handle="@ana@other.example",
        name="Ana (work)",
        kind="like",
        author_id="https://other.example/users/ana",
    )
    synced()
    ana, work = contact_of("@ana@social.example"), contact_of("@ana@other.example")
    member = team.member(team.contributor)
    actions.do_add_note(member, work, "Met at the conference")
    actions.do_tag(member, [work], ["press"])
    actions.do_set_fields(member, work, {"Company": "Daily Planet"})
    strength_before = ana.rank
    merged = actions.do_merge(member, ana, [work])
    assert not Contact.objects.filter(pk=work.pk).exists()
    assert merged.identities.count() == 2 and merged.interactions_in == 2
    assert merged.rank > strength_before
    assert ContactNote.objects.get().contact_id == merged.pk
    assert [t.name for t in merged.tags.all()] == ["press"]
    assert merged.fields == {"Company": "Daily Planet"}
    assert merged.events.filter(action="merged").exists()

    identity = Identity.objects.get(handle="@ana@other.example")
    alone = actions.do_unmerge(member, identity)
    assert alone.identities.get() == identity and alone.interactions_in == 1
    merged.refresh_from_db()
    assert merged.interactions_in == 1 and merged.identities.count() == 1
    with pytest.raises(ValidationError, match="only identity"):
        actions.do_unmerge(member, Identity.objects.get(handle="@ana@social.example"))


def test_contacts_of_two_workspaces_are_never_merged(team, toot, rival_toot):
    arrive(toot, handle="@ana@social.example")
    arrive(rival_toot, handle="@bo@social.example")
    synced()
    ours, theirs = contact_of("@ana@social.example"), contact_of("@bo@social.example")
    with pytest.raises(ValidationError, match="this workspace"):
        actions.do_merge(team.member(team.owner), ours, [theirs])
    assert Identity.objects.get(handle="@bo@social.example").contact_id == theirs.pk


def test_a_viewer_cannot_merge(team, toot):
    arrive(toot, handle="@ana@social.example")
    arrive(toot, handle="@bo@social.example")
    synced()
    with pytest.raises(PermissionDenied):
        actions.do_merge(team.member(team.viewer), contact_of("@ana@social.example"),
                         [contact_of("@bo@social.example")])  # fmt: skip


def test_forgetting_a_person_deletes_them_and_what_they_wrote(team, toot):
    from outlier.inbox.models import Interaction

    arrive(toot, handle="@ana@social.example", text="My phone number is …")
    arrive(toot, handle="@bo@social.example")
    synced()
    ana = contact_of("@ana@social.example")
    with pytest.raises(PermissionDenied, match="editor role"):
        actions.do_forget(team.member(team.contributor), ana)
    assert actions.do_forget(team.member(team.editor), ana) == 1
    assert not Contact.objects.filter(pk=ana.pk).exists()
    assert not Identity.objects.filter(handle="@ana@social.example").exists()
    assert list(Interaction.objects.values_list("author_handle", flat=True)) == [
        "@bo@social.example"
    ]
