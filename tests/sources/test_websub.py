"""WebSub: a feed that names a hub is subscribed to it, verified, pushed and renewed.

Against a real hub (flask-websub's, tests/peers/websub.py) reaching Outlier's callback on
Django's live server: a new item published at the hub is stored (and suggested) within seconds
without a poll; a lease near its end is renewed by the sweep; a feed no source follows is
unsubscribed; a topic the hub will not carry is denied, with its reason kept. Through the
callback directly: a bad or missing signature is ignored and nothing stored, a verification
for an unknown token or topic is 404. A hub that refuses (4xx) — which the real hub cannot be
made to do — is a plain local server: the reason is kept and the retry waits.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outlier.sources import actions, feeds, websub
from outlier.sources.models import Entry, Feed, PushState, Source, SourceKind, Suggestion, url_hash
from tests.peers import websub as websub_peer
from tests.sources.feed_server import rss

ITEMS = [("w-1", "Rivers rise", "https://news.example/rivers"),
         ("w-2", "Bees return", "https://news.example/bees")]  # fmt: skip
NEW = ("w-3", "Snow falls early", "https://news.example/snow")
SECRET = "s3cret-for-the-tests"
TOKEN = "t" * 43
TOPIC = "https://news.example/feed.xml"


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "it") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)


# -- A real hub ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub() -> Iterator[websub_peer.WebSubHub]:
    peer = websub_peer.start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def pushed(feed_server, hub, live_server, settings, team, topic):
    """A feed naming the hub, added to the topic, once the hub has verified the subscription;
    `publish(items)` changes the feed and pings the hub."""
    settings.BASE_URL = live_server.url

    class Pushed:
        path = "/pushed.xml"
        url = feed_server.base + path
        headers = {"Link": f'<{hub.url}>; rel="hub", <{url}>; rel="self"'}

        def serve(self, items, title="Pushed news"):  # the hub named by the Link header only
            feed_server.add(self.path, rss(title, items), headers=self.headers)

        def publish(self, items):
            self.serve(items)
            hub.publish(self.url)

        def feed(self):
            return Feed.objects.get(key=url_hash(self.url))

    setup = Pushed()
    setup.serve(ITEMS)
    setup.source, _ = actions.do_add_feed(team.member(team.contributor), topic, setup.url)
    added = setup.feed()  # the hub found in the header; asked by the sweep, not the request
    assert (added.hub_url, added.self_url, added.push_state) == (hub.url, setup.url, PushState.NONE)
    assert websub.renew() == 1
    wait_for(lambda: setup.feed().push_state == PushState.ACTIVE, what="the verification")
    # The hub stores the subscription once Outlier has answered its challenge.
    hub.wait_for(lambda state: hub.subscriptions(setup.url), what="the subscription")
    return setup


@pytest.mark.django_db(transaction=True)
def test_a_new_item_at_the_hub_is_stored_within_seconds_without_a_poll(pushed, hub, topic):
    feed = pushed.feed()
    assert feed.push_error == "" and feed.push_failures == 0
    lease = (feed.push_expires_at - timezone.now()).total_seconds()
    assert websub.LEASE_SECONDS - 60 < lease <= websub.LEASE_SECONDS  # the hub granted ours
    assert feed.push_next_at < feed.push_expires_at - timedelta(hours=23)  # renewed a day early
    [held] = hub.subscriptions(pushed.url)
    assert held["callback"] == websub.callback_url(feed.pk, feed.push_token)
    assert len(feed.push_token) >= 43 and len(feed.push_secret["secret"]) >= 43

    events = len(hub.state()["events"])
    started = time.monotonic()
    pushed.publish([*ITEMS, NEW])
    entry = wait_for(lambda: Entry.objects.filter(feed=feed, title=NEW[1]).first(), timeout=5,
                     what="the pushed item")  # fmt: skip
    latency = time.monotonic() - started
    assert entry.url == NEW[2] and entry.guid_key
    print(f"\nWebSub push latency (publish ping → entry stored): {latency * 1000:.0f} ms")
    assert latency < 5
    after = pushed.feed()
    assert (after.parsed, after.not_modified, after.checked_at) == (
        feed.parsed, feed.not_modified, feed.checked_at)  # fmt: skip  # no poll happened
    assert after.new_at is not None and after.push_error == ""
    assert Entry.objects.filter(feed=feed).count() == 3  # the two known items not stored again
    assert Suggestion.objects.filter(topic=topic, title=NEW[1]).exists()  # suggested at once
    # The hub signed the body with the secret (sha512 here) and Outlier took it at once.
    done = hub.wait_for(lambda state: state["events"][events:][1:] and state["events"][events:],
                        what="the delivery's outcome")  # fmt: skip
    assert [(e["task"].rsplit("_", 1)[0], e["ok"]) for e in done] == [
        ("send_change_notification", True), ("make_request_retrying", True)]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_lease_near_its_end_is_renewed_by_the_sweep(pushed, hub):
    feed = pushed.feed()
    soon = timezone.now() + timedelta(hours=2)
    Feed.objects.filter(pk=feed.pk).update(push_expires_at=soon,
                                           push_next_at=timezone.now() - timedelta(seconds=1))  # fmt: skip
    assert websub.renew() == 1
    renewed = wait_for(lambda: Feed.objects.filter(pk=feed.pk, push_state=PushState.ACTIVE,
                                                   push_expires_at__gt=soon).first(),
                       what="the renewal")  # fmt: skip
    assert renewed.push_token == feed.push_token  # the same subscription, renewed
    assert renewed.push_expires_at > timezone.now() + timedelta(days=9)
    assert websub.renew() == 0  # nothing else is due: no second request
    assert len(hub.subscriptions(pushed.url)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_feed_no_source_follows_is_unsubscribed(pushed, hub, live_server):
    feed = pushed.feed()
    token = feed.push_token
    Source.objects.filter(pk=pushed.source.pk).update(active=False)
    assert websub.renew() == 1
    wait_for(lambda: not hub.subscriptions(pushed.url), what="the unsubscription")
    gone = wait_for(lambda: Feed.objects.filter(pk=feed.pk, push_state=PushState.NONE).first(),
                    what="the feed forgetting it")  # fmt: skip
    assert gone.push_token == "" and gone.push_secret == {} and gone.push_expires_at is None
    # A late push to the old callback is told the subscription is gone.
    answer = Client().post(f"/websub/{feed.pk}/{token}/", b"<rss/>",
                           content_type="application/rss+xml")  # fmt: skip
    assert answer.status_code == 410


@pytest.mark.django_db(transaction=True)
def test_a_topic_the_hub_denies_keeps_its_reason(feed_server, hub, live_server, settings, team,
                                                 topic):  # fmt: skip
    settings.BASE_URL = live_server.url
    url = feed_server.add("/deny-me.xml", rss("Not carried", ITEMS, hub=hub.url))
    actions.do_add_feed(team.member(team.contributor), topic, url)
    assert websub.renew() == 1
    feed = wait_for(lambda: Feed.objects.filter(push_state=PushState.FAILED).first(),
                    what="the denial")  # fmt: skip
    assert feed.push_error == "The hub denied the subscription: This hub does not carry that topic."
    assert feed.push_next_at > timezone.now() + timedelta(hours=23)  # not asked again soon
    assert websub.renew() == 0


# -- The callback, directly ---------------------------------------------------------------------


@pytest.fixture
def subscribed(team, topic):
    feed = Feed.objects.create(url=TOPIC, key=url_hash(TOPIC), next_at=timezone.now(),
                               hub_url="https://hub.example/", push_state=PushState.ACTIVE,
                               push_token=TOKEN, push_secret={"secret": SECRET},
                               push_expires_at=timezone.now() + timedelta(days=5),
                               push_next_at=timezone.now() + timedelta(days=4))  # fmt: skip
    Source.objects.create(workspace=team.workspace, topic=topic, kind=SourceKind.FEED, feed=feed)
    return feed


def signed(body: bytes, method: str = "sha256", secret: str = SECRET) -> str:
    return f"{method}={hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()}"


def push(feed, body, **headers):
    return Client().post(f"/websub/{feed.pk}/{TOKEN}/", body, content_type="application/rss+xml",
                         headers=headers)  # fmt: skip


def test_a_push_with_a_bad_or_missing_signature_is_ignored_and_nothing_stored(subscribed):
    body = rss("News", ITEMS).encode()
    for headers in ({}, {"X-Hub-Signature": signed(body, secret="wrong")},
                    {"X-Hub-Signature": "md5=" + hashlib.md5(body).hexdigest()},  # noqa: S324
                    {"X-Hub-Signature": signed(body + b" ")}, {"X-Hub-Signature": "sha256="}):  # fmt: skip
        answer = push(subscribed, body, **headers)
        assert answer.status_code == 202, headers  # acknowledged (WebSub 7.1.2), not stored
        assert not Entry.objects.exists()
    assert "without a valid signature" in Feed.objects.get().push_error

    for method in ("sha1", "sha384", "sha512"):  # every algorithm WebSub names verifies
        assert (
            push(subscribed, body, **{"X-Hub-Signature": signed(body, method)}).status_code == 202
        )
    assert sorted(Entry.objects.values_list("title", flat=True)) == ["Bees return", "Rivers rise"]
    feed = Feed.objects.get()
    assert feed.push_error == "" and feed.new_at is not None

    # The token is the guard: another feed's id or a wrong token is no subscription.
    assert Client().post(f"/websub/{feed.pk}/{'x' * 43}/", body, content_type="text/xml",
                         headers={"X-Hub-Signature": signed(body)}).status_code == 410  # fmt: skip
    assert Client().post(f"/websub/{feed.pk + 99}/{TOKEN}/", body,
                         content_type="text/xml").status_code == 410  # fmt: skip


def test_a_pushed_body_over_the_cap_or_not_a_feed_is_refused(subscribed, settings):
    settings.FEED_MAX_BYTES = 1000
    big = b"<rss>" + b" " * 2000 + b"</rss>"
    assert push(subscribed, big, **{"X-Hub-Signature": signed(big)}).status_code == 413
    html = b"<html><body>Hello</body></html>"
    assert push(subscribed, html, **{"X-Hub-Signature": signed(html)}).status_code == 202
    assert not Entry.objects.exists()
    assert Feed.objects.get().push_error.startswith("The hub pushed something that is not a feed")


def test_a_verification_is_answered_only_for_what_outlier_asked(subscribed):
    client = Client()
    feed = subscribed

    def verify(mode="subscribe", topic=TOPIC, token=TOKEN, feed_id=feed.pk, **extra):
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": "ch4ll3nge",
                  "hub.lease_seconds": "3600", **extra}  # fmt: skip
        return client.get(f"/websub/{feed_id}/{token}/", params)

    assert verify(token="u" * 43).status_code == 404  # unknown token
    assert verify(feed_id=feed.pk + 99).status_code == 404  # unknown feed
    assert verify(topic="https://elsewhere.example/feed.xml").status_code == 404  # other topic
    assert verify(mode="unsubscribe").status_code == 404  # never asked for
    assert verify(mode="publish").status_code == 404
    assert Feed.objects.get().push_expires_at > timezone.now() + timedelta(days=4)  # untouched

    answer = verify()
    assert answer.status_code == 200 and answer.content == b"ch4ll3nge"
    assert answer["Content-Type"].startswith("text/plain")
    feed.refresh_from_db()
    assert feed.push_state == PushState.ACTIVE
    assert abs((feed.push_expires_at - timezone.now()).total_seconds() - 3600) < 60
    assert feed.push_next_at < feed.push_expires_at  # a short lease: renewed half-way

    # A feed no active source follows any more does not confirm a subscription.
    Source.objects.update(active=False)
    assert verify().status_code == 404
    Source.objects.update(active=True)

    # The hub may deny at any time: the reason is kept and the hub is not asked again soon.
    answer = verify(mode="denied", **{"hub.reason": "Too many\n subscriptions"})
    assert answer.status_code == 200
    feed.refresh_from_db()
    assert feed.push_state == PushState.FAILED
    assert feed.push_error == "The hub denied the subscription: Too many subscriptions"


# -- A hub that refuses -------------------------------------------------------------------------


@pytest.fixture
def refusing_hub() -> Iterator[dict[str, Any]]:
    """A local server answering every POST with 403 and a plain-text reason."""
    seen: dict[str, Any] = {"posts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            seen["posts"].append(self.rfile.read(length).decode())
            body = b"Subscriptions to this topic are not allowed."
            self.send_response(403)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}/hub"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_hub_that_refuses_is_recorded_and_retried_only_after_a_backoff(
    team, topic, feed_server, refusing_hub
):
    body = rss("Refused", ITEMS, hub=refusing_hub["url"])
    url = feed_server.add("/refused.xml", body)
    actions.do_add_feed(team.member(team.contributor), topic, url)
    assert refusing_hub["posts"] == []  # not asked in the curator's request
    assert websub.renew() == 1
    feed = Feed.objects.get()
    assert feed.push_state == PushState.FAILED
    assert feed.push_error == ("The hub refused the subscription (HTTP 403): "
                               "Subscriptions to this topic are not allowed.")  # fmt: skip
    [form] = refusing_hub["posts"]
    assert "hub.mode=subscribe" in form and "hub.secret=" in form and "hub.lease_seconds=" in form
    first_wait = feed.push_next_at - timezone.now()
    assert timedelta(minutes=4) < first_wait <= timedelta(minutes=6)

    # Neither the sweep nor the next read asks again before then: no tight loop.
    assert websub.renew() == 0
    websub.after_read(feed, feeds.parse(body, url), timezone.now())
    assert len(refusing_hub["posts"]) == 1

    later = feed.push_next_at + timedelta(seconds=1)
    assert websub.renew(later) == 1 and len(refusing_hub["posts"]) == 2
    again = Feed.objects.get()
    assert again.push_state == PushState.FAILED and again.push_failures == 2
    assert again.push_next_at - later > first_wait * 1.5  # the wait doubled


@pytest.mark.parametrize(("header", "expected"), [
    ('<https://hub.example/>; rel="hub", <https://news.example/feed>; rel="self"',
     ("https://hub.example/", "https://news.example/feed")),
    ("</hub>; rel=hub", ("https://news.example/hub", "")),  # relative, unquoted
    ('<https://news.example/feed>; rel="self alternate", <https://a.example/>; rel="HUB"',
     ("https://a.example/", "https://news.example/feed")),
    ('<https://a.example/>; rel="hub", <https://b.example/>; rel="hub"', ("https://a.example/", "")),
    ('<https://news.example/next>; rel="next"', ("", "")),
    ("garbage; rel=hub", ("", "")),
    ("", ("", "")),
])  # fmt: skip
def test_the_link_header_names_the_hub(header, expected):
    assert websub.header_links(header, "https://news.example/feed.xml") == expected


def test_the_link_header_comes_before_the_feeds_own_hub():
    parsed = feeds.parse(rss("Both", ITEMS, hub="https://body.example/hub"),
                         "https://news.example/feed.xml")  # fmt: skip
    assert parsed.hub_url == "https://body.example/hub"
    linked = websub.with_header_links(parsed, '<https://head.example/hub>; rel="hub"',
                                      "https://news.example/feed.xml")  # fmt: skip
    assert linked.hub_url == "https://head.example/hub" and linked.entries == parsed.entries
    assert websub.with_header_links(parsed, "", "https://news.example/feed.xml") is parsed
