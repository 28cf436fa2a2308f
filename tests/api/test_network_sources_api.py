"""Network sources through the REST API, against the recorded Mastodon API: following an
account (201 with the source, its channel and handle, due at once), keywords also searched on
a channel, refusals as 400s on the field (an unknown account, another workspace's channel, a
channel that cannot search), roles and scopes, and the operations in the OpenAPI document."""

from __future__ import annotations

from django.test import Client

from outlier.publishing.models import Channel
from outlier.sources.models import Source
from tests.api.client import Api
from tests.mastodon.conftest import FakeMastodon, mastodon  # noqa: F401 (the recorded API)
from tests.publishing.conftest import make_channel


def channel_on(workspace, fake: FakeMastodon) -> Channel:
    return make_channel(workspace, network="mastodon", name="Masto",
                        settings={"instance_url": fake.base},
                        credentials={"access_token": fake.token})  # fmt: skip


def test_an_account_and_searched_keywords_are_added(team, topic, mastodon):  # noqa: F811
    masto = channel_on(team.workspace, mastodon)
    api = Api(team.token(team.contributor))

    made = api.post("/topics/climate/sources/accounts",
                    {"channel": masto.pk, "account": "@erin@other.example"})  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["kind"] == "account" and body["account"] == "@erin@other.example"
    assert body["channel"] == masto.pk and body["name"] == "@erin@other.example on Mastodon"
    assert body["health"]["state"] == "waiting" and body["health"]["next_at"]

    words = api.post("/topics/climate/sources/keywords",
                     {"keywords": ["#rivers", "floods"], "channel": masto.pk})  # fmt: skip
    assert words.status_code == 201, words.content
    assert words.json()["channel"] == masto.pk and words.json()["keywords"] == ["rivers", "floods"]
    plain = api.post("/topics/climate/sources/keywords", {"keywords": ["solar"]})
    assert plain.status_code == 201 and plain.json()["channel"] is None
    listed = Api(team.token(team.viewer, "read")).get("/topics/climate/sources").json()
    assert {s["kind"] for s in listed} == {"account", "keywords"}


def test_refusals_are_400s_on_the_field(team, topic, mastodon):  # noqa: F811
    masto = channel_on(team.workspace, mastodon)
    theirs = channel_on(team.other_workspace, mastodon)
    hook = make_channel(team.workspace)
    api = Api(team.token(team.contributor))

    unknown = api.post("/topics/climate/sources/accounts",
                       {"channel": masto.pk, "account": "@nobody@nowhere.example"})  # fmt: skip
    assert unknown.status_code == 400 and "account" in unknown.json()["errors"]
    assert "knows no account" in unknown.json()["detail"]
    for path, payload in (("/topics/climate/sources/accounts",
                           {"channel": theirs.pk, "account": "@erin@other.example"}),
                          ("/topics/climate/sources/keywords",
                           {"keywords": ["x"], "channel": theirs.pk}),
                          ("/topics/climate/sources/keywords",
                           {"keywords": ["x"], "channel": hook.pk})):  # fmt: skip
        answer = api.post(path, payload)
        assert answer.status_code == 400 and "channel" in answer.json()["errors"], payload
    assert not Source.objects.exists()


def test_roles_and_scopes(team, topic, mastodon):  # noqa: F811
    masto = channel_on(team.workspace, mastodon)
    payload = {"channel": masto.pk, "account": "@erin@other.example"}
    assert Api(team.token(team.viewer)).post("/topics/climate/sources/accounts",
                                             payload).status_code == 403  # fmt: skip
    assert Api(team.token(team.contributor, "read")).post("/topics/climate/sources/accounts",
                                                          payload).status_code == 403  # fmt: skip
    assert Api(team.token(team.outsider)).post("/topics/climate/sources/accounts",
                                               payload).status_code == 404  # fmt: skip
    assert not Source.objects.exists()


def test_the_operations_are_in_the_openapi_document(team):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    account = paths["/api/v1/topics/{slug}/sources/accounts"]["post"]
    assert "201" in account["responses"] and account["tags"] == ["sources"]
    document = Client().get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert {"channel", "account"} <= set(schemas["AccountIn"]["properties"])
    assert "channel" in schemas["KeywordsIn"]["properties"]
    assert {"channel", "account"} <= set(schemas["SourceOut"]["properties"])
