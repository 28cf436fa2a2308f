"""The curator's screens: paste a URL, see it filled, edit, publish, delete; the CLI."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from outlier.curation.models import Scoop, ScoopState


def test_paste_a_url_and_see_the_scoop_filled(team, topic, article_url):
    client = team.client(team.contributor)
    response = client.post("/app/acme/scoops/new/", {
        "url": article_url, "topic": topic.pk, "insight": "My *take*", "tags": "rivers", "publish": "on"},
        follow=True)  # fmt: skip
    page = response.content.decode()
    assert "Rivers are rising" in page
    assert "The Daily Planet" in page
    scoop = Scoop.objects.get()
    assert scoop.state == ScoopState.PUBLISHED and scoop.created_by == team.contributor


def test_a_bad_url_in_the_form_is_explained_and_nothing_is_stored(team, topic):
    response = team.client(team.owner).post(
        "/app/acme/scoops/new/", {"url": "ftp://files.example/x", "topic": topic.pk}
    )
    assert response.status_code == 200
    assert "Only http:// and https://" in response.content.decode()
    assert not Scoop.objects.exists()


def test_edit_unpublish_and_delete_a_scoop(team, topic, article_url):
    client = team.client(team.owner)
    client.post("/app/acme/scoops/new/", {"url": article_url, "topic": topic.pk, "publish": "on"})
    scoop = Scoop.objects.get()
    client.post(f"/app/acme/scoops/{scoop.pk}/", {"title": "Edited title", "insight": "New",
                                                   "excerpt": "Short", "tags": "a, b"})  # fmt: skip
    scoop.refresh_from_db()
    assert scoop.title == "Edited title" and scoop.insight_html == "<p>New</p>\n"
    client.post(f"/app/acme/scoops/{scoop.pk}/unpublish/")
    scoop.refresh_from_db()
    assert scoop.state == ScoopState.DRAFT
    client.post(f"/app/acme/scoops/{scoop.pk}/delete/")
    assert not Scoop.objects.exists()


def test_the_bookmarklet_opens_the_form_prefilled(team, topic):
    client = team.client(team.owner)
    dashboard = client.get("/app/acme/").content.decode()
    assert "javascript:(function(){window.open(" in dashboard
    form = client.get("/app/acme/scoops/new/?url=https://news.example/story").content.decode()
    assert 'value="https://news.example/story"' in form


def test_the_cli_scoops_a_url(team, topic, article_url, capsys):
    call_command("scoop", article_url, "--topic", "climate", "--insight", "From the CLI", "--wait")
    assert "published Rivers are rising" in capsys.readouterr().out
    assert Scoop.objects.get().insight == "From the CLI"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["https://a.example/", "--topic", "nope"], "No topic"),
        (["not a url", "--topic", "climate"], "spaces"),
        (
            ["https://a.example/", "--topic", "climate", "--as", "outsider@rival.test"],
            "No such member",
        ),
    ],
)
def test_the_cli_explains_bad_input(team, topic, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("scoop", *args)
    assert not Scoop.objects.exists()
