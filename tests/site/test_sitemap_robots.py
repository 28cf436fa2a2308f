"""sitemap.xml lists the public pages only; robots.txt points to it."""

from __future__ import annotations

import re

import pytest

from outlier.curation.models import ScoopState
from tests.site.factories import make_scoop, make_topic

pytestmark = pytest.mark.django_db


def test_sitemap_lists_public_topics_and_published_scoops(client, settings, workspace, topic):
    shown = make_scoop(topic, title="Shown")
    draft = make_scoop(topic, title="Draft", state=ScoopState.DRAFT)
    secret = make_topic(workspace, slug="secret", name="Secret", is_public=False)
    hidden = make_scoop(secret, title="Hidden")

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    locs = re.findall(r"<loc>([^<]+)</loc>", response.content.decode())
    base = settings.BASE_URL
    assert f"{base}/" in locs
    assert f"{base}/w/acme/" in locs
    assert f"{base}/t/climate/" in locs
    assert f"{base}{shown.get_absolute_url()}" in locs
    assert f"{base}{draft.get_absolute_url()}" not in locs
    assert f"{base}{hidden.get_absolute_url()}" not in locs
    assert f"{base}/t/secret/" not in locs
    assert all(loc.startswith(base) for loc in locs)
    assert "<lastmod>" in response.content.decode()


def test_sitemap_uses_base_url_whatever_the_host(client, settings, topic):
    settings.ALLOWED_HOSTS = ["*"]
    make_scoop(topic)

    body = client.get("/sitemap.xml", HTTP_HOST="other.example").content.decode()

    assert "other.example" not in body
    assert f"<loc>{settings.BASE_URL}/t/climate/</loc>" in body


def test_robots_txt(client, settings):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    for path in ("/app/", "/api/", "/admin/"):
        assert f"Disallow: {path}" in lines
    assert f"Sitemap: {settings.BASE_URL}/sitemap.xml" in lines
