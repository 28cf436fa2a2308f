"""The topic's sources page: a feed added through the form shows its health, a site naming two
feeds offers both, refusals show their reason with a 400 and store nothing, keywords are kept
as words and phrases, hostile feed titles render inert, removing, OPML import and export from
the page, a viewer sees no forms and gets 403 on POST, and another workspace's topic is a 404."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from outlier.sources.models import Feed, Source, SourceKind
from tests.conftest import make_topic
from tests.sources.feed_server import rss

ITEMS = [("a-1", "Rivers rise", "https://news.example/rivers"),
         ("a-2", "Bees return", "https://news.example/bees")]  # fmt: skip


def page_url(team, topic, name="list", *args):
    return reverse(f"sources:{name}", args=[team.workspace.slug, topic.slug, *args])


def html(response) -> str:
    return response.content.decode()


def site(feed_server, path, *feeds):
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="{u}">' for u in feeds)
    return feed_server.add(path, f"<!doctype html><html><head>{links}</head><body><p>A site.</p>"
                                 "</body></html>", content_type="text/html")  # fmt: skip


def test_a_feed_added_through_the_form_shows_its_health(team, topic, feed_server):
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    client = team.client(team.contributor)
    topic_page = html(client.get(reverse("curation:topic", args=["acme", topic.slug])))
    assert page_url(team, topic) in topic_page  # the topic page links to its sources

    response = client.post(page_url(team, topic, "add"),
                           {"url": url, "name": "", "category": "News / Tech"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == page_url(team, topic)
    source = Source.objects.get()
    assert source.category == "News/Tech" and source.feed.title == "Planet news"

    listing = client.get(page_url(team, topic))
    body = html(listing)
    assert listing.status_code == 200
    assert "Added Planet news." in body
    row = body[body.index(f'data-source="{source.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-state="ok"' in row and "Planet news" in row and url in row
    assert "News/Tech" in row and "ago" in row  # last check and last new item
    assert "in 1\xa0hour" in row or "minutes" in row  # next check
    assert '<td class="num">2</td>' in row  # items
    assert "Pushed" not in row and "Remove" in row

    # The feed fails: its health says why, in red, and when it is tried again.
    Feed.objects.update(error="The server answered HTTP 500.", errors=2)
    row = html(client.get(page_url(team, topic)))
    assert 'data-state="error"' in row
    assert '<span class="error" data-error>The server answered HTTP 500.</span>' in row
    assert "(2 in a row)" in row

    # Gone (HTTP 410): no next check.
    feed = Feed.objects.get()
    Feed.objects.update(error="The feed is gone (HTTP 410): it is no longer read.",
                        next_at=feed.checked_at + timedelta(days=36500))  # fmt: skip
    row = html(client.get(page_url(team, topic)))
    assert 'data-state="gone"' in row and "Gone" in row and "no longer read" in row
    assert "in 100" not in row

    Feed.objects.update(error="", push_state="active", next_at=feed.next_at)
    assert "Pushed" in html(client.get(page_url(team, topic)))


def test_a_site_naming_one_feed_adds_it_and_one_naming_two_offers_both(team, topic, feed_server):
    client = team.client(team.contributor)
    one = feed_server.add("/one/feed.xml", rss("Only feed", ITEMS))
    response = client.post(page_url(team, topic, "add"),
                           {"url": site(feed_server, "/one/", one)})  # fmt: skip
    assert response.status_code == 302 and Source.objects.get().feed.url == one

    posts = feed_server.add("/two/posts.xml", rss("Posts", ITEMS))
    comments = feed_server.add("/two/comments.xml", rss("Comments", ITEMS[:1]))
    broken = feed_server.add("/two/broken.xml", "<html><body>not a feed</body></html>",
                             content_type="text/html")  # fmt: skip
    response = client.post(page_url(team, topic, "add"), {
        "url": site(feed_server, "/two/", posts, broken, comments), "category": "Blogs"})  # fmt: skip
    body = html(response)
    assert response.status_code == 200 and "This site names 2 feeds" in body
    assert f'data-offered-feed="{posts}"' in body and f'data-offered-feed="{comments}"' in body
    assert broken not in body  # only the feeds that parse are offered
    assert Source.objects.count() == 1

    # Picking one adds it, with the category given first.
    response = client.post(page_url(team, topic, "add"),
                           {"url": comments, "name": "", "category": "Blogs"})  # fmt: skip
    assert response.status_code == 302
    picked = Source.objects.get(feed__url=comments)
    assert picked.category == "Blogs" and picked.feed.title == "Comments"


def test_refusals_show_their_reason_with_a_400_and_store_nothing(team, topic, feed_server):
    client = team.client(team.contributor)
    cases = {
        "ftp://files.example/feed.xml": "Only http:// and https://",
        "not an address": "must not contain spaces",
        feed_server.base + "/missing.xml": "HTTP 404",
        feed_server.add("/plain", "no feed here", content_type="text/plain"): "",
        feed_server.add("/page", "<html><body><p>Nothing.</p></body></html>",
                        content_type="text/html"): "none of its usual feed addresses",
    }  # fmt: skip
    for url, reason in cases.items():
        response = client.post(page_url(team, topic, "add"), {"url": url})
        body = html(response)
        assert response.status_code == 400, url
        assert '<p class="error" role="alert">' in body, url
        assert reason in body.replace("&#x27;", "'"), (url, reason)
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    assert client.post(page_url(team, topic, "add"), {"url": url}).status_code == 302
    again = client.post(page_url(team, topic, "add"), {"url": url})
    assert again.status_code == 400 and "already follows this feed" in html(again)
    assert Source.objects.count() == 1 and Feed.objects.count() == 1


def test_keywords_keep_quoted_phrases_and_are_checked(team, topic):
    client = team.client(team.contributor)
    response = client.post(page_url(team, topic, "keywords"),
                           {"keywords": 'solar, "heat pump"  #climate', "name": ""})  # fmt: skip
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.kind == SourceKind.KEYWORDS
    assert source.keywords == ["solar", "heat pump", "climate"]
    assert "“heat pump”" in html(client.get(page_url(team, topic)))

    refusals = {
        " ".join(f"w{n}" for n in range(21)): "At most 20 keywords",
        "x" * 101: "longer than 100 characters",
        'solar ""': "A keyword is empty",
        '"unclosed': "A quote is not closed",
        "   ": "This field is required",
    }  # fmt: skip
    for raw, reason in refusals.items():
        response = client.post(page_url(team, topic, "keywords"), {"keywords": raw})
        assert response.status_code == 400 and reason in html(response), (raw, reason)
    assert Source.objects.count() == 1


def test_hostile_feed_titles_render_inert(team, topic, feed_server):
    # Escaped twice in the XML: the parser's plain-text title is "<script>…" itself.
    hostile = "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;&amp;lt;img src=x onerror=alert(2)&amp;gt;"
    url = feed_server.add("/evil.xml", rss(hostile, ITEMS))
    client = team.client(team.contributor)
    assert client.post(page_url(team, topic, "add"), {"url": url}).status_code == 302
    assert Feed.objects.get().title.startswith("<script>alert(1)")
    client.post(page_url(team, topic, "keywords"),
                {"keywords": "solar", "name": "<script>alert(3)</script>"})  # fmt: skip
    posts = feed_server.add("/s/a.xml", rss("A", ITEMS))
    other = feed_server.add("/s/b.xml", rss("B", ITEMS))
    evil_site = feed_server.add(
        "/s/", "<html><head>"
        f'<link rel="alternate" type="application/rss+xml" title="&lt;script&gt;alert(4)&lt;/script&gt;" href="{posts}">'
        f'<link rel="alternate" type="application/rss+xml" href="{other}"></head></html>',
        content_type="text/html")  # fmt: skip
    listing = html(client.get(page_url(team, topic)))
    offered = html(client.post(page_url(team, topic, "add"), {"url": evil_site}))
    for body, shown in ((listing, ("alert(1)", "alert(3)")), (offered, ("alert(4)",))):
        assert "<script>" not in body and "<img src=x" not in body
        for text in shown:
            assert f"&lt;script&gt;{text}&lt;/script&gt;" in body


def test_removing_a_source(team, topic, feed_server):
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    client = team.client(team.contributor)
    client.post(page_url(team, topic, "add"), {"url": url})
    source = Source.objects.get()
    other_topic = make_topic(team.workspace, name="Other", slug="other")
    wrong = reverse("sources:remove", args=["acme", other_topic.slug, source.pk])
    assert client.post(wrong).status_code == 404  # a source is removed from its own topic
    response = client.post(page_url(team, topic, "remove", source.pk))
    assert response.status_code == 302 and not Source.objects.exists()
    assert Feed.objects.count() == 1  # the feed row stays (no topic follows it: not polled)


def test_opml_import_and_export_from_the_page(team, topic):
    client = team.client(team.contributor)
    opml = ('<opml version="2.0"><head><title>Mine</title></head><body>'
            '<outline text="News"><outline text="Tech">'
            '<outline text="LWN" xmlUrl="https://lwn.example/rss"/></outline></outline>'
            '<outline text="Gopher" xmlUrl="gopher://old.example/feed"/>'
            '<outline text="Loose" xmlUrl="https://loose.example/feed"/></body></opml>')  # fmt: skip
    response = client.post(page_url(team, topic, "import"),
                           {"file": SimpleUploadedFile("mine.opml", opml.encode())})  # fmt: skip
    body = html(response)
    assert response.status_code == 200
    assert "<strong data-added>2</strong> added" in body and "gopher://" in body
    assert 'data-state="waiting"' in body and "Not read yet" in body  # read by the worker

    bad = client.post(page_url(team, topic, "import"),
                      {"file": SimpleUploadedFile("bad.opml", b"<opml><body><outline")})  # fmt: skip
    assert bad.status_code == 400 and '<p class="error" role="alert">' in html(bad)
    assert Source.objects.count() == 2

    exported = client.get(page_url(team, topic, "export"))
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/x-opml")
    assert 'filename="sources-acme-climate-' in exported["Content-Disposition"]
    root = etree.fromstring(exported.content)
    tech = root.find("body/outline[@text='News']/outline[@text='Tech']/outline")
    assert tech is not None and tech.get("xmlUrl") == "https://lwn.example/rss"

    everything = team.client(team.viewer).get(reverse("sources:export_all", args=["acme"]))
    root = etree.fromstring(everything.content)
    assert root.find("body/outline[@text='Climate']/outline[@text='News']/outline[@text='Tech']"
                     "/outline").get("xmlUrl") == "https://lwn.example/rss"  # fmt: skip


def test_a_viewer_sees_no_forms_and_gets_403_on_post(team, topic, feed_server):
    url = feed_server.add("/news.xml", rss("Planet news", ITEMS))
    contributor = team.client(team.contributor)
    contributor.post(page_url(team, topic, "add"), {"url": url})
    source = Source.objects.get()
    viewer = team.client(team.viewer)
    body = html(viewer.get(page_url(team, topic)))
    assert "Planet news" in body and '<form method="post" action="/app/acme/topics' not in body
    assert "data-add-feed" not in body and "Remove" not in body
    posts = {
        page_url(team, topic, "add"): {"url": url},
        page_url(team, topic, "keywords"): {"keywords": "solar"},
        page_url(team, topic, "import"): {"file": SimpleUploadedFile("a.opml", b"<opml/>")},
        page_url(team, topic, "remove", source.pk): {},
    }  # fmt: skip
    for path, data in posts.items():
        assert viewer.post(path, data).status_code == 403, path
    assert Source.objects.count() == 1
    assert viewer.get(page_url(team, topic, "export")).status_code == 200


def test_another_workspaces_topic_is_a_404(team, topic):
    rival_topic = make_topic(team.other_workspace, name="Secret", slug="secret")
    client = team.client(team.contributor)
    assert client.get(reverse("sources:list", args=["rival", "secret"])).status_code == 404
    assert client.get(reverse("sources:list", args=["acme", "secret"])).status_code == 404
    assert client.post(reverse("sources:add", args=["rival", "secret"]),
                       {"url": "https://x.example/feed"}).status_code == 404  # fmt: skip
    assert client.get(reverse("sources:export_all", args=["rival"])).status_code == 404
    Source.objects.create(workspace=team.other_workspace, topic=rival_topic,
                          kind=SourceKind.KEYWORDS, keywords=["x"])  # fmt: skip
    theirs = Source.objects.get()
    assert client.post(page_url(team, topic, "remove", theirs.pk)).status_code == 404
    assert Source.objects.count() == 1
