"""The contact screens as a member uses them: the list sorted by strength, a contact's page with
its timeline both ways and the formula, changes by form, and every refusal with its reason."""

from __future__ import annotations

from django.utils import timezone

from outlier.inbox.models import EngageAction, EngageState
from outlier.relationships.models import Contact, Identity
from tests.relationships.conftest import arrive, synced

HOSTILE = '<img src=x onerror="alert(1)">Eve</script>'


def url(team, contact_id: int | str = "") -> str:
    base = f"/app/{team.workspace.slug}/contacts/"
    return f"{base}{contact_id}/" if contact_id else base


def test_the_list_is_sorted_by_strength_and_searchable(team, toot):
    for _ in range(3):
        arrive(toot, handle="@ana@social.example", name="Ana")
    arrive(toot, handle="@bo@social.example", name="Bo", kind="like")
    synced()
    page = team.client(team.viewer).get(url(team)).content.decode()
    assert page.index("@ana@social.example") < page.index("@bo@social.example")
    found = team.client(team.viewer).get(url(team), {"q": "bo@"}).content.decode()
    assert "@bo@social.example" in found and "@ana@social.example" not in found
    nothing = team.client(team.viewer).get(url(team), {"q": "zz"}).content.decode()
    assert "No contacts match" in nothing


def test_a_contact_page_shows_both_ways_and_the_formula(team, toot):
    item = arrive(toot, handle="@ana@social.example", name="Ana", text="Where can I buy it?")
    EngageAction.objects.create(interaction=item, kind="like", state=EngageState.DONE, key="k",
                                next_attempt_at=timezone.now(), done_at=timezone.now())  # fmt: skip
    synced()
    contact = Identity.objects.get(handle="@ana@social.example").contact
    page = team.client(team.viewer).get(url(team, contact.pk)).content.decode()
    assert "Where can I buy it?" in page and "liked their post" in page
    assert 'data-direction="in"' in page and 'data-direction="out"' in page
    assert "from them +" in page and "both ways =" in page
    assert f"/inbox/{item.pk}/" in page
    assert "Forget" not in page and "Unmerge" not in page  # a viewer changes nothing


def test_members_change_a_contact_by_form(team, toot):
    arrive(toot, handle="@ana@social.example")
    synced()
    contact = Identity.objects.get(handle="@ana@social.example").contact
    client = team.client(team.contributor)
    for data in ({"action": "note", "text": "Prefers e-mail"},
                 {"action": "tag", "tags": "press, VIP"},
                 {"action": "list", "list": "Journalists"},
                 {"action": "fields", "label": ["Company", ""], "value": ["Planet", ""]},
                 {"action": "star", "starred": "1"},
                 {"action": "reminder", "weeks": "2"},
                 {"action": "rename", "name": "Ana Lima"}):  # fmt: skip
        response = client.post(url(team, contact.pk), data)
        assert response.status_code == 302, data
    contact.refresh_from_db()
    assert contact.name == "Ana Lima" and contact.starred and contact.remind_every_weeks == 2
    assert contact.remind_at is not None and contact.fields == {"Company": "Planet"}
    assert sorted(t.name for t in contact.tags.all()) == ["VIP", "press"]
    assert [lst.name for lst in contact.lists.all()] == ["Journalists"]
    page = client.get(url(team, contact.pk)).content.decode()
    assert "Prefers e-mail" in page and "Every 2 weeks" in page
    listed = client.get(url(team), {"list": contact.lists.get().pk}).content.decode()
    assert "Ana Lima" in listed


def test_bad_input_is_refused_with_a_reason_and_nothing_changes(team, toot):
    arrive(toot, handle="@ana@social.example")
    synced()
    contact = Identity.objects.get(handle="@ana@social.example").contact
    client = team.client(team.contributor)
    for data, reason in (({"action": "note", "text": "  "}, "Write the note first"),
                         ({"action": "reminder", "weeks": "often"}, "whole number"),
                         ({"action": "reminder", "weeks": "9999"}, "Between 1 and 520"),
                         ({"action": "fields", "label": [""], "value": ["x"]}, "needs a label"),
                         ({"action": "tag", "tags": "x" * 51}, "at most 50"),
                         ({"action": "merge", "other": "abc"}, "Choose one"),
                         ({"action": "nonsense"}, "Unknown action")):  # fmt: skip
        response = client.post(url(team, contact.pk), data)
        assert response.status_code == 400, data
        assert reason in response.content.decode(), data
    viewer = team.client(team.viewer).post(url(team, contact.pk), {"action": "star",
                                                                    "starred": "1"})  # fmt: skip
    assert viewer.status_code == 403
    editor = team.client(team.editor).post(url(team, contact.pk), {"action": "forget"})
    assert editor.status_code == 400 and "Tick the box" in editor.content.decode()
    contact.refresh_from_db()
    assert not contact.starred and not contact.notes.exists() and contact.remind_at is None


def test_other_workspaces_and_unknown_ids_answer_404(team, toot, rival_toot):
    arrive(rival_toot, handle="@bo@social.example")
    synced()
    theirs = Identity.objects.get(handle="@bo@social.example").contact
    client = team.client(team.owner)
    assert client.get(url(team, theirs.pk)).status_code == 404
    assert client.get(url(team, 999999)).status_code == 404
    arrive(toot, handle="@ana@social.example")
    synced()
    ours = Identity.objects.get(handle="@ana@social.example").contact
    response = client.post(url(team, ours.pk), {"action": "merge", "other": theirs.pk})
    assert response.status_code == 404
    assert Contact.objects.filter(pk=theirs.pk).exists()
    assert team.client(team.outsider).get(url(team)).status_code == 404


def test_hostile_names_and_texts_render_inert(team, toot):
    arrive(toot, handle="@eve@social.example", name=HOSTILE, text=HOSTILE)
    synced()
    contact = Identity.objects.get(handle="@eve@social.example").contact
    for page in (team.client(team.viewer).get(url(team)).content.decode(),
                 team.client(team.viewer).get(url(team, contact.pk)).content.decode()):  # fmt: skip
        assert "<img src=x" not in page and "&lt;img src=x" in page


def test_the_inbox_opens_the_authors_contact_even_before_the_sync(team, toot):
    item = arrive(toot, handle="@ana@social.example", name="Ana")
    client = team.client(team.viewer)
    page = client.get(f"/app/{team.workspace.slug}/inbox/{item.pk}/").content.decode()
    assert "data-open-contact" in page
    response = client.post(f"/app/{team.workspace.slug}/contacts/of-item/{item.pk}/")
    contact = Identity.objects.get(handle="@ana@social.example").contact
    assert response.status_code == 302 and response["Location"] == url(team, contact.pk)
    synced()  # the sync then credits the item to the same contact
    contact.refresh_from_db()
    assert contact.interactions_in == 1 and Contact.objects.count() == 1
