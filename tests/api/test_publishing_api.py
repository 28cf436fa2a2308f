"""Channels, posts, deliveries, the calendar and CSV import through the REST API, end to end.

Bearer tokens as a client would use them; the webhook channel talks to a real local receiver
and deliveries go through the real dispatcher.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from outlier.networks import registry
from outlier.publishing import dispatch
from outlier.publishing.models import Channel, Delivery, Post
from tests.api.client import Api
from tests.networks.conftest import Receiver
from tests.publishing.conftest import make_channel

WORKER = "api-test-worker"


def run_worker() -> int:
    dispatch.heartbeat(WORKER)
    return dispatch.run_due(WORKER, 50)


@pytest.fixture
def hook(team, receiver: Receiver) -> Channel:
    return make_channel(team.workspace, settings={"url": receiver.url},
                        credentials={"secret": receiver.secret})  # fmt: skip


def new_post(api: Api, channel: Channel, text: str = "Rivers are rising") -> dict:
    response = api.post("/posts", {"text": text, "link": "https://example.org/rivers",
                                   "channels": [channel.pk]})  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()


# --- channels -------------------------------------------------------------------------------------


def test_channel_lifecycle_create_read_patch_test_delete(team, receiver):
    api = Api(team.token(team.editor))
    created = api.post("/channels", {
        "network": "webhook", "name": "Site hook", "settings": {"url": receiver.url},
        "credentials": {"secret": receiver.secret}, "timezone": "Europe/Paris",
        "queue_times": [{"days": [0, 1, 2, 3, 4], "time": "09:00"}]})  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "ok" and body["settings"] == {"url": receiver.url}
    assert receiver.secret not in created.content.decode()  # credentials are never sent back
    channel_id = body["id"]
    assert Channel.objects.get(pk=channel_id).credentials == {"secret": receiver.secret}

    assert api.get(f"/channels/{channel_id}").json()["name"] == "Site hook"
    assert [c["id"] for c in api.get("/channels").json()] == [channel_id]
    renamed = api.patch(f"/channels/{channel_id}", {"name": "Blog hook", "timezone": "UTC"})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["timezone"]) == ("Blog hook", "UTC")

    tested = api.post(f"/channels/{channel_id}/test")
    assert tested.json() == {"ok": True, "message": "The channel works.", "status": "ok"}
    [ping] = receiver.requests
    assert ping.json()["type"] == "ping" and ping.signature_ok

    assert api.delete(f"/channels/{channel_id}").status_code == 204
    assert api.get(f"/channels/{channel_id}").status_code == 404
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"settings": {"url": "ftp://hooks.example.org/in"}}, "url"),
        ({"settings": {"url": "https://hooks.example.org/in"}, "credentials": {}}, "secret"),
        ({"name": "  "}, "name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"queue_times": [{"days": [9], "time": "09:00"}]}, "queue_times"),
        ({"network": "myspace"}, "network"),
    ],
)
def test_bad_channel_input_is_a_400_naming_the_field(team, payload, field):
    values = {"network": "webhook", "name": "Hook",
              "settings": {"url": "https://hooks.example.org/in"},
              "credentials": {"secret": "s3cret"}}  # fmt: skip
    values.update(payload)
    response = Api(team.token(team.owner)).post("/channels", values)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field]
    assert not Channel.objects.exists()


def test_new_credentials_reconnect_a_channel_that_needed_it(team, hook, receiver):
    api = Api(team.token(team.editor))
    receiver.answer(401, "bad signature")
    failed = api.post(f"/channels/{hook.pk}/test").json()
    assert failed["ok"] is False and failed["status"] == "needs_reconnect"
    assert "401" in failed["message"]
    read = api.get(f"/channels/{hook.pk}").json()
    assert read["status"] == "needs_reconnect" and "401" in read["status_detail"]

    patched = api.patch(f"/channels/{hook.pk}", {"credentials": {"secret": receiver.secret}})
    assert patched.json()["status"] == "ok" and patched.json()["status_detail"] == ""
    assert api.post(f"/channels/{hook.pk}/test").json()["ok"] is True
    bad = api.patch(f"/channels/{hook.pk}", {"settings": {"url": "javascript:alert(1)"}})
    assert bad.status_code == 400 and bad.json()["errors"]["url"]
    hook.refresh_from_db()
    assert hook.settings == {"url": receiver.url}


# --- posts --------------------------------------------------------------------------------------


def test_create_validate_and_schedule_in_a_dst_gap(team, hook, monkeypatch):
    api = Api(team.token(team.editor))
    post = new_post(api, hook)
    assert post["status"] == "draft" and post["channels"] == [hook.pk]
    assert api.post(f"/posts/{post['id']}/validate").json() == []

    # The webhook takes 100,000 characters; a small limit makes "too long" reachable.
    small = dataclasses.replace(registry.RULES["webhook"], max_length=10)
    monkeypatch.setitem(registry.RULES, "webhook", small)
    assert api.post(f"/posts/{post['id']}/validate").json() == [
        {"channel": "Hook", "field": "text",
         "message": "Webhook allows 10 characters; this text has 17."},
    ]  # fmt: skip
    refused = api.post(f"/posts/{post['id']}/schedule", {"when": "now"})
    assert refused.status_code == 400 and "10 characters" in refused.json()["detail"]
    monkeypatch.undo()

    scheduled = api.post(f"/posts/{post['id']}/schedule", {
        "when": "at", "date": "2030-03-31", "time": "02:30", "timezone": "Europe/Paris"})  # fmt: skip
    assert scheduled.status_code == 200, scheduled.content
    body = scheduled.json()
    assert body["status"] == "scheduled" and body["timezone"] == "Europe/Paris"
    assert body["scheduled_at"] == "2030-03-31T01:00:00Z"
    assert "does not exist" in body["note"] and "moved to 03:00" in body["note"]
    [delivery] = body["deliveries"]
    assert delivery["state"] == "scheduled" and delivery["due_at"] == "2030-03-31T01:00:00Z"

    past = api.post(f"/posts/{new_post(api, hook)['id']}/schedule",
                    {"date": "2020-01-01", "time": "09:00"})  # fmt: skip
    assert past.status_code == 400 and "passed" in past.json()["detail"]


def test_queue_and_cancel(team, hook):
    api = Api(team.token(team.editor))
    first = api.post(f"/posts/{new_post(api, hook)['id']}/queue").json()
    second = api.post(f"/posts/{new_post(api, hook, 'Second')['id']}/queue").json()
    assert first["status"] == second["status"] == "scheduled"
    assert first["scheduled_at"] < second["scheduled_at"]

    cancelled = api.post(f"/posts/{first['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert [d["state"] for d in cancelled["deliveries"]] == ["cancelled"]
    listed = {p["id"]: p["status"] for p in api.get("/posts?status=cancelled").json()}
    assert listed == {first["id"]: "cancelled"}


def test_a_contributors_post_needs_approval_and_can_be_sent_back(team, hook):
    contributor = Api(team.token(team.contributor))
    editor = Api(team.token(team.editor))
    post = new_post(contributor, hook)
    waiting = contributor.post(f"/posts/{post['id']}/schedule",
                               {"date": "2030-06-12", "time": "09:00", "timezone": "UTC"}).json()  # fmt: skip
    assert waiting["status"] == "awaiting_approval" and waiting["deliveries"] == []
    assert contributor.post(f"/posts/{post['id']}/approve").status_code == 403
    no_comment = editor.post(f"/posts/{post['id']}/reject", {"comment": " "})
    assert no_comment.status_code == 400 and no_comment.json()["errors"]["comment"]
    rejected = editor.post(f"/posts/{post['id']}/reject", {"comment": "Shorter, please"}).json()
    assert rejected["status"] == "rejected" and rejected["review_comment"] == "Shorter, please"

    other = new_post(contributor, hook, "Take two")
    contributor.post(f"/posts/{other['id']}/schedule",
                     {"date": "2030-06-12", "time": "10:00", "timezone": "UTC"})  # fmt: skip
    approved = editor.post(f"/posts/{other['id']}/approve").json()
    assert approved["status"] == "scheduled"
    assert [d["state"] for d in approved["deliveries"]] == ["scheduled"]
    # A contributor cannot change an editor's post.
    theirs = new_post(editor, hook, "The editor's")
    assert contributor.patch(f"/posts/{theirs['id']}", {"text": "Mine"}).status_code == 403
    assert Post.objects.get(pk=theirs["id"]).text == "The editor's"


# --- deliveries, after a real worker pass -------------------------------------------------------


def test_deliveries_show_states_and_errors_after_a_worker_pass(team, hook, receiver):
    api = Api(team.token(team.editor))
    receiver.answer(500, "oops")  # then the receiver's default: 200 with an id
    post = new_post(api, hook)
    api.post(f"/posts/{post['id']}/schedule", {"when": "now"})
    assert run_worker() == 1

    [retrying] = api.get("/deliveries").json()
    assert retrying["state"] == "retrying" and retrying["attempts"] == 1
    assert "500" in retrying["error"] and retrying["error_kind"] == "transient"
    assert api.get("/deliveries?state=sent").json() == []
    # Not yet: the backoff holds it; then its time comes.
    assert run_worker() == 0
    Delivery.objects.filter(pk=retrying["id"]).update(next_attempt_at=timezone.now())
    assert run_worker() == 1

    [sent] = api.get("/deliveries?state=sent").json()
    assert sent["id"] == retrying["id"] and sent["attempts"] == 2
    assert sent["remote_id"] == "rcv-2" and sent["remote_url"] == "https://receiver.example/p/2"
    assert sent["sent_at"] is not None
    assert api.get(f"/posts/{post['id']}").json()["status"] == "published"
    assert len(receiver.requests) == 2
    assert {r.headers["outlier-id"] for r in receiver.requests} == {
        Delivery.objects.get(pk=sent["id"]).idempotency_key
    }


def test_a_failed_delivery_is_retried_on_request(team, hook, receiver):
    api = Api(team.token(team.editor))
    receiver.answer(400, "bad payload")
    post = new_post(api, hook)
    api.post(f"/posts/{post['id']}/schedule", {"when": "now"})
    run_worker()
    [failed] = api.get("/deliveries?state=failed").json()
    assert "400" in failed["error"] and failed["error_kind"] == "permanent"
    assert api.get(f"/posts/{post['id']}").json()["status"] == "failed"

    retried = api.post(f"/deliveries/{failed['id']}/retry")
    assert retried.status_code == 200 and retried.json()["state"] == "retrying"
    again = api.post(f"/deliveries/{failed['id']}/retry")
    assert again.status_code == 400 and "Only failed or unconfirmed" in again.json()["detail"]
    run_worker()
    assert api.get(f"/posts/{post['id']}").json()["deliveries"][0]["state"] == "sent"
    assert api.post("/deliveries/999999/retry").status_code == 404


# --- the calendar -------------------------------------------------------------------------------


def test_the_calendar_lists_a_range_and_refuses_a_bad_one(team, hook):
    api = Api(team.token(team.editor))
    for text, day in (("June", "2030-06-12"), ("July", "2030-07-20")):
        post = new_post(api, hook, text)
        api.post(f"/posts/{post['id']}/schedule",
                 {"date": day, "time": "09:00", "timezone": "Europe/Paris"})  # fmt: skip
    june = api.get("/calendar?start=2030-06-01T00:00:00Z&end=2030-07-01T00:00:00Z")
    assert june.status_code == 200
    [entry] = june.json()
    assert entry["text"] == "June" and entry["due_at"] == "2030-06-12T07:00:00Z"
    assert entry["state"] == "scheduled" and entry["channel_name"] == "Hook"
    only_hook = api.get(f"/calendar?start=2030-06-01T00:00:00Z&end=2030-07-31T00:00:00Z"
                        f"&channel={hook.pk}").json()  # fmt: skip
    assert [e["text"] for e in only_hook] == ["June", "July"]

    backwards = api.get("/calendar?start=2030-07-01T00:00:00Z&end=2030-06-01T00:00:00Z")
    assert backwards.status_code == 400 and "run forward" in backwards.json()["detail"]
    too_long = api.get("/calendar?start=2030-01-01T00:00:00Z&end=2030-06-01T00:00:00Z")
    assert too_long.status_code == 400
    assert api.get("/calendar?start=2030-06-01T00:00:00Z").status_code == 422
    assert api.get("/calendar?start=yesterday&end=today").status_code == 422


def test_a_calendar_range_mixing_naive_and_aware_times_is_a_400_not_a_500(team):
    api = Api(team.token(team.editor))
    api.client.raise_request_exception = False
    response = api.get("/calendar?start=2030-06-01T00:00:00Z&end=2030-06-02T00:00:00")
    assert response.status_code in (200, 400)


# --- roles, scopes, workspaces -----------------------------------------------------------------


def test_a_viewer_reads_but_cannot_write(team, hook):
    post = new_post(Api(team.token(team.editor)), hook)
    viewer = Api(team.token(team.viewer))
    assert viewer.get("/channels").status_code == 200
    assert viewer.get(f"/channels/{hook.pk}").status_code == 200
    assert viewer.get(f"/posts/{post['id']}").status_code == 200
    assert viewer.get("/deliveries").status_code == 200
    calendar = viewer.get("/calendar?start=2030-06-01T00:00:00Z&end=2030-06-30T00:00:00Z")
    assert calendar.status_code == 200
    assert viewer.post("/posts", {"text": "x", "channels": [hook.pk]}).status_code == 403
    assert viewer.patch(f"/posts/{post['id']}", {"text": "x"}).status_code == 403
    assert viewer.post(f"/posts/{post['id']}/schedule", {"when": "now"}).status_code == 403
    assert viewer.post(f"/posts/{post['id']}/cancel").status_code == 403
    assert viewer.patch(f"/channels/{hook.pk}", {"name": "Mine"}).status_code == 403
    assert viewer.post(f"/channels/{hook.pk}/test").status_code == 403
    assert viewer.delete(f"/channels/{hook.pk}").status_code == 403
    assert Post.objects.get(pk=post["id"]).text == "Rivers are rising"


def test_contributors_cannot_manage_channels(team, hook):
    contributor = Api(team.token(team.contributor))
    assert contributor.post("/channels", {"network": "webhook", "name": "x"}).status_code == 403
    assert contributor.patch(f"/channels/{hook.pk}", {"name": "x"}).status_code == 403
    assert contributor.delete(f"/channels/{hook.pk}").status_code == 403
    assert Channel.objects.get(pk=hook.pk).name == "Hook"


def test_outsiders_see_nothing_of_the_workspace(team, hook):
    post = new_post(Api(team.token(team.editor)), hook)
    outsider = Api(team.token(team.outsider))
    assert outsider.get(f"/channels/{hook.pk}").status_code == 404
    assert outsider.get(f"/posts/{post['id']}").status_code == 404
    assert outsider.post(f"/posts/{post['id']}/cancel").status_code == 404
    assert outsider.get("/channels").json() == [] and outsider.get("/posts").json() == []
    assert outsider.get("/deliveries").json() == []
    created = outsider.post("/posts", {"text": "Hi", "channels": [hook.pk]})
    assert created.status_code == 400 and created.json()["errors"]["channels"]


def test_read_scope_tokens_are_refused_on_writes(team, hook):
    reader = Api(team.token(team.owner, scope="read"))
    assert reader.get("/channels").status_code == 200
    refused = reader.post("/channels", {"network": "webhook", "name": "x"})
    assert refused.status_code == 403 and "read scope" in refused.json()["detail"]
    assert reader.patch(f"/channels/{hook.pk}", {"name": "x"}).status_code == 403
    assert reader.post("/posts", {"text": "x", "channels": [hook.pk]}).status_code == 403
    assert reader.post(f"/channels/{hook.pk}/test").status_code == 403
    assert not Post.objects.exists()


def test_no_token_no_access(team):
    response = Client().get("/api/v1/channels")
    assert response.status_code == 401 and "Bearer" in response.json()["detail"]


def test_the_openapi_document_lists_the_publishing_paths(team):
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for path in ("/api/v1/channels", "/api/v1/channels/{channel_id}",
                 "/api/v1/channels/{channel_id}/test", "/api/v1/posts",
                 "/api/v1/posts/{post_id}", "/api/v1/posts/{post_id}/validate",
                 "/api/v1/posts/{post_id}/schedule", "/api/v1/posts/{post_id}/queue",
                 "/api/v1/posts/{post_id}/approve", "/api/v1/posts/{post_id}/reject",
                 "/api/v1/posts/{post_id}/cancel", "/api/v1/deliveries",
                 "/api/v1/deliveries/{delivery_id}/retry", "/api/v1/calendar",
                 "/api/v1/posts/import"):  # fmt: skip
        assert path in paths, path
    form = paths["/api/v1/posts/import"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert form["schema"]["required"] == ["file"]
    assert "publishing" in paths["/api/v1/posts/import"]["post"]["tags"]


# --- CSV import ---------------------------------------------------------------------------------

CSV = (
    b"date,time,text,link,channel\r\n"
    b"06/12/2030,09:00,Rivers are rising,https://example.org/rivers,Hook\r\n"
    b"03/31/2030,02:30,Clocks go forward,,Hook\r\n"
    b"06/12/2030,25:61,Bad time,,Hook\r\n"
)


def csv_file(data: bytes = CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile("posts.csv", data, content_type="text/csv")


def test_import_a_csv_through_the_api(team, hook):
    api = Api(team.token(team.editor))
    response = api.upload("/posts/import", {"file": csv_file(), "date_format": "MM/DD/YYYY",
                                             "timezone": "Europe/Paris"})  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["scheduled"], body["failed"]) == (3, 2, 1)
    first, gap, bad = body["rows"]
    assert first["outcome"] == "scheduled" and first["scheduled_at"] == "2030-06-12T07:00:00Z"
    assert first["when"] == "2030-06-12 09:00" and first["channels"] == ["Hook"]
    assert Post.objects.get(pk=first["post"]).status == "scheduled"
    assert gap["scheduled_at"] == "2030-03-31T01:00:00Z"
    assert any("moved to 03:00" in n for n in gap["notes"])
    assert bad["ok"] is False and bad["post"] is None
    assert bad["errors"] == [{"column": "time", "message": "25:61 is not a time (HH:MM).",
                              "text": "Row 4, time: 25:61 is not a time (HH:MM)."}]  # fmt: skip
    assert Post.objects.count() == 2


def test_import_options_headerless_files_and_check_only(team, hook):
    api = Api(team.token(team.contributor))
    headerless = b"12/06/2030 09:00,Hello,https://example.org/\r\n13/06/2030 09:00,Again,\r\n"
    checked = api.upload("/posts/import", {"file": csv_file(headerless),
                                           "date_format": "DD/MM/YYYY",
                                           "channels": str(hook.pk), "check_only": "true"})  # fmt: skip
    assert checked.status_code == 200
    assert checked.json()["layout"] == "hootsuite" and checked.json()["valid"] == 2
    assert not Post.objects.exists()

    imported = api.upload("/posts/import", {"file": csv_file(headerless),
                                            "date_format": "DD/MM/YYYY", "channels": [hook.pk]})  # fmt: skip
    assert imported.json()["awaiting_approval"] == 2  # a contributor's posts wait for approval
    assert set(Post.objects.values_list("status", flat=True)) == {"awaiting_approval"}
    # Europe/Paris (the channel's zone) since none was given.
    assert imported.json()["rows"][0]["scheduled_at"] == "2030-06-12T07:00:00Z"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"file": b""}, "file"),
        ({"file": b"\x00\x01\x02garbage" * 50}, "file"),
        ({}, "file"),
        ({"file": CSV, "timezone": "Mars/Olympus"}, "timezone"),
        ({"file": CSV, "date_format": "YYYY"}, "date_format"),
        ({"file": CSV, "channels": "abc"}, "channels"),
        ({"file": CSV, "channels": "999999"}, "channels"),
        ({"file": b"06/12/2030 09:00,Hello,\r\n"}, "channels"),
    ],
)
def test_import_refuses_what_it_cannot_read_with_a_400(team, hook, data, field):
    if "file" in data:
        data = {**data, "file": csv_file(data["file"])}
    response = Api(team.token(team.editor)).upload("/posts/import", data)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field]
    assert not Post.objects.exists()


def test_import_roles_and_scopes(team, hook):
    viewer = Api(team.token(team.viewer)).upload("/posts/import", {"file": csv_file()})
    assert viewer.status_code == 403
    reader = Api(team.token(team.editor, scope="read"))
    assert reader.upload("/posts/import", {"file": csv_file()}).status_code == 403
    checked = reader.upload("/posts/import", {"file": csv_file(), "check_only": "1",
                                              "timezone": "UTC"})  # fmt: skip
    assert checked.status_code == 200 and checked.json()["valid"] == 2
    outsider = Api(team.token(team.outsider)).upload("/posts/import", {"file": csv_file()})
    assert outsider.status_code == 200  # its own workspace: no channel "Hook" there
    assert outsider.json()["failed"] == 3
    assert not Post.objects.exists()
