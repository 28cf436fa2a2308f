"""The per-process link cache reads codes still in use again before they expire, many in one
query, so a busy redirect almost never waits on the database; what another process changed
is still followed within the cache time."""

from __future__ import annotations

import logging

import pytest
from django.db import DatabaseError

from outlier.links import redirect
from outlier.links.models import TrackedLink

from .conftest import follow, make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch, settings):
    settings.LINK_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(redirect.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def reads(monkeypatch):
    """The codes of each read of the database, in order."""
    seen: list[list[str]] = []
    real = redirect.resolver._fetch

    def spy(codes):
        seen.append(list(codes))
        return real(codes)

    monkeypatch.setattr(redirect.resolver, "_fetch", spy)
    return seen


def test_codes_in_use_are_read_again_together_before_they_expire(workspace, clock, reads):
    links = [make_link(workspace, f"https://shop.example/p/{n}") for n in range(30)]
    for link in links:
        assert follow(link.code).status_code == 302
    assert len(reads) == 30  # each code read once, when first visited

    reads.clear()
    clock[0] += 2.6  # past half the cache time: every visit asks for its code again
    for link in links:
        assert follow(link.code).status_code == 302
    clock[0] += 0.5  # the next refresh is due: one query for all the codes asked for
    assert follow(links[1].code).status_code == 302  # (the first one was read at once)
    assert len(reads) == 2
    assert sorted(reads[0] + reads[1]) == sorted(link.code for link in links)

    reads.clear()
    clock[0] += 2.0  # past the first reads' expiry: every entry was renewed, none expired
    for n, link in enumerate(links):
        assert follow(link.code)["Location"].startswith(f"https://shop.example/p/{n}?")
    assert reads == [[links[0].code]]  # only the early refresh of the first one, due again


def test_a_change_by_another_process_is_followed_within_the_cache_time(workspace, clock):
    kept, disabled, deleted = (make_link(workspace, f"https://shop.example/{n}") for n in "abc")
    for link in (kept, disabled, deleted):
        follow(link.code)
    # Another process changes them: this one learns it at the next refresh.
    TrackedLink.objects.filter(pk=kept.pk).update(target="https://shop.example/new")
    TrackedLink.objects.filter(pk=disabled.pk).update(enabled=False)
    TrackedLink.objects.filter(pk=deleted.pk).delete()
    clock[0] += 2.6
    for link in (kept, disabled, deleted):
        assert follow(link.code).status_code == 302  # the entry asks; the first one read
    clock[0] += 0.5
    follow(disabled.code)  # the refresh of the two others
    assert follow(kept.code)["Location"].startswith("https://shop.example/new?olr_click=")
    assert follow(disabled.code).status_code == 410
    assert follow(deleted.code).status_code == 404


def test_a_changed_target_is_checked_again_and_an_unchanged_one_is_not(
    workspace, clock, monkeypatch
):
    link = make_link(workspace, "https://shop.example/ok")
    checked: list[str] = []
    real = redirect.targets.redirect_target
    monkeypatch.setattr(redirect.targets, "redirect_target",
                        lambda stored: checked.append(stored) or real(stored))  # fmt: skip
    follow(link.code)
    clock[0] += 2.6
    follow(link.code)
    assert checked == ["https://shop.example/ok"]  # the refresh found it unchanged

    # Something wrote a target that must never be followed, straight into the table.
    TrackedLink.objects.filter(pk=link.pk).update(target="javascript:alert(1)")
    clock[0] += 2.6
    follow(link.code)
    assert checked[-1] == "javascript:alert(1)"
    assert follow(link.code).status_code == 404


def test_a_failed_refresh_leaves_the_entries_to_expire(workspace, clock, monkeypatch, caplog):
    link = make_link(workspace)
    follow(link.code)

    def down(codes):
        raise DatabaseError("the server closed the connection")

    monkeypatch.setattr(redirect.resolver, "_fetch", down)
    clock[0] += 2.6
    with caplog.at_level(logging.WARNING, logger="outlier.links.redirect"):
        assert follow(link.code).status_code == 302  # still within its cache time
    assert "Reading 1 links again failed" in caplog.text
    clock[0] += 2.5
    response = follow(link.code)  # expired, and the database still cannot be read
    assert response.status_code == 503
    assert b"Try again in a moment" in response.content


def test_a_link_changed_in_this_process_during_a_refresh_is_not_overwritten(
    workspace, clock, monkeypatch
):
    link = make_link(workspace, "https://shop.example/old")
    follow(link.code)
    real = redirect.resolver._fetch

    def read_then_changed_here(codes):
        rows = real(codes)  # read before the change below
        TrackedLink.objects.filter(pk=link.pk).update(target="https://shop.example/new")
        redirect.resolver.forget(link.code)  # what do_update_link does
        return rows

    monkeypatch.setattr(redirect.resolver, "_fetch", read_then_changed_here)
    clock[0] += 2.6
    follow(link.code)  # the refresh, which must not bring back the old target
    monkeypatch.setattr(redirect.resolver, "_fetch", real)
    assert follow(link.code)["Location"].startswith("https://shop.example/new?")


def test_many_codes_due_are_read_in_chunks_and_at_most_max_refresh_at_once(
    workspace, clock, monkeypatch
):
    monkeypatch.setattr(redirect, "REFRESH_CHUNK", 4)
    monkeypatch.setattr(redirect, "MAX_REFRESH", 6)
    links = [make_link(workspace, f"https://shop.example/p/{n}") for n in range(10)]
    for link in links:
        follow(link.code)
    clock[0] += 2.6
    redirect.resolver._next_refresh = clock[0] + 1  # collect them all first
    for link in links:
        follow(link.code)
    queries: list[int] = []
    real = redirect.resolver._query
    monkeypatch.setattr(redirect.resolver, "_query", lambda n: queries.append(n) or real(n))
    assert redirect.resolver.refresh() == 6
    assert queries == [4, 2]
    assert redirect.resolver.refresh() == 4  # the rest, next time
    assert queries == [4, 2, 4]
