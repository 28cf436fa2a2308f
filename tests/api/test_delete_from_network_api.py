"""POST /api/v1/deliveries/{id}/delete: a sent post deleted from its network, through the API.

The network is the Mastodon contract server (tests/mastodon/conftest.py); the webhook channel
talks to the real local receiver. The worker's pass is the real one.
"""

from __future__ import annotations

import pytest

from outlier.publishing import deletions, dispatch
from outlier.publishing.models import Channel, Delivery
from tests.api.client import Api
from tests.mastodon.conftest import FakeMastodon, loopback_allowed, mastodon  # noqa: F401 (the peer)
from tests.networks.conftest import Receiver
from tests.publishing.conftest import make_channel

WORKER = "api-delete-worker"


def run_worker() -> None:
    dispatch.heartbeat(WORKER)
    dispatch.run_due(WORKER, 50)
    deletions.run_due(WORKER, 50)


@pytest.fixture
def server(request) -> FakeMastodon:
    """The Mastodon contract server (the `mastodon` fixture of tests/mastodon)."""
    return request.getfixturevalue("mastodon")


@pytest.fixture
def toot(team, server: FakeMastodon) -> Channel:
    config = server.config()
    return make_channel(team.workspace, network="mastodon", name="Acme on Mastodon",
                        settings={"instance_url": config["instance_url"], "visibility": "public"},
                        credentials={"access_token": config["access_token"]})  # fmt: skip


def sent(api: Api, channel: Channel, text: str = "Rivers are rising") -> dict:
    post = api.post("/posts", {"text": text, "channels": [channel.pk]}).json()
    assert api.post(f"/posts/{post['id']}/schedule", {"when": "now"}).status_code == 200
    run_worker()
    [delivery] = api.get(f"/posts/{post['id']}").json()["deliveries"]
    assert delivery["state"] == "sent", delivery["error"]
    return delivery


def test_delete_answers_202_deleting_then_the_worker_deletes_it(team, toot, server):
    api = Api(team.token(team.editor))
    delivery = sent(api, toot)
    assert delivery["remote_id"] in server.statuses

    answer = api.post(f"/deliveries/{delivery['id']}/delete")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["id"] == delivery["id"] and body["state"] == "deleting"
    assert body["deleted_at"] is None and body["delete_error"] == ""

    run_worker()
    [done] = api.get("/deliveries?state=deleted").json()
    assert done["id"] == delivery["id"] and done["deleted_at"] is not None
    assert done["delete_attempts"] == 1
    assert delivery["remote_id"] not in server.statuses

    again = api.post(f"/deliveries/{delivery['id']}/delete")
    assert again.status_code == 400
    assert again.json()["detail"].startswith("It was already deleted from Mastodon on ")


def test_a_refusal_is_read_back_on_the_delivery(team, toot, server):
    api = Api(team.token(team.editor))
    delivery = sent(api, toot)
    server.answer("DELETE", f"/api/v1/statuses/{delivery['remote_id']}", 422,
                    {"error": "Validation failed: Status is locked"})  # fmt: skip
    assert api.post(f"/deliveries/{delivery['id']}/delete").status_code == 202
    run_worker()
    [back] = api.get(f"/posts/{delivery['post']}").json()["deliveries"]
    assert back["state"] == "sent" and "Status is locked" in back["delete_error"]


def test_bad_requests_are_refused_with_the_reason(team, toot, receiver: Receiver):
    editor = Api(team.token(team.editor))
    delivery = sent(editor, toot)

    contributor = Api(team.token(team.contributor)).post(f"/deliveries/{delivery['id']}/delete")
    assert contributor.status_code == 403 and "editor role" in contributor.json()["detail"]
    read_only = Api(team.token(team.editor, scope="read")).post(
        f"/deliveries/{delivery['id']}/delete"
    )
    assert read_only.status_code == 403
    outsider = Api(team.token(team.outsider)).post(f"/deliveries/{delivery['id']}/delete")
    assert outsider.status_code == 404
    assert editor.post("/deliveries/999999/delete").status_code == 404
    assert Delivery.objects.get(pk=delivery["id"]).state == "sent"

    hook = make_channel(team.workspace, settings={"url": receiver.url},
                        credentials={"secret": receiver.secret})  # fmt: skip
    webhook = editor.post(f"/deliveries/{sent(editor, hook)['id']}/delete")
    assert webhook.status_code == 400
    assert "Webhook channels cannot take back what they sent" in webhook.json()["detail"]

    draft = editor.post("/posts", {"text": "Not yet", "channels": [toot.pk]}).json()
    editor.post(f"/posts/{draft['id']}/schedule",
                {"when": "at", "date": "2031-01-05", "time": "09:00"})  # fmt: skip
    [waiting] = editor.get(f"/posts/{draft['id']}").json()["deliveries"]
    never = editor.post(f"/deliveries/{waiting['id']}/delete")
    assert never.status_code == 400
    assert "this delivery is scheduled" in never.json()["detail"]


def test_the_openapi_document_lists_the_call(team):
    document = Api(team.token(team.viewer)).get("/openapi.json").json()
    operation = document["paths"]["/api/v1/deliveries/{delivery_id}/delete"]["post"]
    assert "202" in operation["responses"]
