"""Each click is recorded with its time, link, click id, referrer host, bot or browser, device
and visitor hash; no IP address is stored anywhere."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from outlier.links.clicks import buffer
from outlier.links.models import Click

from .conftest import FIREFOX, GOOGLEBOT, IPHONE, follow, make_link

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.73"


def test_a_click_is_recorded_with_what_the_redirect_saw(workspace):
    link = make_link(workspace)
    response = follow(link.code, agent=IPHONE, referrer="https://social.example/@ann/1?x=1",
                      address=ADDRESS)  # fmt: skip
    assert response.status_code == 302
    assert Click.objects.count() == 0  # buffered: the redirect did not write
    assert buffer.flush() == 1

    click = Click.objects.get()
    assert click.link == link
    assert click.referrer_host == "social.example"
    assert click.agent == "browser" and click.device == "mobile"
    assert click.country == ""  # no GeoIP database configured
    assert len(click.visitor) == 32
    # The click id handed to the target is the stored one.
    handed = parse_qs(urlsplit(response["Location"]).query)["olr_click"]
    assert handed == [click.click_id]


def test_a_known_bot_is_counted_as_a_bot(workspace):
    link = make_link(workspace)
    follow(link.code, agent=GOOGLEBOT)
    follow(link.code, agent="Mastodon/4.3.1 (http.rb/5.2.0; +https://social.example/) Bot")
    follow(link.code, agent="")
    follow(link.code, agent=FIREFOX)
    buffer.flush()
    agents = sorted(Click.objects.values_list("agent", flat=True))
    assert agents == ["bot", "bot", "bot", "browser"]


def test_no_ip_address_is_stored_anywhere(workspace):
    link = make_link(workspace)
    for agent in (FIREFOX, IPHONE, GOOGLEBOT):
        follow(link.code, agent=agent, address=ADDRESS)
    assert buffer.flush() == 3

    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                if any(ADDRESS in str(value) for value in row):
                    found.append(table)
    assert found == []
