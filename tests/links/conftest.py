"""Tracked links: a workspace, a link factory, following a link like a browser, and a clean
click buffer and link cache around every test (clicks are written when a test says so)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from outlier.core.models import Workspace
from outlier.links import visitors
from outlier.links.actions import do_create_link
from outlier.links.clicks import buffer
from outlier.links.models import TrackedLink
from outlier.links.redirect import resolver
from tests.networks.conftest import loopback_allowed, receiver  # noqa: F401 (shared peers)

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture(autouse=True)
def _clean_links_state(settings: Any) -> Iterator[None]:
    settings.CLICK_FLUSH_MS = 0  # no writer thread: each test flushes when it means to
    buffer.clear()
    resolver.forget()
    visitors.forget_cached_salts()
    yield
    buffer.clear()
    resolver.forget()
    visitors.forget_cached_salts()


@pytest.fixture
def workspace(db: None) -> Workspace:
    return Workspace.objects.create(name="Acme", slug="acme")


def make_link(
    workspace: Workspace, target: str = "https://shop.example/p/1", **kw: Any
) -> TrackedLink:
    return do_create_link(workspace, target, **kw)


def follow(code: str, agent: str = FIREFOX, referrer: str = "", address: str = "203.0.113.7",
           method: str = "get") -> Any:  # fmt: skip
    """Visit /l/<code> with Django's test client (the same answer as the lean WSGI path)."""
    headers: dict[str, str] = {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address}
    if referrer:
        headers["HTTP_REFERER"] = referrer
    return getattr(Client(), method)(f"/l/{code}", **headers)
