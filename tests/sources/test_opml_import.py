"""Importing an OPML file into a topic: feeds become sources in their categories without being
fetched (the worker reads them, and each source shows its first result), feeds already
followed are skipped and counted, outlines that are no feed are reported, a malformed or
oversized file is refused whole, 1,000 feeds import in well under 10 s, and an export imported
elsewhere keeps its categories."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outlier.sources import actions, polling, source_queries
from outlier.sources.models import Feed, Source
from tests.conftest import make_topic
from tests.sources.feed_server import rss


def opml_of(outlines: str, title: str = "Mine") -> bytes:
    return (f'<?xml version="1.0"?><opml version="2.0"><head><title>{title}</title></head>'
            f"<body>{outlines}</body></opml>").encode()  # fmt: skip


def importing(team, topic, body, user=None):
    return actions.do_import_opml(team.member(user or team.contributor), topic, body)


def many(count: int) -> bytes:
    folders = []
    for folder in range(10):
        feeds = "".join(
            f'<outline type="rss" text="Feed {folder}-{n}" xmlUrl="https://f{folder}.example/'
            f'{n}/feed.xml" htmlUrl="https://f{folder}.example/{n}/"/>'
            for n in range(count // 10)
        )
        folders.append(f'<outline text="Folder {folder}"><outline text="Sub">{feeds}</outline>'
                       "</outline>")  # fmt: skip
    return opml_of("".join(folders))


def test_a_thousand_feeds_import_in_well_under_ten_seconds(team, topic):
    body = many(1000)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = importing(team, topic, body)
        took = time.perf_counter() - started
    print(f"\nOPML import of 1,000 feeds: {took:.3f} s, {len(queries)} queries")
    assert took < 10.0
    assert len(queries) < 100  # bulk operations in batches, not a query per feed
    assert (report.listed, report.added, report.already) == (1000, 1000, 0)
    assert Source.objects.filter(topic=topic).count() == 1000 == Feed.objects.count()
    assert set(Source.objects.values_list("category", flat=True)) == {
        f"Folder {n}/Sub" for n in range(10)}  # fmt: skip
    first = Source.objects.get(feed__url="https://f3.example/7/feed.xml")
    assert first.name == "Feed 3-7" and first.feed.site_url == "https://f3.example/7/"

    # Again: everything is already followed, nothing is added.
    started = time.perf_counter()
    again = importing(team, topic, body)
    print(f"OPML re-import of 1,000 followed feeds: {time.perf_counter() - started:.3f} s")
    assert (again.added, again.already) == (0, 1000)
    assert Source.objects.count() == 1000


def test_feeds_are_not_fetched_during_import_and_the_worker_reads_them(team, topic, feed_server):
    good = feed_server.add("/good.xml", rss("Good feed", [("g1", "One", "https://x.example/1")]))
    bad = feed_server.base + "/missing.xml"
    body = opml_of(f'<outline text="Good" xmlUrl="{good}"/><outline text="Bad" xmlUrl="{bad}"/>')
    report = importing(team, topic, body)
    assert report.added == 2 and feed_server.hits == []
    assert {h.state for h in source_queries.sources_of(topic)} == {"waiting"}

    assert polling.run_due("w1") == 2
    by_url = {h.url: h for h in source_queries.sources_of(topic)}
    assert by_url[good].state == "ok" and by_url[good].items == 1
    assert by_url[bad].state == "error" and "HTTP 404" in by_url[bad].error
    assert by_url[good].title == "Good"  # the name the curator's reader gave it


def test_followed_feeds_are_skipped_and_problems_reported(team, topic):
    other = make_topic(team.workspace, name="Other", slug="other")
    importing(team, other, opml_of('<outline text="Shared" xmlUrl="https://shared.example/rss"/>'))
    importing(team, topic, opml_of('<outline text="Mine" xmlUrl="https://mine.example/rss"/>'))
    shared = Feed.objects.get(url="https://shared.example/rss")
    body = opml_of(
        '<outline text="Mine again" xmlUrl="https://mine.example/rss"/>'
        '<outline text="Shared" xmlUrl="https://shared.example/rss" category="/Tech/Linux"/>'
        '<outline text="Gopher" xmlUrl="gopher://old.example/feed"/>'
        '<outline text="Secret" xmlUrl="https://user:pw@private.example/rss"/>'
    )  # fmt: skip
    report = importing(team, topic, body)
    assert (report.listed, report.added, report.already) == (3, 1, 1)
    assert len(report.problems) == 2
    assert "gopher://" in report.problems[0] and "user name or password" in report.problems[1]
    # A feed another topic follows keeps its one row (and its schedule).
    assert Feed.objects.filter(url="https://shared.example/rss").count() == 1
    assert Source.objects.get(topic=topic, feed=shared).category == "Tech/Linux"
    assert Source.objects.get(topic=topic, feed__url="https://mine.example/rss").name == "Mine"


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (b"<opml><body><outline text='x' xmlUrl='https://a.example/rss'>", "OPML file"),
    (b"<html><body>hello</body></html>", "web page"),
    (b'<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>', "feed"),
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "b">]><opml><body>'
     b'<outline xmlUrl="https://a.example/rss" text="&a;"/></body></opml>', "entit"),
    (b'<opml version="2.0"><body><outline text="ftp" xmlUrl="ftp://a.example/"/></body></opml>',
     "no feed"),
    (b"<opml>" + b" " * (2 * 1024 * 1024) + b"</opml>", "larger than 2 MB"),
])  # fmt: skip
def test_a_bad_file_is_refused_whole_and_stores_nothing(team, topic, body, reason):
    with pytest.raises(ValidationError) as refused:
        importing(team, topic, body)
    assert reason.lower() in " ".join(refused.value.message_dict["file"]).lower()
    assert not Feed.objects.exists() and not Source.objects.exists()


def test_more_feeds_than_the_workspace_has_room_for_are_refused(team, topic, monkeypatch):
    monkeypatch.setattr(actions, "MAX_SOURCES", 50)
    with pytest.raises(ValidationError, match="room for 50 more"):
        importing(team, topic, many(100))
    assert not Feed.objects.exists() and not Source.objects.exists()
    with pytest.raises(ValidationError, match="at most 10,000 feeds|more than 10,000 feeds"):
        importing(team, topic, opml_of("".join(
            f'<outline xmlUrl="https://x.example/{n}"/>' for n in range(10_001))))  # fmt: skip


def test_viewers_cannot_import(team, topic):
    with pytest.raises(PermissionDenied):
        importing(team, topic, many(10), user=team.viewer)


def test_an_export_imported_elsewhere_keeps_its_categories(team, topic):
    body = opml_of(
        '<outline text="News"><outline text="Tech">'
        '<outline text="LWN" xmlUrl="https://lwn.example/rss" htmlUrl="https://lwn.example/"/>'
        "</outline></outline>"
        '<outline text="Science/Climate"><outline text="Carbon" xmlUrl="https://c.example/rss"/>'
        "</outline>"
        '<outline text="Loose" xmlUrl="https://loose.example/feed"/>'
    )  # fmt: skip
    importing(team, topic, body)
    wanted = {("https://lwn.example/rss", "LWN", "News/Tech"),
              ("https://c.example/rss", "Carbon", "Science/Climate"),
              ("https://loose.example/feed", "Loose", "")}  # fmt: skip

    def sources(where):
        return set(Source.objects.filter(topic=where)
                   .values_list("feed__url", "name", "category"))  # fmt: skip

    assert sources(topic) == wanted
    exported = source_queries.export_opml(team.workspace, topic)
    elsewhere = make_topic(team.workspace, name="Elsewhere", slug="elsewhere")
    report = importing(team, elsewhere, exported)
    assert report.added == 3 and report.problems == []
    assert sources(elsewhere) == wanted

    # The workspace's export: each topic's name is the top folder (a feed two topics follow
    # is one outline, in the first topic's folders).
    importing(team, elsewhere, opml_of('<outline text="Solo"><outline text="Only here" '
                                       'xmlUrl="https://solo.example/rss"/></outline>'))  # fmt: skip
    rival = make_topic(team.other_workspace, name="Rival", slug="rival")
    Source.objects.create(workspace=team.other_workspace, topic=rival, kind="feed",
                          feed=Feed.objects.create(url="https://rival.example/rss", key="r",
                                                   next_at=rival.created_at))  # fmt: skip
    everything = source_queries.export_opml(team.workspace)
    assert b"rival.example" not in everything
    third = make_topic(team.workspace, name="Third", slug="third")
    assert importing(team, third, everything).added == 4
    assert {c for _, _, c in sources(third)} == {
        "Climate/News/Tech", "Climate/Science/Climate", "Climate", "Elsewhere/Solo"}  # fmt: skip
