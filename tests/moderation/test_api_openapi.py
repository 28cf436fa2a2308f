"""The moderation endpoints are in the OpenAPI document, each with a summary, its tag, the
bearer token, and its schemas."""

from __future__ import annotations

from typing import Any

from django.test import Client

MODERATION = {
    ("get", "/api/v1/moderation/queue"),
    ("get", "/api/v1/moderation/cases/{case_id}"),
    ("post", "/api/v1/moderation/decisions"),
    ("post", "/api/v1/moderation/undo"),
    ("get", "/api/v1/moderation/rules"),
    ("post", "/api/v1/moderation/rules"),
    ("get", "/api/v1/moderation/rules/{rule_id}"),
    ("patch", "/api/v1/moderation/rules/{rule_id}"),
    ("delete", "/api/v1/moderation/rules/{rule_id}"),
    ("get", "/api/v1/moderation/blocked"),
    ("delete", "/api/v1/moderation/blocked/{blocked_id}"),
    ("get", "/api/v1/moderation/audit"),
}


def test_every_moderation_endpoint_is_documented(db: Any) -> None:
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc = answer.json()
    found = {(method, path) for path, ops in doc["paths"].items() if "/moderation" in path
             for method in ops}  # fmt: skip
    assert found == MODERATION
    for method, path in MODERATION:
        op = doc["paths"][path][method]
        assert op["summary"] and op["tags"] == ["moderation"], (method, path)
        assert op["security"] == [{"TokenAuth": []}], (method, path)
    queue = {p["name"] for p in doc["paths"]["/api/v1/moderation/queue"]["get"]["parameters"]}
    assert queue == {"subject", "state", "limit", "offset"}
    audit = {p["name"] for p in doc["paths"]["/api/v1/moderation/audit"]["get"]["parameters"]}
    assert audit == {"case", "limit"}
    decisions = doc["paths"]["/api/v1/moderation/decisions"]["post"]
    body = decisions["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ModerationDecisionIn")
    schemas = doc["components"]["schemas"]
    assert {"CaseOut", "CaseDetailOut", "QueueOut", "RuleRef", "DecidedOut", "UndoneOut", "AuditOut",
            "BlockedOut", "UnblockedOut", "ModerationDecisionIn", "UndoIn", "ModerationRuleOut",
            "ModerationRuleIn", "ModerationRulePatch", "SpamFeatureOut"} <= set(schemas)  # fmt: skip
    assert set(schemas["DecidedOut"]["properties"]) == {"batch", "count", "ignored", "unchanged"}
    created = doc["paths"]["/api/v1/moderation/rules"]["post"]["responses"]
    assert "201" in created
