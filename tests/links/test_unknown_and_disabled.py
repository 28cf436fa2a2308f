"""An unknown code answers a 404 page, a disabled link a 410 page; turning a link off or on
takes effect at once in this process and within the cache time in the others."""

from __future__ import annotations

import pytest

from outlier.links import redirect
from outlier.links.actions import do_disable_link, do_enable_link
from outlier.links.models import Click, TrackedLink

from .conftest import follow, make_link

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["zzzzzzz", "abc", "a" * 17, "..%2f..", "abc-def", "ÄÖÜ1234"])
def test_unknown_code_is_a_404_page(workspace, code):
    make_link(workspace)
    response = follow(code)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Link not found" in response.content
    assert response["Cache-Control"] == "no-store"


def test_disabled_link_is_a_410_page_and_records_nothing(workspace):
    link = make_link(workspace)
    do_disable_link(link)

    response = follow(link.code)

    assert response.status_code == 410
    assert b"turned it off" in response.content
    assert redirect.clicks.buffer.flush() == 0
    assert Click.objects.count() == 0
    do_enable_link(link)
    assert follow(link.code).status_code == 302


def test_other_processes_follow_a_change_within_the_cache_time(workspace, settings, monkeypatch):
    settings.LINK_CACHE_SECONDS = 5
    link = make_link(workspace)
    now = [1000.0]
    monkeypatch.setattr(redirect.time, "monotonic", lambda: now[0])
    assert follow(link.code).status_code == 302
    # Another process turns it off: this one learns it when its entry expires.
    TrackedLink.objects.filter(pk=link.pk).update(enabled=False)
    now[0] += 4.9
    assert follow(link.code).status_code == 302
    now[0] += 0.2
    assert follow(link.code).status_code == 410


def test_other_methods_are_refused(workspace):
    link = make_link(workspace)
    assert follow(link.code, method="post").status_code == 405
    assert follow(link.code, method="head").status_code == 302
