"""Tracked links in the REST API: editors make links (target, campaign, UTM overrides) and get
the short URL and the final target back, turn links off (410) and on, and set the workspace's
UTM defaults; any member lists and reads them with their clicks; bad input is a 400 naming
each field, with nothing stored."""

from __future__ import annotations

import pytest
from django.test import Client

from outlier.links.clicks import buffer
from outlier.links.models import Campaign, LinkDefaults, LinkMedium, TrackedLink
from tests.api.client import Api

from .conftest import FIREFOX, GOOGLEBOT, follow, make_link

pytestmark = pytest.mark.django_db

BAD_TARGETS = [
    ("javascript:alert(1)", "javascript"),
    ("data:text/html,<script>alert(1)</script>", "data"),
    ("//evil.example/path", "//"),
    ("https://good.example@evil.example/", "user name"),
    ("https:\\\\evil.example", "backslash"),
    ("https://good.example\\@evil.example/", "backslash"),
    ("https://good.example/\r\nSet-Cookie: a=b", "control characters"),
    ("https://good.example/\x00", "control characters"),
    ("https://good.example/" + "a" * 2000, "2000 characters"),
    ("", "Give the address"),
]


@pytest.fixture
def spring(team):
    return Campaign.objects.create(workspace=team.workspace, name="Spring", slug="spring-sale")


@pytest.fixture
def editor(team):
    return Api(team.token(team.editor))


def test_an_editor_makes_a_link_and_gets_its_short_url_and_final_target(team, editor, spring,
                                                                         settings):  # fmt: skip
    response = editor.post("/links", {
        "target": "https://shop.example/p?b=1#top", "campaign": spring.pk,
        "utm": {"utm_source": "newsletter", "utm_medium": "email", "utm_term": "shoes",
                "utm_content": "hero"},
    })  # fmt: skip

    assert response.status_code == 201, response.content
    made = response.json()
    link = TrackedLink.objects.get()
    assert made["id"] == link.pk and made["code"] == link.code
    assert made["short_url"] == f"{settings.BASE_URL}/l/{link.code}"
    assert made["target"] == link.target
    assert link.target == (
        "https://shop.example/p?b=1&utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-sale&utm_content=hero&utm_term=shoes#top"
    )
    assert made["original"] == "https://shop.example/p?b=1#top"
    assert (made["campaign"], made["campaign_slug"]) == (spring.pk, "spring-sale")
    assert (made["medium"], made["enabled"], made["clicks"], made["bot_clicks"]) == (
        "manual", True, 0, 0)  # fmt: skip
    assert link.workspace == team.workspace and link.campaign == spring
    location = follow(link.code)["Location"]
    assert location.startswith("https://shop.example/p?b=1&utm_source=newsletter")


def test_an_override_wins_over_the_campaign_and_an_empty_one_removes(editor, spring):
    made = editor.post("/links", {"target": "https://shop.example/?utm_source=typed",
                                  "campaign": spring.pk,
                                  "utm": {"utm_campaign": "mine", "utm_source": ""}}).json()  # fmt: skip
    assert made["target"] == "https://shop.example/?utm_campaign=mine"
    assert made["utm"] == {"utm_campaign": "mine"}


def test_the_workspace_defaults_apply_to_a_new_link(team, editor):
    assert editor.get("/links/defaults").json() == {"utm": {}, "updated_at": None}
    response = editor.client.put("/api/v1/links/defaults",
                                 {"utm": {"utm_source": "outlier", "utm_medium": "referral",
                                          "utm_term": ""}},
                                 content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["utm"] == {"utm_source": "outlier", "utm_medium": "referral"}

    made = editor.post("/links", {"target": "https://shop.example/",
                                  "utm": {"utm_medium": "partner"}}).json()  # fmt: skip
    assert made["target"] == "https://shop.example/?utm_source=outlier&utm_medium=partner"
    viewer = Api(team.token(team.viewer, "read"))
    assert viewer.get("/links/defaults").json()["utm"] == {"utm_source": "outlier",
                                                           "utm_medium": "referral"}  # fmt: skip


@pytest.mark.parametrize(("target", "reason"), BAD_TARGETS)
def test_a_bad_target_is_a_400_and_nothing_is_stored(editor, target, reason):
    response = editor.post("/links", {"target": target})
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == ["target"]
    assert reason.lower() in errors["target"][0].lower()
    assert not TrackedLink.objects.exists()


def test_a_target_too_long_once_its_utm_is_added_is_refused(editor):
    target = "https://shop.example/" + "a" * 1970
    assert editor.post("/links", {"target": target}).status_code == 201
    response = editor.post("/links", {"target": target, "utm": {"utm_source": "x" * 40}})
    assert response.status_code == 400 and "target" in response.json()["errors"]
    assert TrackedLink.objects.count() == 1


def test_a_campaign_of_another_workspace_is_refused(team, editor):
    theirs = Campaign.objects.create(workspace=team.other_workspace, name="Theirs", slug="theirs")
    response = editor.post("/links", {"target": "https://shop.example/", "campaign": theirs.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {"campaign": ["No such campaign in this workspace."]}
    unknown = editor.post("/links", {"target": "https://shop.example/", "campaign": 999999})
    assert unknown.json()["errors"] == response.json()["errors"]  # the same: nothing leaks
    assert not TrackedLink.objects.exists()


@pytest.mark.parametrize(("utm", "field"), [
    ({"utm_evil": "x"}, "utm"),
    ({"source": "x"}, "utm"),
    ({"utm_term": "x" * 201}, "utm_term"),
    ({"utm_source": "a\nb"}, "utm_source"),
    ({"utm_content": 5}, "utm_content"),
])  # fmt: skip
def test_bad_utm_values_are_refused_each_with_its_reason(editor, utm, field):
    response = editor.post("/links", {"target": "https://shop.example/", "utm": utm})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert not TrackedLink.objects.exists()


def test_every_bad_field_is_reported_at_once(editor):
    response = editor.post("/links", {"target": "javascript:alert(1)", "campaign": 424242,
                                      "utm": {"utm_evil": "x", "utm_term": "y" * 300}})  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"target", "campaign", "utm", "utm_term"}
    assert not TrackedLink.objects.exists()


def test_bad_defaults_are_refused_and_the_old_ones_kept(team, editor):
    editor.client.put("/api/v1/links/defaults", {"utm": {"utm_source": "kept"}},
                      content_type="application/json")  # fmt: skip
    for utm, field in (({"utm_bogus": "x"}, "utm"), ({"utm_term": "x" * 201}, "utm_term")):
        response = editor.client.put("/api/v1/links/defaults", {"utm": utm},
                                     content_type="application/json")  # fmt: skip
        assert response.status_code == 400 and list(response.json()["errors"]) == [field]
    assert LinkDefaults.objects.get(workspace=team.workspace).utm == {"utm_source": "kept"}


def test_disabling_makes_the_link_answer_410_and_enabling_brings_it_back(team, editor):
    link = make_link(team.workspace)
    assert follow(link.code).status_code == 302  # now in this process's link cache

    off = editor.patch(f"/links/{link.pk}", {"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert follow(link.code).status_code == 410
    on = editor.patch(f"/links/{link.pk}", {"enabled": True})
    assert on.json()["enabled"] is True
    assert follow(link.code).status_code == 302

    assert editor.post(f"/links/{link.pk}/disable").json()["enabled"] is False
    assert follow(link.code).status_code == 410
    assert editor.post(f"/links/{link.pk}/disable").status_code == 200  # twice: still off
    assert editor.post(f"/links/{link.pk}/enable").json()["enabled"] is True
    assert follow(link.code).status_code == 302


def test_reading_a_link_gives_its_clicks_people_and_bots_apart(team):
    link = make_link(team.workspace)
    other = make_link(team.workspace)
    for agent in (FIREFOX, FIREFOX, GOOGLEBOT):
        follow(link.code, agent=agent)
    follow(other.code)
    buffer.flush()

    viewer = Api(team.token(team.viewer, "read"))
    read = viewer.get(f"/links/{link.pk}")
    assert read.status_code == 200
    assert (read.json()["clicks"], read.json()["bot_clicks"]) == (2, 1)
    listed = {row["id"]: row for row in viewer.get("/links").json()}
    assert (listed[link.pk]["clicks"], listed[link.pk]["bot_clicks"]) == (2, 1)
    assert (listed[other.pk]["clicks"], listed[other.pk]["bot_clicks"]) == (1, 0)


def test_the_list_is_paged_newest_first_and_filtered(team, spring):
    ws = team.workspace
    first = make_link(ws, "https://shop.example/1")
    in_campaign = make_link(ws, "https://shop.example/2", campaign=spring)
    published = make_link(ws, "https://shop.example/3", medium=LinkMedium.SOCIAL,
                          source="mastodon")  # fmt: skip
    make_link(team.other_workspace, "https://rival.example/")
    TrackedLink.objects.filter(pk=first.pk).update(enabled=False)
    api = Api(team.token(team.viewer, "read"))

    ids = [row["id"] for row in api.get("/links").json()]
    assert ids == [published.pk, in_campaign.pk, first.pk]
    assert [r["id"] for r in api.get("/links?limit=2").json()] == [published.pk, in_campaign.pk]
    assert [r["id"] for r in api.get("/links?limit=2&offset=2").json()] == [first.pk]
    assert [r["id"] for r in api.get(f"/links?campaign={spring.pk}").json()] == [in_campaign.pk]
    assert [r["id"] for r in api.get("/links?enabled=false").json()] == [first.pk]
    assert [r["id"] for r in api.get("/links?enabled=true").json()] == [published.pk,
                                                                      in_campaign.pk]  # fmt: skip
    row = api.get(f"/links/{published.pk}").json()
    assert (row["medium"], row["source"]) == ("social", "mastodon")
    theirs = Campaign.objects.create(workspace=team.other_workspace, name="T", slug="t")
    refused = api.get(f"/links?campaign={theirs.pk}")
    assert refused.status_code == 400 and "campaign" in refused.json()["errors"]


def test_readers_read_and_only_editors_with_a_write_token_change(team, spring):
    link = make_link(team.workspace)
    for who, scope in (("viewer", "write"), ("contributor", "write"), ("editor", "read"),
                       ("owner", "read")):  # fmt: skip
        api = Api(team.token(getattr(team, who), scope))
        assert api.get("/links").status_code == 200, who
        assert api.get(f"/links/{link.pk}").status_code == 200, who
        assert api.get("/links/defaults").status_code == 200, who
        made = api.post("/links", {"target": "https://shop.example/new"})
        assert made.status_code == 403, (who, scope)
        assert api.patch(f"/links/{link.pk}", {"enabled": False}).status_code == 403
        assert api.post(f"/links/{link.pk}/disable").status_code == 403
        defaults = api.client.put("/api/v1/links/defaults", {"utm": {"utm_source": "x"}},
                                  content_type="application/json")  # fmt: skip
        assert defaults.status_code == 403
    assert TrackedLink.objects.count() == 1 and TrackedLink.objects.get().enabled
    assert not LinkDefaults.objects.exists()
    owner = Api(team.token(team.owner, "write"))
    assert owner.post("/links", {"target": "https://shop.example/new"}).status_code == 201


def test_another_workspace_sees_none_of_them(team):
    link = make_link(team.workspace)
    outsider = Api(team.token(team.outsider))
    assert outsider.get("/links").json() == []
    assert outsider.get(f"/links/{link.pk}").status_code == 404
    assert outsider.patch(f"/links/{link.pk}", {"enabled": False}).status_code == 404
    assert outsider.post(f"/links/{link.pk}/disable").status_code == 404
    assert TrackedLink.objects.get().enabled
    assert Client().get("/api/v1/links").status_code == 401


def test_the_openapi_document_lists_the_links_paths():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/links"])
    assert {"get", "put"} <= set(paths["/api/v1/links/defaults"])
    assert {"get", "patch"} <= set(paths["/api/v1/links/{link_id}"])
    assert "post" in paths["/api/v1/links/{link_id}/disable"]
    assert "post" in paths["/api/v1/links/{link_id}/enable"]
