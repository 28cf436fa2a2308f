"""Topic and scoop pages tell a visitor and a fediverse server how to follow the topic."""

from __future__ import annotations

import re

import pytest

from tests.site.factories import make_scoop

pytestmark = pytest.mark.django_db


def test_the_topic_page_shows_its_handle_and_links_its_actor(client, topic):
    html = client.get("/t/climate/").content.decode()
    assert "Follow from the fediverse: <code>@climate@testserver</code>" in html
    found = re.search(
        r'<link rel="alternate" type="application/activity\+json" href="([^"]+)">', html
    )
    assert found and found.group(1) == f"http://testserver/ap/topics/{topic.pk}"
    actor = client.get(found.group(1).removeprefix("http://testserver"),
                       HTTP_ACCEPT="application/activity+json")  # fmt: skip
    assert actor.status_code == 200
    assert actor.json()["preferredUsername"] == "climate"
    finger = client.get("/.well-known/webfinger", {"resource": "acct:climate@testserver"})
    assert finger.status_code == 200


def test_a_scoop_page_links_its_activitypub_object(client, topic):
    scoop = make_scoop(topic, title="Rivers are rising")
    html = client.get(scoop.get_absolute_url()).content.decode()
    found = re.search(
        r'<link rel="alternate" type="application/activity\+json" href="([^"]+)">', html
    )
    assert found and found.group(1) == f"http://testserver/ap/scoops/{scoop.pk}"
    note = client.get(found.group(1).removeprefix("http://testserver"),
                      HTTP_ACCEPT="application/activity+json")  # fmt: skip
    assert note.status_code == 200 and "Rivers are rising" in note.content.decode()
