"""Merge suggestions only on proof (a Bluesky handle on a domain the fediverse profile verified,
or the same verified website), applied only by a person's click, dismissed for good."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outlier.relationships import suggestions
from outlier.relationships.models import Contact, Identity, MergeSuggestion, SuggestionState


def person(team, network: str, remote_id: str, handle: str, website: str = "",
           name: str = "Ana", workspace=None) -> Identity:  # fmt: skip
    workspace = workspace or team.workspace
    now = timezone.now()
    contact = Contact.objects.create(workspace=workspace, name=name)
    return Identity.objects.create(workspace=workspace, contact=contact, network=network,
                                   remote_id=remote_id, handle=handle, name=name,
                                   website=website, first_seen_at=now, last_seen_at=now)  # fmt: skip


def test_a_handle_on_a_domain_the_fediverse_profile_verified_is_suggested(team):
    sky = person(team, "bluesky", "did:plc:ana", "ana.example.com")
    toot = person(team, "fediverse", "https://social.example/users/ana", "@ana@social.example",
                  website="https://www.ana.example.com/")  # fmt: skip
    made = suggestions.suggest([toot])
    assert len(made) == 1 and "Bluesky handle on ana.example.com" in made[0].reason
    assert suggestions.suggest([sky]) == []  # once
    assert Contact.objects.count() == 2  # nothing merged by itself
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/contacts/").content.decode()
    assert "Perhaps one person" in page and "Merge" not in page.split("Perhaps")[1][:10]
    response = team.client(team.contributor).post(
        f"/app/{team.workspace.slug}/contacts/suggestions/{made[0].pk}/", {"decision": "merge"}
    )
    assert response.status_code == 302
    sky.refresh_from_db()
    toot.refresh_from_db()
    assert sky.contact_id == toot.contact_id and Contact.objects.count() == 1
    assert MergeSuggestion.objects.get().state == SuggestionState.MERGED


def test_no_proof_no_suggestion(team):
    person(team, "bluesky", "did:plc:a", "ana.bsky.social")  # a provided handle proves nothing
    same_name = person(team, "fediverse", "https://s.example/users/ana", "@ana@s.example",
                       website="https://ana.bsky.social")  # fmt: skip
    unverified = person(team, "fediverse", "https://t.example/users/ana", "@ana@t.example")
    assert suggestions.suggest([same_name, unverified]) == []


def test_the_same_verified_website_and_dismissing_for_good(team):
    one = person(team, "fediverse", "https://a.example/users/bo", "@bo@a.example",
                 website="https://bo.example/about")  # fmt: skip
    two = person(team, "fediverse", "https://b.example/users/bo", "@bo@b.example",
                 website="http://bo.example/about/")  # fmt: skip
    [made] = suggestions.suggest([two])
    assert "verified website bo.example/about" in made.reason
    with pytest.raises(PermissionDenied):
        suggestions.do_decide(team.member(team.viewer), made, merge=True)
    suggestions.do_decide(team.member(team.contributor), made, merge=False)
    with pytest.raises(ValidationError, match="already decided"):
        suggestions.do_decide(team.member(team.contributor), made, merge=True)
    assert suggestions.suggest([one, two]) == []  # dismissed: not again
    assert one.contact_id != Identity.objects.get(pk=two.pk).contact_id


def test_never_across_workspaces(team):
    person(team, "bluesky", "did:plc:ana", "ana.example.com")
    other = person(team, "fediverse", "https://social.example/users/ana", "@ana@social.example",
                   website="https://ana.example.com", workspace=team.other_workspace)  # fmt: skip
    assert suggestions.suggest([other]) == []
    rival = person(team, "fediverse", "https://x.example/users/ana", "@ana@x.example",
                   website="https://ana.example.com", workspace=team.other_workspace)  # fmt: skip
    made = suggestions.suggest([rival])
    assert made and made[0].workspace_id == team.other_workspace.pk
    response = team.client(team.owner).post(
        f"/app/{team.workspace.slug}/contacts/suggestions/{made[0].pk}/", {"decision": "merge"}
    )
    assert response.status_code == 404


def test_suggestions_in_the_api(team):
    from tests.api.client import Api

    person(team, "bluesky", "did:plc:ana", "ana.example.com")
    toot = person(team, "fediverse", "https://social.example/users/ana", "@ana@social.example",
                  website="https://ana.example.com")  # fmt: skip
    [made] = suggestions.suggest([toot])
    api = Api(team.token(team.contributor))
    [listed] = api.get("/contacts/suggestions").json()
    assert listed["id"] == made.pk and listed["first"]["network"] == "bluesky"
    decided = api.post(f"/contacts/suggestions/{made.pk}", {"merge": True}).json()
    assert decided["state"] == "merged"
    assert decided["first_contact_id"] == decided["second_contact_id"]
    assert api.post(f"/contacts/suggestions/{made.pk}", {"merge": False}).status_code == 400
    assert api.post("/contacts/suggestions/99999", {"merge": True}).status_code == 404
