"""“Sign in with Mastodon” end to end: the Django views against the fake server."""

from __future__ import annotations

import json
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client

from outlier.publishing.models import Channel
from tests.conftest import Team

from .conftest import TOKEN, FakeMastodon

CALLBACK = "http://testserver/app/acme/channels/mastodon/callback/"


def _connect_url(ws: str = "acme") -> str:
    return f"/app/{ws}/channels/mastodon/connect/"


def _start(client: Client, mastodon: FakeMastodon, **form: str) -> str:
    """Submit the server's address; where Outlier sends the browser (the consent page)."""
    response = client.post(_connect_url(), {"instance_url": mastodon.base, "visibility": "public",
                                            **form})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    location = str(response["Location"])
    assert location.startswith(f"{mastodon.base}/oauth/authorize?")
    return location


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_the_whole_flow_creates_a_channel_with_an_encrypted_token(
    team: Team, mastodon: FakeMastodon
) -> None:
    client = team.client(team.editor)
    assert client.get(_connect_url()).status_code == 200

    consent = _start(client, mastodon, visibility="unlisted")
    query = _query(consent)
    # While the person is on the server's consent page, the app's secret and the PKCE
    # verifier wait in the session, sealed: sessions are signed, not encrypted.
    stored = json.dumps(dict(client.session))
    assert "client-1" not in stored and "code_verifier" not in stored
    assert mastodon.apps and all(
        app["client_secret"] not in stored for app in mastodon.apps.values()
    )

    [registered] = mastodon.requests_to("POST", "/api/v1/apps")
    assert registered.one("client_name") == "Outlier"
    assert registered.one("redirect_uris") == CALLBACK
    assert registered.one("scopes") == "read write"
    assert query["response_type"] == "code" and query["client_id"] == "client-1"
    assert query["redirect_uri"] == CALLBACK and query["scope"] == "read write"
    assert query["code_challenge_method"] == "S256" and len(query["state"]) >= 32

    code = mastodon.approve(consent)
    response = client.get(CALLBACK, {"code": code, "state": query["state"]})

    channel = Channel.objects.get(workspace=team.workspace, network="mastodon")
    assert response.status_code == 302
    assert response["Location"] == f"/app/acme/channels/{channel.pk}/"
    assert channel.name == "@acme@social.example"
    assert channel.settings == {"instance_url": mastodon.base, "visibility": "unlisted"}
    assert channel.credentials["access_token"] == TOKEN
    assert channel.credentials["client_id"] == "client-1"
    assert channel.credentials["account"]["id"] == "109348751"
    assert channel.credentials["instance"]["max_characters"] == 500
    [exchanged] = mastodon.requests_to("POST", "/oauth/token")
    assert exchanged.one("grant_type") == "authorization_code"
    assert exchanged.one("redirect_uri") == CALLBACK and exchanged.one("code_verifier")
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM publishing_channel WHERE id = %s", [channel.pk])
        [raw] = cursor.fetchone()
    assert TOKEN not in str(raw) and "client-1" not in str(raw)

    # The state works once: replaying the callback does nothing.
    again = client.get(CALLBACK, {"code": code, "state": query["state"]})
    assert again.status_code == 400
    assert Channel.objects.filter(network="mastodon").count() == 1


def test_a_wrong_state_is_refused(team: Team, mastodon: FakeMastodon) -> None:
    client = team.client(team.editor)
    consent = _start(client, mastodon)
    query, code = _query(consent), mastodon.approve(consent)

    response = client.get(CALLBACK, {"code": code, "state": "forged-" + query["state"][7:]})

    assert response.status_code == 400
    assert "This sign-in is not valid" in response.content.decode()
    assert not Channel.objects.filter(network="mastodon").exists()
    assert mastodon.requests_to("POST", "/oauth/token") == []


def test_a_state_from_another_persons_session_is_refused(
    team: Team, mastodon: FakeMastodon
) -> None:
    query = _query(_start(team.client(team.editor), mastodon))
    response = team.client(team.owner).get(CALLBACK, {"code": "x", "state": query["state"]})
    assert response.status_code == 400
    assert not Channel.objects.filter(network="mastodon").exists()


def test_a_denied_authorization_says_so(team: Team, mastodon: FakeMastodon) -> None:
    client = team.client(team.editor)
    query = _query(_start(client, mastodon))

    response = client.get(CALLBACK, {"error": "access_denied", "state": query["state"],
                                     "error_description": "The resource owner denied it."})  # fmt: skip

    assert response.status_code == 200
    page = response.content.decode()
    assert "The authorization was denied on 127.0.0.1:" in page
    assert "no channel was connected" in page
    assert not Channel.objects.filter(network="mastodon").exists()


def test_a_bad_code_says_so(team: Team, mastodon: FakeMastodon) -> None:
    client = team.client(team.editor)
    query = _query(_start(client, mastodon))

    response = client.get(CALLBACK, {"code": "made-up", "state": query["state"]})

    assert response.status_code == 400
    assert "did not accept the authorization" in response.content.decode()
    assert not Channel.objects.filter(network="mastodon").exists()


def test_an_unreachable_server_is_reported_on_the_form(team: Team, mastodon: FakeMastodon) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        response = team.client(team.editor).post(
            _connect_url(), {"instance_url": f"http://127.0.0.1:{port}", "visibility": "public"}
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Cannot reach the Mastodon server 127.0.0.1:{port}" in page
    assert "connection refused" in page.lower()


def test_a_server_refusing_the_registration(team: Team, mastodon: FakeMastodon) -> None:
    mastodon.answer("POST", "/api/v1/apps", 422,
                    {"error": "Validation failed: Redirect URI must be an absolute URI."})  # fmt: skip
    response = team.client(team.editor).post(
        _connect_url(), {"instance_url": mastodon.base, "visibility": "public"}
    )
    assert response.status_code == 200
    assert "refused to register Outlier" in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("contributor", 403),
                                             ("outsider", 404)])  # fmt: skip
def test_only_editors_connect(team: Team, mastodon: FakeMastodon, who: str, status: int) -> None:
    client = team.client(getattr(team, who))
    assert client.get(_connect_url()).status_code == status
    assert client.post(_connect_url(), {"instance_url": mastodon.base}).status_code == status
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == status
    assert mastodon.seen == []


def test_signed_out_people_are_sent_to_log_in(mastodon: FakeMastodon, team: Team) -> None:
    response = Client().get(_connect_url())
    assert response.status_code == 302 and "login" in response["Location"]
