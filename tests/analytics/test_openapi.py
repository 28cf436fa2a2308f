"""The measurement endpoints are in the OpenAPI document."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_the_measurement_paths():
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for path in ("/api/v1/campaigns", "/api/v1/campaigns/{campaign_id}/costs",
                 "/api/v1/costs/{cost_id}", "/api/v1/conversions", "/api/v1/analytics/settings",
                 "/api/v1/reports/summary", "/api/v1/reports/clicks", "/api/v1/reports/links",
                 "/api/v1/reports/referrers", "/api/v1/reports/engagement/networks",
                 "/api/v1/reports/engagement/posts", "/api/v1/reports/followers",
                 "/api/v1/reports/funnel", "/api/v1/reports/roi/{by}"):  # fmt: skip
        assert path in paths, path
    assert "post" in paths["/api/v1/conversions"]
