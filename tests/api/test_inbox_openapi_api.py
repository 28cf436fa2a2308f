"""The inbox endpoints are in the OpenAPI document, each with a summary and its schemas."""

from __future__ import annotations

from django.test import Client

INBOX = {
    ("get", "/api/v1/inbox/items"),
    ("get", "/api/v1/inbox/unread"),
    ("get", "/api/v1/inbox/items/{item_id}"),
    ("post", "/api/v1/inbox/items/{item_id}/state"),
    ("post", "/api/v1/inbox/items/{item_id}/assign"),
    ("post", "/api/v1/inbox/items/{item_id}/snooze"),
    ("post", "/api/v1/inbox/items/{item_id}/tag"),
    ("post", "/api/v1/inbox/items/{item_id}/untag"),
    ("post", "/api/v1/inbox/items/{item_id}/notes"),
    ("post", "/api/v1/inbox/items/{item_id}/priority"),
    ("post", "/api/v1/inbox/items/{item_id}/hide"),
    ("post", "/api/v1/inbox/items/{item_id}/read"),
    ("post", "/api/v1/inbox/bulk"),
    ("post", "/api/v1/inbox/items/{item_id}/start-reply"),
    ("post", "/api/v1/inbox/items/{item_id}/reply"),
    ("post", "/api/v1/inbox/items/{item_id}/like"),
    ("post", "/api/v1/inbox/items/{item_id}/repost"),
    ("get", "/api/v1/inbox/rules"),
    ("post", "/api/v1/inbox/rules"),
    ("post", "/api/v1/inbox/rules/try"),
    ("get", "/api/v1/inbox/rules/{rule_id}"),
    ("patch", "/api/v1/inbox/rules/{rule_id}"),
    ("delete", "/api/v1/inbox/rules/{rule_id}"),
    ("post", "/api/v1/inbox/rules/{rule_id}/move"),
    ("get", "/api/v1/inbox/saved-replies"),
    ("post", "/api/v1/inbox/saved-replies"),
    ("get", "/api/v1/inbox/saved-replies/{saved_id}"),
    ("patch", "/api/v1/inbox/saved-replies/{saved_id}"),
    ("delete", "/api/v1/inbox/saved-replies/{saved_id}"),
    ("get", "/api/v1/inbox/report"),
}


def test_every_inbox_endpoint_is_documented(db):
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc = answer.json()
    found = {(method, path) for path, ops in doc["paths"].items() if "/inbox" in path
             for method in ops}  # fmt: skip
    assert found == INBOX
    for method, path in INBOX:
        op = doc["paths"][path][method]
        assert op["summary"] and op["tags"] == ["inbox"], (method, path)
        assert op["security"] == [{"TokenAuth": []}], (method, path)
    reply = doc["paths"]["/api/v1/inbox/items/{item_id}/reply"]["post"]
    assert set(reply["responses"]) == {"201", "409"}
    body = reply["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ReplyIn")
    listing = doc["paths"]["/api/v1/inbox/items"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"view", "channel", "network", "kind", "assignee", "tag", "language", "q",
            "before", "limit"} <= params  # fmt: skip
    schemas = doc["components"]["schemas"]
    assert {"ItemOut", "ItemDetailOut", "PageOut", "ReplyOut", "RuleOut", "TrialOut",
            "SavedReplyOut", "ReportOut"} <= set(schemas)  # fmt: skip
    report = {p["name"] for p in doc["paths"]["/api/v1/inbox/report"]["get"]["parameters"]}
    assert report == {"days", "start", "end", "channel"}
