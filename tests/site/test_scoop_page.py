"""A scoop's own page: OpenGraph and Twitter card tags, canonical link, right URL."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from outlier.curation.models import ScoopState
from tests.site.factories import NOV_25, make_scoop, make_topic

pytestmark = pytest.mark.django_db


def meta(html: str, key: str) -> str | None:
    """The content of <meta property|name="key">, unescaped."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html)
    return htmllib.unescape(found.group(1)) if found else None


def test_opengraph_and_twitter_tags(client, settings, topic):
    scoop = make_scoop(
        topic,
        title="Rivers are rising",
        excerpt="Scientists measured the fastest rise in a century.",
        image_url="https://planet.example/river.jpg",
        published_at=NOV_25,
    )
    url = f"{settings.BASE_URL}{scoop.get_absolute_url()}"

    response = client.get(scoop.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert meta(html, "og:title") == "Rivers are rising"
    assert meta(html, "og:description") == "Scientists measured the fastest rise in a century."
    assert meta(html, "og:image") == "https://planet.example/river.jpg"
    assert meta(html, "og:url") == url
    assert meta(html, "og:type") == "article"
    assert meta(html, "og:site_name") == "Climate"
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:title") == "Rivers are rising"
    assert meta(html, "twitter:description") == "Scientists measured the fastest rise in a century."
    assert meta(html, "twitter:image") == "https://planet.example/river.jpg"
    assert f'<link rel="canonical" href="{url}">' in html
    assert "<h1>Rivers are rising</h1>" in html
    assert "Read the full article →" in html


def test_without_an_image_the_card_is_a_summary(client, topic):
    scoop = make_scoop(topic, image_url="")

    html = client.get(scoop.get_absolute_url()).content.decode()

    assert meta(html, "twitter:card") == "summary"
    assert meta(html, "og:image") is None


def test_tag_values_are_escaped(client, topic):
    scoop = make_scoop(topic, title='Quotes "here" & <b>there</b>', excerpt='"><script>x</script>')

    html = client.get(scoop.get_absolute_url()).content.decode()

    assert meta(html, "og:title") == 'Quotes "here" & <b>there</b>'
    assert meta(html, "og:description") == '"><script>x</script>'
    assert "<script>" not in html
    assert 'content="Quotes &quot;here&quot; &amp; &lt;b&gt;there&lt;/b&gt;"' in html


def test_a_wrong_slug_redirects_permanently_to_the_right_url(client, topic):
    scoop = make_scoop(topic, title="Rivers are rising")

    response = client.get(f"/t/climate/{scoop.pk}-old-title/")

    assert response.status_code == 301
    assert response["Location"] == f"/t/climate/{scoop.pk}-rivers-are-rising/"


@pytest.mark.parametrize("state", [ScoopState.DRAFT, ScoopState.FAILED, ScoopState.FETCHING])
def test_an_unpublished_scoop_is_not_found(client, topic, state):
    scoop = make_scoop(topic, state=state)

    assert client.get(scoop.get_absolute_url()).status_code == 404
    assert client.get(f"/t/climate/{scoop.pk}-other/").status_code == 404


def test_a_scoop_of_a_private_topic_or_under_another_topic_is_not_found(client, workspace, topic):
    private = make_topic(workspace, slug="secret", name="Secret", is_public=False)
    hidden = make_scoop(private)
    shown = make_scoop(topic)

    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(f"/t/climate/{hidden.pk}-{hidden.slug}/").status_code == 404
    other = make_topic(workspace, slug="other", name="Other")
    assert client.get(f"/t/{other.slug}/{shown.pk}-{shown.slug}/").status_code == 404
