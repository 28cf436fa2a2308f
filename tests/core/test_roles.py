"""Every screen checks the member's role and workspace."""

from __future__ import annotations

import pytest
from django.core import mail

from outlier.core.models import Membership, Role
from outlier.curation.models import Scoop, Topic
from tests.conftest import make_scoop


@pytest.mark.parametrize(
    ("persona", "dashboard", "new_topic", "members"),
    [
        ("owner", 200, 200, 200),
        ("editor", 200, 200, 403),
        ("contributor", 200, 403, 403),
        ("viewer", 200, 403, 403),
        ("outsider", 404, 404, 404),
    ],
)
def test_screens_by_role(team, persona, dashboard, new_topic, members):
    client = team.client(getattr(team, persona))
    assert client.get("/app/acme/").status_code == dashboard
    assert client.get("/app/acme/topics/new/").status_code == new_topic
    assert client.get("/app/acme/members/").status_code == members


def test_anonymous_visitors_are_sent_to_log_in(team):
    from django.test import Client

    response = Client().get("/app/acme/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_viewer_cannot_scoop_and_a_contributor_cannot_edit_others(team, topic):
    scoop = make_scoop(topic, created_by=team.editor, title="Editor's pick")
    viewer = team.client(team.viewer)
    assert (
        viewer.post(
            "/app/acme/scoops/new/", {"url": "https://a.example/", "topic": topic.pk}
        ).status_code
        == 403
    )
    contributor = team.client(team.contributor)
    response = contributor.post(f"/app/acme/scoops/{scoop.pk}/delete/")
    assert response.status_code == 403
    assert Scoop.objects.filter(pk=scoop.pk).exists()


def test_owner_adds_a_member_who_gets_an_invitation(team):
    owner = team.client(team.owner)
    response = owner.post("/app/acme/members/", {"email": "new@acme.test", "role": Role.EDITOR})
    assert response.status_code == 302
    assert Membership.objects.get(user__email="new@acme.test").role == Role.EDITOR
    assert "new@acme.test" in mail.outbox[0].to
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_the_last_owner_cannot_be_removed_or_demoted(team):
    owner = team.client(team.owner)
    own = Membership.objects.get(user=team.owner, workspace=team.workspace)
    page = owner.post(f"/app/acme/members/{own.pk}/", {"role": Role.VIEWER}, follow=True)
    assert b"at least one owner" in page.content
    owner.post(f"/app/acme/members/{own.pk}/", {"remove": "1"})
    assert Membership.objects.get(pk=own.pk).role == Role.OWNER


def test_editor_creates_a_topic_and_a_taken_slug_is_explained(team):
    editor = team.client(team.editor)
    response = editor.post("/app/acme/topics/new/", {"name": "Climate", "is_public": "on"})
    assert response.status_code == 302
    again = editor.post("/app/acme/topics/new/", {"name": "Climate"})
    assert again.status_code == 200
    assert "is taken" in again.content.decode()
    assert Topic.objects.count() == 1


def test_tokens_page_shows_a_new_token_once(team):
    client = team.client(team.viewer)
    response = client.post("/app/acme/tokens/", {"name": "laptop", "scope": "read"})
    token = response.context["new_token"]
    assert token.startswith("olr_") and token in response.content.decode()
    assert token not in client.get("/app/acme/tokens/").content.decode()


def test_a_topic_cover_image_is_uploaded_and_shown_publicly(team, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(buffer, "PNG")
    cover = SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")
    response = team.client(team.editor).post(
        "/app/acme/topics/new/", {"name": "Oceans", "is_public": "on", "cover_image": cover}
    )
    assert response.status_code == 302
    topic = Topic.objects.get(slug="oceans")
    assert topic.cover_image.name.startswith("topics/")
    public = team.client(team.viewer).get("/t/oceans/").content.decode()
    assert topic.cover_image.url in public
    assert team.client(team.viewer).get(topic.cover_image.url).status_code == 200


def test_a_cover_that_is_not_an_image_is_refused(team):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("cover.png", b"not an image", content_type="image/png")
    response = team.client(team.editor).post(
        "/app/acme/topics/new/", {"name": "Oceans", "cover_image": fake}
    )
    assert response.status_code == 200
    assert "valid image" in response.content.decode()
    assert not Topic.objects.exists()
