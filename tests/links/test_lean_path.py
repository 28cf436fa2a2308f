"""`outlier.wsgi.application` answers `/l/<code>` before Django's stack (no session, CSRF or
auth work, no cookies) and hands every other path to Django."""

from __future__ import annotations

import io
from typing import Any

import pytest

from outlier.links.clicks import buffer
from outlier.links.models import Click
from outlier.wsgi import application

from .conftest import FIREFOX, make_link

pytestmark = pytest.mark.django_db


def call(path: str, method: str = "GET") -> tuple[str, dict[str, str], bytes]:
    seen: list[Any] = []
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(),
        "HTTP_USER_AGENT": FIREFOX, "REMOTE_ADDR": "203.0.113.7",
    }  # fmt: skip
    body = b"".join(application(environ, lambda status, headers: seen.append((status, headers))))
    status, headers = seen[0]
    return status, dict(headers), body


def test_a_redirect_without_django_s_stack(workspace, monkeypatch):
    link = make_link(workspace, "https://shop.example/x")

    def no_django(*args: object) -> None:
        raise AssertionError("Django's handler ran for /l/")

    monkeypatch.setattr(application, "app", no_django)
    status, headers, body = call(f"/l/{link.code}")
    assert status == "302 Found" and body == b""
    assert headers["Location"].startswith("https://shop.example/x?olr_click=")
    assert headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in headers and "Vary" not in headers
    assert buffer.flush() == 1 and Click.objects.count() == 1


def test_other_paths_go_to_django(workspace):
    status, headers, _ = call("/robots.txt")
    assert status.startswith("200") and headers["Content-Type"].startswith("text/plain")


def test_head_gets_the_redirect_without_a_body(workspace):
    link = make_link(workspace)
    status, headers, body = call(f"/l/{link.code}/", method="HEAD")
    assert status == "302 Found" and body == b"" and "Location" in headers
