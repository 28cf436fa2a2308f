"""Fixtures for federation: Outlier served on 127.0.0.1 and a real Fedify peer beside it.

`outlier` serves this test's database over HTTP on a real socket (Django's threaded WSGI
server, started once per session) and points settings.BASE_URL at it, so every actor and
object id is reachable by the peer; the safe HTTP client may then reach 127.0.0.1. `peer` is
the Fedify peer (tests/peers/fedify.py), started once per session and reset for each test.
`inboxes` is a plain local HTTP server, for the few inbox behaviours the peer cannot show
(an inbox that redirects).
"""

from __future__ import annotations

import io
import ipaddress
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from outlier.curation.models import Scoop, Topic
from outlier.federation import dispatch
from outlier.federation.addresses import actor_uri, object_uri
from outlier.federation.models import Follower
from outlier.inbox import pulls
from outlier.inbox.models import Interaction as InboxItem
from outlier.publishing import actions as publishing_actions
from outlier.publishing import dispatch as publishing_dispatch
from outlier.publishing import images as publishing_images
from outlier.publishing.models import Channel, Post
from tests.conftest import Team, make_scoop, make_topic
from tests.peers import fedify


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def outlier_server() -> Iterator[str]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, name="outlier-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def outlier(transactional_db: None, settings: Any, outlier_server: str) -> str:
    """Outlier's public base URL for this test (its rows are committed, so the server sees them)."""
    settings.BASE_URL = outlier_server
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    return outlier_server


@pytest.fixture(scope="session")
def fedify_session() -> Iterator[fedify.FedifyPeer]:
    peer = fedify.start()
    yield peer
    peer.stop()


@pytest.fixture
def peer(fedify_session: fedify.FedifyPeer, outlier: str) -> fedify.FedifyPeer:
    if not fedify_session.alive():
        raise fedify.PeerError(f"The Fedify peer died:\n{fedify_session.log_tail()}")
    fedify_session.reset()
    return fedify_session


@dataclass
class Federated:
    """A public topic with its actor URI, and helpers to drive the sweep and the sender."""

    topic: Topic
    actor: str

    def scoop(self, **overrides: Any) -> Scoop:
        values: dict[str, Any] = {
            "image_url": "https://news.example.org/images/river.jpg",
            "insight": "Worth **reading**.",
            "insight_html": "<p>Worth <strong>reading</strong>.</p>",
        }
        values.update(overrides)
        return make_scoop(self.topic, **values)

    def object(self, scoop: Scoop) -> str:
        return object_uri(scoop.pk)

    def followers(self) -> list[Follower]:
        return list(Follower.objects.filter(topic=self.topic).select_related("actor"))

    @staticmethod
    def deliver(rounds: int = 3) -> int:
        """Sweep, then send everything due (a few rounds, as the worker loop would)."""
        sent = 0
        dispatch.sweep()
        for _ in range(rounds):
            done = dispatch.run_due("test-worker", 50)
            sent += done
            if not done:
                break
        return sent


@pytest.fixture
def federated(outlier: str, team: Team) -> Federated:
    topic = make_topic(team.workspace, name="Rivers", slug="rivers", description="Water news.")
    return Federated(topic=topic, actor=actor_uri(topic.pk))


@pytest.fixture
def following(federated: Federated, peer: fedify.FedifyPeer) -> Federated:
    """The topic, followed by the peer's alice (Accept delivered)."""
    follow_id = peer.follow("alice", federated.actor)
    Federated.deliver()
    peer.wait_for(
        lambda s: any(e["type"] == "Accept" and e["recipient"] == "alice" for e in s["events"]),
        what=f"the Accept of {follow_id}",
    )
    peer.reset()
    return federated


class LocalInboxes:
    """POST /moved answers with a redirect to /elsewhere (which answers GET 200); POST /inbox
    answers 202. Every request is noted as (method, path)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.status = 302
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        inboxes = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                inboxes.requests.append((self.command, self.path))
                if self.command == "POST" and self.path == "/moved":
                    self.send_response(inboxes.status)
                    self.send_header("Location", f"{inboxes.base}/elsewhere")
                else:
                    self.send_response(202 if self.command == "POST" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def inboxes(settings: Any) -> Iterator[LocalInboxes]:
    """A plain local HTTP server standing in for inboxes where the peer cannot do the job."""
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    server = LocalInboxes()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


# --- a topic's fediverse channel (outlier.federation.channel) ------------------------------

POST_WORKER = "test-post-worker"


def png(width: int = 40, height: int = 30, colour: str = "teal") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def fediverse_channel(
    team: Team, topic: str = "rivers", name: str = "Rivers, fediverse"
) -> Channel:
    """Connected the way the channel form and the API do it (the topic is checked)."""
    return publishing_actions.do_create_channel(
        team.member(team.editor), "fediverse", name, {"topic": topic}, {}
    )


def post_now(
    team: Team,
    channel: Channel,
    text: str,
    link: str = "",
    images: tuple[tuple[bytes, str], ...] = (),
) -> Post:
    """Compose a post on `channel` and schedule it for now, as an editor would."""
    member = team.member(team.editor)
    post = publishing_actions.do_save_post(member, text=text, link=link, channels=[channel])
    for number, (data, alt) in enumerate(images, 1):
        upload = SimpleUploadedFile(f"picture-{number}.png", data, content_type="image/png")
        publishing_images.do_add_image(member, post, upload, alt=alt)
    post, _ = publishing_actions.do_schedule_post(member, post, when="now")
    return post


def send_posts() -> int:
    """One pass of the publishing worker: due deliveries go to their channel's adapter."""
    publishing_dispatch.heartbeat(POST_WORKER)
    return publishing_dispatch.run_due(POST_WORKER, 50)


# --- the inbox app reading a topic's fediverse channel --------------------------------------


def inbox_items(channel: Channel) -> list[InboxItem]:
    """What the inbox app holds from `channel`, after reading it now (as its worker does)."""
    pulls.read_now(channel)
    return list(InboxItem.objects.filter(channel=channel).order_by("received_at", "pk"))


def handle_of(peer: fedify.FedifyPeer, who: str) -> str:
    """How the inbox writes a peer actor: "@alice@127.0.0.1:<port>"."""
    return f"@{who}@127.0.0.1:{peer.port}"
