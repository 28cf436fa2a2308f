"""The links screen: every member sees the workspace's links with their clicks; editors and
owners make links, turn them off (410) and on, and set the UTM defaults; viewers and
contributors only read; outsiders get a 404 and strangers the login page."""

from __future__ import annotations

import pytest
from django.test import Client

from outlier.links.actions import do_set_link_defaults
from outlier.links.clicks import buffer
from outlier.links.models import Campaign, LinkDefaults, LinkMedium, TrackedLink

from .conftest import FIREFOX, GOOGLEBOT, follow, make_link
from .test_links_api import BAD_TARGETS

pytestmark = pytest.mark.django_db

URL = "/app/acme/links/"


def new_link(target: str = "https://shop.example/p", **fields: str) -> dict[str, str]:
    return {"action": "create", "target": target, "campaign": "", **fields}


@pytest.fixture
def spring(team):
    return Campaign.objects.create(workspace=team.workspace, name="Spring <sale>", slug="spring")


@pytest.mark.parametrize("who", ["owner", "editor", "contributor", "viewer"])
def test_every_member_sees_the_links_with_their_clicks(team, spring, who):
    link = make_link(team.workspace, "https://shop.example/a?x=1", campaign=spring,
                     medium=LinkMedium.SOCIAL, source="mastodon", content="post-7")  # fmt: skip
    make_link(team.other_workspace, "https://rival.example/secret")
    for agent in (FIREFOX, FIREFOX, FIREFOX, GOOGLEBOT):
        follow(link.code, agent=agent)
    buffer.flush()

    response = team.client(getattr(team, who)).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"/l/{link.code}" in page
    assert "https://shop.example/a?x=1&amp;utm_source=mastodon" in page
    assert "Spring &lt;sale&gt;" in page and "<sale>" not in page  # escaped
    assert "Social · mastodon" in page and "post-7" in page
    assert 'data-clicks="3"' in page and "+ 1 bot" in page
    assert "rival.example" not in page
    editing = who in ("owner", "editor")
    assert ("Make link" in page) is editing
    assert ("Save defaults" in page) is editing
    assert ("Turn off" in page) is editing


def test_outsiders_get_a_404_and_strangers_the_login(team):
    link = make_link(team.workspace)
    outsider = team.client(team.outsider)
    assert outsider.get(URL).status_code == 404
    assert outsider.post(URL, new_link()).status_code == 404
    assert outsider.post(f"{URL}{link.pk}/disable/").status_code == 404
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert TrackedLink.objects.count() == 1 and TrackedLink.objects.get().enabled


def test_an_editor_makes_a_link_with_a_campaign_and_utm(team, spring):
    editor = team.client(team.editor)
    response = editor.post(URL, new_link(
        "https://shop.example/p#top", campaign=str(spring.pk), utm_source="newsletter",
        utm_term="shoes", utm_medium=""))  # fmt: skip

    assert response.status_code == 302 and response["Location"] == URL
    link = TrackedLink.objects.get()
    assert (link.workspace, link.campaign, link.medium) == (team.workspace, spring, "manual")
    assert link.target == ("https://shop.example/p?utm_source=newsletter&utm_campaign=spring"
                           "&utm_term=shoes#top")  # fmt: skip
    page = editor.get(URL).content.decode()
    assert f"Link made: http://testserver/l/{link.code}" in page


def test_the_defaults_apply_to_a_new_link_and_empty_boxes_keep_them(team):
    editor = team.client(team.editor)
    saved = editor.post(URL, {"action": "defaults", "defaults-utm_source": "outlier",
                              "defaults-utm_medium": "referral", "defaults-utm_term": ""})  # fmt: skip
    assert saved.status_code == 302
    assert LinkDefaults.objects.get(workspace=team.workspace).utm == {
        "utm_source": "outlier", "utm_medium": "referral"}  # fmt: skip
    page = editor.get(URL).content.decode()
    assert 'name="defaults-utm_source" value="outlier"' in page

    editor.post(URL, new_link("https://shop.example/", utm_medium="partner", utm_source=""))
    assert TrackedLink.objects.get().target == (
        "https://shop.example/?utm_source=outlier&utm_medium=partner"
    )


def test_viewers_see_the_defaults_read_only(team):
    do_set_link_defaults(team.workspace, {"utm_source": "outlier"})
    page = team.client(team.viewer).get(URL).content.decode()
    assert "utm_source=outlier" in page and "defaults-utm_source" not in page


@pytest.mark.parametrize("who", ["viewer", "contributor"])
def test_readers_cannot_make_links_or_change_the_defaults(team, who):
    client = team.client(getattr(team, who))
    assert client.post(URL, new_link()).status_code == 403
    assert client.post(URL, {"action": "defaults", "defaults-utm_source": "x"}).status_code == 403
    assert not TrackedLink.objects.exists() and not LinkDefaults.objects.exists()


@pytest.mark.parametrize(("target", "reason"), BAD_TARGETS)
def test_a_bad_target_is_shown_beside_its_field_and_nothing_stored(team, target, reason):
    response = team.client(team.editor).post(URL, new_link(target))
    assert response.status_code == 200
    page = response.content.decode()
    if not target:
        reason = "This field is required."
    elif "\x00" in target:
        reason = "Null characters are not allowed."  # the form's own check, before the action's
    assert reason.lower() in page.lower()
    assert 'class="field invalid"' in page
    assert not TrackedLink.objects.exists()


def test_bad_campaigns_and_utm_values_are_refused(team):
    theirs = Campaign.objects.create(workspace=team.other_workspace, name="Theirs", slug="theirs")
    editor = team.client(team.editor)
    for fields, message in (
        ({"campaign": str(theirs.pk)}, "Select a valid choice"),
        ({"utm_term": "x" * 201}, "at most 200 characters"),
        ({"utm_source": "a\x01b"}, "printable characters"),
    ):  # fmt: skip
        page = editor.post(URL, new_link(**fields))
        assert page.status_code == 200 and message in page.content.decode(), fields
    bad_default = editor.post(URL, {"action": "defaults", "defaults-utm_content": "a\x7fb"})
    assert "printable characters" in bad_default.content.decode()
    assert not TrackedLink.objects.exists() and not LinkDefaults.objects.exists()


def test_turning_a_link_off_makes_it_answer_410_and_on_again_302(team):
    link = make_link(team.workspace)
    assert follow(link.code).status_code == 302  # now in this process's link cache
    editor = team.client(team.editor)

    off = editor.post(f"{URL}{link.pk}/disable/", {"query": "enabled=yes&page=1"})
    assert off.status_code == 302 and off["Location"] == f"{URL}?enabled=yes&page=1"
    assert follow(link.code).status_code == 410
    page = editor.get(URL).content.decode()
    assert "Turn on" in page and "answers “gone” (410)" in page

    assert editor.post(f"{URL}{link.pk}/enable/").status_code == 302
    assert follow(link.code).status_code == 302
    assert editor.get(f"{URL}{link.pk}/disable/").status_code == 405  # a button, not a link
    assert editor.post(f"{URL}{link.pk}/explode/").status_code == 404


def test_readers_cannot_turn_links_off_and_csrf_is_checked(team):
    link = make_link(team.workspace)
    for who in ("viewer", "contributor"):
        assert team.client(getattr(team, who)).post(f"{URL}{link.pk}/disable/").status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(team.editor)
    assert strict.post(f"{URL}{link.pk}/disable/").status_code == 403
    assert strict.post(URL, new_link()).status_code == 403
    theirs = make_link(team.other_workspace)
    assert team.client(team.editor).post(f"{URL}{theirs.pk}/disable/").status_code == 404
    assert TrackedLink.objects.filter(enabled=True).count() == 2
    assert not TrackedLink.objects.filter(target="https://shop.example/p").exists()


def test_the_list_is_filtered_and_paged(team, spring):
    ws = team.workspace
    off = make_link(ws, "https://shop.example/off")
    TrackedLink.objects.filter(pk=off.pk).update(enabled=False)
    in_campaign = make_link(ws, "https://shop.example/spring", campaign=spring)
    viewer = team.client(team.viewer)

    only_off = viewer.get(f"{URL}?enabled=no").content.decode()
    assert f"/l/{off.code}" in only_off and f"/l/{in_campaign.code}" not in only_off
    only_spring = viewer.get(f"{URL}?campaign={spring.pk}").content.decode()
    assert f"/l/{in_campaign.code}" in only_spring and f"/l/{off.code}" not in only_spring
    foreign = viewer.get(f"{URL}?campaign=999999")
    assert foreign.status_code == 200 and "Select a valid choice" in foreign.content.decode()

    for n in range(50):
        make_link(ws, f"https://shop.example/{n}")
    first = viewer.get(URL).content.decode()
    assert first.count("data-code=") == 50 and "Page 1 of 2" in first
    assert f"/l/{off.code}" not in first  # the oldest, on page 2
    second = viewer.get(f"{URL}?page=2").content.decode()
    assert second.count("data-code=") == 2 and f"/l/{off.code}" in second


def test_the_navigation_links_to_the_links_screen(team):
    page = team.client(team.viewer).get("/app/acme/reports/").content.decode()
    assert 'href="/app/acme/links/"' in page
