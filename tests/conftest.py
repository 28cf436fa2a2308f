"""Shared fixtures: personas (owner, editor, contributor, viewer, outsider) and factories."""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outlier.core.actions import do_create_token
from outlier.core.models import Membership, Role, User, Workspace
from outlier.curation.models import Scoop, ScoopState, Topic
from outlier.links.clicks import buffer as click_buffer

CORPUS = Path(
    os.environ.get("OUTLIER_TEST_CORPUS", Path(__file__).parents[2] / "shared" / "corpus")
)
PASSWORD = "correct horse battery staple"


def make_user(email: str, **extra: Any) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, **extra)


def make_member(workspace: Workspace, email: str, role: str) -> User:
    user = make_user(email)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


def make_topic(workspace: Workspace, **overrides: Any) -> Topic:
    values: dict[str, Any] = {"name": "Climate", "slug": "climate", "is_public": True}
    values.update(overrides)
    return Topic.objects.create(workspace=workspace, **values)


def make_scoop(topic: Topic, **overrides: Any) -> Scoop:
    n = Scoop.objects.count() + 1
    values: dict[str, Any] = {
        "url": f"https://news.example.org/article-{n}",
        "url_key": f"//news.example.org/article-{n}",
        "state": ScoopState.PUBLISHED,
        "title": f"Article {n}",
        "excerpt": "An excerpt.",
        "site_name": "Example News",
        "published_at": timezone.now(),
    }
    values.update(overrides)
    return Scoop.objects.create(topic=topic, **values)


@dataclass
class Team:
    workspace: Workspace
    owner: User
    editor: User
    contributor: User
    viewer: User
    outsider: User
    other_workspace: Workspace

    def member(self, user: User) -> Membership:
        return Membership.objects.select_related("workspace", "user").get(
            user=user, workspace=self.workspace
        )

    def client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def token(self, user: User, scope: str = "write") -> str:
        workspace = self.workspace if user != self.outsider else self.other_workspace
        return do_create_token(user, workspace, f"test-{scope}", scope)[1]


@pytest.fixture
def team(db: None) -> Team:
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    other = Workspace.objects.create(name="Rival", slug="rival")
    team = Team(
        workspace=workspace,
        owner=make_member(workspace, "owner@acme.test", Role.OWNER),
        editor=make_member(workspace, "editor@acme.test", Role.EDITOR),
        contributor=make_member(workspace, "contributor@acme.test", Role.CONTRIBUTOR),
        viewer=make_member(workspace, "viewer@acme.test", Role.VIEWER),
        outsider=make_member(other, "outsider@rival.test", Role.OWNER),
        other_workspace=other,
    )
    return team


@pytest.fixture
def topic(team: Team) -> Topic:
    return make_topic(team.workspace)


@dataclass
class PageServer:
    """A real local HTTP server serving pages the tests register."""

    base: str
    pages: dict[str, tuple[int, str, bytes, dict[str, str]]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
            status: int = 200) -> str:  # fmt: skip
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = (status, content_type, data, {})
        return self.base + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.pages[path] = (status, "text/html", b"", {"Location": location})
        return self.base + path

    def add_corpus_page(self, name: str) -> str:
        return self.add(f"/corpus/{name}", (CORPUS / "pages" / name).read_bytes())


@pytest.fixture
def page_server(settings: Any) -> Iterator[PageServer]:
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    holder: dict[str, PageServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            server = holder["server"]
            server.hits.append(self.path)
            # An exact match first, else the page without its query (tracking parameters).
            found = server.pages.get(self.path) or server.pages.get(self.path.split("?", 1)[0])
            status, content_type, body, headers = found or (404, "text/plain", b"not found", {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["server"] = PageServer(base=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield holder["server"]
    httpd.shutdown()
    httpd.server_close()


ARTICLE_HTML = """<!doctype html><html lang="en"><head>
<title>Rivers are rising | The Daily Planet</title>
<meta property="og:title" content="Rivers are rising">
<meta property="og:description" content="Scientists measured the fastest rise in a century, and the towns along the banks are changing how they build.">
<meta property="og:image" content="/img/river.jpg">
<meta property="og:site_name" content="The Daily Planet">
<meta name="author" content="Lois Lane">
<meta property="article:published_time" content="2026-11-02T08:30:00+00:00">
<link rel="canonical" href="https://planet.example/rivers-rising">
</head><body><article><h1>Rivers are rising</h1>
<p>Scientists measured the fastest rise in a century, and the towns along the banks are changing how they build. The report covers forty years of data from twelve gauges.</p>
<p>Second paragraph with more words so that the extractor finds a real article body here.</p>
</article></body></html>"""


@pytest.fixture
def article_url(page_server: PageServer) -> str:
    return page_server.add("/rivers", ARTICLE_HTML)


@pytest.fixture(autouse=True)
def _fresh_click_buffer() -> Iterator[None]:
    """Each test starts with a click buffer that has not started its writer yet, so a test's
    own CLICK_FLUSH_MS decides whether its clicks are written by the thread."""
    yield
    click_buffer.reset()
