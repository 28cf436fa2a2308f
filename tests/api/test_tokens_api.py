"""API tokens: created with e-mail and password, shown once, scoped, revocable."""

from __future__ import annotations

import pytest
from django.test import Client

from outlier.core.actions import do_revoke_token
from outlier.core.models import ApiToken
from tests.conftest import PASSWORD


def post_token(client: Client, **body):
    return client.post("/api/v1/tokens", body, content_type="application/json")


def test_a_token_is_created_with_email_and_password_and_shown_once(team):
    client = Client()
    response = post_token(
        client, email="editor@acme.test", password=PASSWORD, name="cli", scope="write"
    )
    assert response.status_code == 201
    raw = response.json()["token"]
    assert response.json()["workspace"] == "acme"
    stored = ApiToken.objects.get(name="cli")
    assert raw not in (stored.token_hash, stored.prefix)
    assert stored.prefix == raw[:12]
    topics = client.get("/api/v1/topics", headers={"Authorization": f"Bearer {raw}"})
    assert topics.status_code == 200


def test_a_wrong_password_is_refused_and_attempts_are_limited(team, settings):
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        response = post_token(client, email="editor@acme.test", password="wrong")
        assert response.status_code == 403
        assert "wrong" in response.json()["detail"]
    locked = post_token(client, email="editor@acme.test", password=PASSWORD)
    assert locked.status_code == 403
    assert "Too many" in locked.json()["detail"]


@pytest.mark.parametrize("body", [{"email": "editor@acme.test"}, {"password": "x"}, {}])
def test_a_token_request_missing_fields_gets_422(team, body):
    assert post_token(Client(), **body).status_code == 422


def test_a_workspace_the_user_is_not_in_is_refused(team):
    response = post_token(Client(), email="editor@acme.test", password=PASSWORD, workspace="rival")
    assert response.status_code == 400
    assert "not a member" in response.json()["detail"]


def test_requests_without_a_valid_token_get_401(team):
    client = Client()
    assert client.get("/api/v1/topics").status_code == 401
    bad = client.get("/api/v1/topics", headers={"Authorization": "Bearer olr_nope"})
    assert bad.status_code == 401
    assert "token" in bad.json()["detail"]


def test_a_revoked_token_stops_working(team):
    raw = team.token(team.editor)
    do_revoke_token(ApiToken.objects.get(user=team.editor))
    response = Client().get("/api/v1/topics", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_a_read_token_cannot_write(team):
    raw = team.token(team.editor, scope="read")
    response = Client().post(
        "/api/v1/topics", {"name": "Oceans"}, content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )  # fmt: skip
    assert response.status_code == 403
    assert "write" in response.json()["detail"]


def test_the_openapi_document_is_served(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/scoops" in paths and "/api/v1/topics/{slug}" in paths
    assert "/api/v1/moderation/queue" in paths and "/api/v1/moderation/decisions" in paths
