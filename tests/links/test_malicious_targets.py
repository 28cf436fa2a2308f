"""Targets that could run script, hide where they lead or split headers are refused when a link
is made, and never redirected to even when the database holds one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from outlier.links.models import TrackedLink
from outlier.links.redirect import LinkRedirects

from .conftest import follow, make_link

pytestmark = pytest.mark.django_db

MALICIOUS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://files.example/x",
    "mailto:someone@example.org",
    "//evil.example/path",
    "///evil.example",
    "https:/evil.example",
    "https:evil.example",
    "https://good.example@evil.example/",
    "https://good.example:pass@evil.example/",
    "https://@evil.example/",
    "https:\\\\evil.example",
    "https://good.example\\@evil.example/",
    "https://evil.example\\.good.example/",
    "https://good.example/\r\nSet-Cookie: a=b",
    "https://good.example/\x00",
    "https://good.example/a b",
    "https://good.example/\u2028",
    "https://good.example:99999/",
    "https://evil%2eexample/",
    "https:///no-host",
    "http://",
    "",
    "https://testserver/l/abcdefg",  # one of our own links: would loop
]


@pytest.mark.parametrize("target", MALICIOUS)
def test_refused_when_a_link_is_made(workspace, target):
    with pytest.raises(ValidationError) as caught:
        make_link(workspace, target)
    assert "target" in caught.value.message_dict
    assert TrackedLink.objects.count() == 0


@pytest.mark.parametrize("target", MALICIOUS)
def test_never_redirected_to_when_the_database_holds_one(workspace, target):
    if "\x00" in target and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL cannot hold a NUL in text")
    link = make_link(workspace, "https://good.example/")
    TrackedLink.objects.filter(pk=link.pk).update(target=target)  # behind Outlier's back

    response = follow(link.code)

    assert response.status_code == 404
    assert "Location" not in response.headers
    assert b"cannot be followed" in response.content


def test_the_lean_wsgi_path_refuses_them_too(workspace):
    link = make_link(workspace, "https://good.example/")
    TrackedLink.objects.filter(pk=link.pk).update(target="javascript:alert(1)")
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    app = LinkRedirects(lambda environ, start: [])

    body = app({"REQUEST_METHOD": "GET", "PATH_INFO": f"/l/{link.code}"},
               lambda status, headers: seen.append((status, headers)))  # fmt: skip

    [(status, headers)] = seen
    assert status.startswith("404") and b"".join(body)
    assert "Location" not in dict(headers)


def test_a_clean_target_is_normalised_not_refused(workspace):
    link = make_link(workspace, "HTTPS://Bücher.example/straße?q=ä#Teil")
    assert link.original == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4#Teil"
    response = follow(link.code)
    assert response.status_code == 302
    assert response["Location"].startswith("https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4&")
