"""Adding a feed or a site to a topic, and polling feeds: conditional GET, items stored once
(a changed title or GUID makes no second entry), the interval following the feed, errors kept
on the feed with backoff and Retry-After, and hostile feeds refused with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outlier.sources import actions, polling
from outlier.sources.models import Entry, Feed, Source
from tests.sources.feed_server import gzip_bomb, rss

ITEMS = [("a-1", "Rivers rise", "https://news.example/rivers"),
         ("a-2", "Bees return", "https://news.example/bees"),
         ("a-3", "Trains run late", "https://news.example/trains")]  # fmt: skip


def add(team, topic, url, **extra):
    return actions.do_add_feed(team.member(team.contributor), topic, url, **extra)


def entries(feed):
    return sorted(Entry.objects.filter(feed=feed).values_list("title", flat=True))


def test_a_feed_is_added_read_at_once_and_then_read_conditionally(team, topic, feed_server):
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    source, found = add(team, topic, url)
    assert source is not None and source.topic == topic
    feed = Feed.objects.get()
    assert feed.title == "Planet news" and feed.kind == "rss"
    assert entries(feed) == ["Bees return", "Rivers rise", "Trains run late"]
    assert feed.etag and feed.next_at > timezone.now()

    # Unchanged: a 304, nothing parsed, and the feed is read a little less often.
    feed.refresh_from_db()
    assert polling.poll(feed) == 0
    assert feed_server.statuses("/news.xml")[-1] == 304
    again = Feed.objects.get()
    assert again.not_modified == 1 and again.interval_seconds > feed.interval_seconds

    # One new item, one retitled, one whose GUID changed but not its address: one new entry.
    changed = [("a-1", "Rivers rise again", ITEMS[0][2]), ("b-2", "Bees return", ITEMS[1][2]),
               ITEMS[2], ("a-4", "Snow falls", "https://news.example/snow")]  # fmt: skip
    feed_server.add("/news.xml", rss("Planet news", changed))
    assert polling.poll(again) == 1
    assert entries(feed) == ["Bees return", "Rivers rise again", "Snow falls", "Trains run late"]
    busy = Feed.objects.get()
    assert busy.interval_seconds < again.interval_seconds and busy.new_at is not None


def test_a_worker_batch_of_unchanged_feeds_is_rescheduled_like_one_read(team, topic, feed_server):
    urls = [feed_server.add(f"/n{n}.xml", rss(f"News {n}", ITEMS)) for n in range(3)]
    for url in urls:
        add(team, topic, url)
    Feed.objects.filter(url=urls[0]).update(errors=2, error="An old failure.")
    Feed.objects.update(next_at=timezone.now() - timedelta(seconds=1))
    before = {feed.pk: feed for feed in Feed.objects.all()}
    assert polling.run_due("w1") == 3
    assert [feed_server.statuses(f"/n{n}.xml")[-1] for n in range(3)] == [304, 304, 304]
    for feed in Feed.objects.all():
        old = before[feed.pk]
        assert (feed.not_modified, feed.errors, feed.error, feed.claimed_by) == (1, 0, "", "")
        assert feed.etag == old.etag and feed.interval_seconds > old.interval_seconds
        assert feed.next_at == feed.checked_at + timedelta(seconds=feed.interval_seconds)
        assert feed.ok_at == feed.checked_at > old.checked_at
    assert Entry.objects.count() == 9  # nothing stored twice


def test_a_site_is_searched_for_its_feeds(team, topic, feed_server):
    feed_url = feed_server.add("/blog/feed.xml", rss("The blog", ITEMS))
    feed_server.add("/blog/", f'<html><head><link rel="alternate" type="application/rss+xml" '
                              f'title="Posts" href="{feed_url}"></head><body>Hi</body></html>',
                    content_type="text/html")  # fmt: skip
    source, found = add(team, topic, feed_server.base + "/blog/")
    assert source is not None and source.feed.url == feed_url

    # A site naming two feeds: both offered, nothing added until the curator picks one.
    other = feed_server.add("/two/comments.xml", rss("Comments", ITEMS[:1]))
    posts = feed_server.add("/two/posts.xml", rss("Posts", ITEMS[1:]))
    feed_server.add("/two/", "<!doctype html><html><head>"
                             f'<link rel="alternate" type="application/rss+xml" href="{posts}">'
                             f'<link rel="alternate" type="application/atom+xml" href="{other}">'
                             "</head><body><p>page</p></body></html>", content_type="text/html")  # fmt: skip
    source, found = add(team, topic, feed_server.base + "/two/")
    assert source is None and [url for url, _ in found.offered] == [posts, other]
    assert Source.objects.count() == 1


def test_hostile_and_broken_feeds_are_refused_with_a_reason(team, topic, feed_server,
                                                            monkeypatch, settings):  # fmt: skip
    monkeypatch.setattr(polling, "FEED_DEADLINE", 2.0)
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              "<rss><channel><title>&lol2;</title></channel></rss>")  # fmt: skip
    external = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                "<rss><channel><title>&x;</title></channel></rss>")  # fmt: skip
    cases = {
        "/page": (feed_server.add("/page", "<html><body><p>No feeds here.</p></body></html>",
                                  content_type="text/html"), "none of its usual feed"),
        "/text": (feed_server.add("/text", "just words", content_type="text/plain"), ""),
        "/laughs": (feed_server.add("/laughs", laughs), "entit"),
        "/external": (feed_server.add("/external", external), "entit"),
        "/bomb": (feed_server.add("/bomb", gzip_bomb(64 * 1024 * 1024), gzip=True), "larger"),
        "/huge": (feed_server.add("/huge", b"<rss>" + b" " * (50 * 1024 * 1024)), "larger"),
        "/endless": (feed_server.add("/endless", b"<item>more</item>" * 100, endless=True),
                     "second"),
        "/missing": (feed_server.base + "/missing", "HTTP 404"),
    }  # fmt: skip
    for path, (url, reason) in cases.items():
        with pytest.raises(ValidationError) as refused:
            add(team, topic, url)
        message = " ".join(refused.value.message_dict["url"])
        assert reason.lower() in message.lower(), (path, message)
    settings.ALLOWED_PRIVATE_NETWORKS = []
    with pytest.raises(ValidationError, match="loopback"):
        add(team, topic, feed_server.add("/news.xml", rss("Planet news", ITEMS)))
    assert not Source.objects.exists() and not Entry.objects.exists()


def test_viewers_cannot_add_sources(team, topic, feed_server):
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    with pytest.raises(PermissionDenied):
        actions.do_add_feed(team.member(team.viewer), topic, url)


def test_failures_are_kept_on_the_feed_backed_off_and_do_not_stop_the_others(
    team, topic, feed_server
):
    good_url = feed_server.add("/good.xml", rss("Good", ITEMS[:1]))
    bad_url = feed_server.add("/bad.xml", rss("Bad", ITEMS[1:]))
    add(team, topic, good_url)
    add(team, topic, bad_url)
    good, bad = Feed.objects.get(url=good_url), Feed.objects.get(url=bad_url)
    feed_server.add("/good.xml", rss("Good", ITEMS))
    feed_server.add("/bad.xml", "busy", status=429, content_type="text/plain",
                    headers={"Retry-After": "7200"})  # fmt: skip
    Feed.objects.update(next_at=timezone.now() - timedelta(seconds=1))
    assert polling.run_due("w1") == 2
    good.refresh_from_db()
    bad.refresh_from_db()
    assert len(entries(good)) == 3 and good.error == ""
    assert "HTTP 429" in bad.error and bad.errors == 1
    assert timedelta(seconds=7190) < bad.next_at - timezone.now() < timedelta(seconds=7210)

    feed_server.add("/bad.xml", "broken", status=500, content_type="text/plain")
    polling.poll(bad)
    first = Feed.objects.get(pk=bad.pk)
    polling.poll(first)
    second = Feed.objects.get(pk=bad.pk)
    assert second.errors == 3 and "HTTP 500" in second.error
    assert (second.next_at - second.checked_at) > (first.next_at - first.checked_at)

    feed_server.add("/bad.xml", "gone", status=410, content_type="text/plain")
    polling.poll(second)
    gone = Feed.objects.get(pk=bad.pk)
    assert "no longer read" in gone.error and gone.next_at > timezone.now() + timedelta(days=3650)
