"""What destination sites and shops talk to, without an account: the conversion script
(`/c.js`), the endpoint it reports to (`/c/<public key>`) and signed webhooks
(`/c/<public key>/webhook`). Answers are JSON: 200/201 with the conversion, or a 4xx with
`detail` (and `errors` per field); nothing is stored unless the whole request is valid."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from outlier.core.client_ip import client_ip

from . import actions
from .models import Conversion

SCRIPT = Path(__file__).parent / "static" / "analytics" / "c.js"
SCRIPT_PARAM = "olr_click"  # the parameter's name in the file, replaced by the setting's


@cache
def _script(param: str) -> bytes:
    text = SCRIPT.read_text().strip()
    return text.replace(json.dumps(SCRIPT_PARAM), json.dumps(param)).encode()


def script(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        _script(settings.CLICK_ID_PARAM), content_type="text/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def conversion_json(conversion: Conversion, created: bool) -> dict[str, Any]:
    return {
        "id": conversion.pk, "kind": conversion.kind, "amount": str(conversion.money),
        "currency": conversion.currency, "external_id": conversion.external_id,
        "occurred_at": conversion.occurred_at.isoformat(), "duplicate": not created,
        "attributed": conversion.attributed_click_id is not None,
        "campaign": conversion.campaign_id, "channel": conversion.channel_id,
        "post": conversion.post_id, "scoop": conversion.scoop_id, "link": conversion.link_id,
    }  # fmt: skip


def _cors(response: HttpResponse) -> HttpResponse:
    # Any site may post (the key says whose it is; the allowed origins narrow it), without
    # cookies: a "simple" text/plain POST, so no preflight is needed, but one is answered.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Cache-Control"] = "no-store"
    return response


def _refused(exc: actions.Refused, retry: bool = False) -> JsonResponse:
    body: dict[str, Any] = {"detail": exc.message, "errors": exc.errors}
    if retry:
        body["retry"] = True
    return JsonResponse(body, status=exc.status)


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def collect(request: HttpRequest, key: str) -> HttpResponse:
    """A lead or sale from the script: JSON (sent as text/plain) with kind, amount, currency,
    external_id, customer_id, click_id and first_click_id."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    try:
        conversion, created = actions.do_collect(
            key, request.headers.get("Origin", ""), client_ip(request), request.body
        )
    except actions.Refused as exc:
        # A click may still be in a web process's buffer for a moment: the script tries again.
        retry = "click_id" in exc.errors and exc.errors["click_id"][0].startswith("No click")
        return _cors(_refused(exc, retry))
    # The key is public: the answer says nothing of what was stored (an order id already
    # recorded must not show its amount or where it came from).
    return _cors(JsonResponse({"ok": True, "duplicate": not created},
                              status=201 if created else 200))  # fmt: skip


@csrf_exempt
@require_http_methods(["POST"])
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    """A conversion from a shop or CRM, signed like Outlier's own webhooks (see
    outlier.networks.webhook.signature): Outlier-Timestamp and Outlier-Signature headers over
    the raw JSON body, which carries `event_id` and the conversion's fields."""
    try:
        conversion, created = actions.do_receive_webhook(
            key,
            request.headers.get("Outlier-Timestamp", ""),
            request.headers.get("Outlier-Signature", ""),
            request.body,
        )
    except actions.Refused as exc:
        return _refused(exc)
    return JsonResponse(conversion_json(conversion, created), status=201 if created else 200)
