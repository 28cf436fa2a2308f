"""The script a destination site loads (`/c.js`, under 1 kB, hand-written) and the public
endpoint it reports to (`/c/<public key>`): CORS-safe, rate-limited, validated like the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from outlier.analytics import actions
from outlier.analytics.models import Conversion
from tests.analytics.factories import make_click, make_link

pytestmark = pytest.mark.django_db


def post(key: str, body: object, origin: str = "https://shop.example", **headers: str):
    return Client().post(f"/c/{key}", json.dumps(body), content_type="text/plain",
                         HTTP_ORIGIN=origin, **headers)  # fmt: skip


@pytest.fixture
def key(team) -> str:
    return actions.settings_for(team.workspace).public_key


def test_the_script_is_small_plain_and_names_the_click_parameter(client, settings):
    response = client.get("/c.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert len(response.content) <= 1024
    text = response.content.decode()
    assert '"olr_click"' in text and "d.cookie=" in text  # the parameter, a first-party cookie
    assert "://" not in text  # no address of anyone else's: it reports to where it came from

    settings.CLICK_ID_PARAM = "ref_id"
    assert '"ref_id"' in Client().get("/c.js").content.decode()


def test_a_sale_reported_by_the_script_is_recorded_with_cors_headers(team, key):
    click = make_click(make_link(team.workspace))
    response = post(key, {"kind": "sale", "amount": 19.9, "currency": "EUR", "external_id": "o-1",
                          "click_id": click.click_id, "first_click_id": click.click_id})  # fmt: skip
    assert response.status_code == 201, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    conversion = Conversion.objects.get()
    assert conversion.source == "script" and conversion.attributed_click == click
    assert str(conversion.money) == "19.90"


def test_the_answer_tells_nothing_of_what_was_stored(team, key):
    # The key is in the shop's HTML: an order id sent again must not reveal that order.
    click = make_click(make_link(team.workspace))
    body = {"kind": "sale", "amount": 420, "currency": "EUR", "external_id": "order-1001",
            "click_id": click.click_id}  # fmt: skip
    assert post(key, body).json() == {"ok": True, "duplicate": False}
    body["amount"] = 1
    again = post(key, body)
    assert again.status_code == 200 and again.json() == {"ok": True, "duplicate": True}


def test_a_workspace_can_take_only_leads_from_the_script(team, key):
    actions.do_update_settings(team.member(team.owner), script_sales=False)
    click = make_click(make_link(team.workspace))
    sale = post(key, {"kind": "sale", "amount": 5, "currency": "EUR", "external_id": "o-9",
                      "click_id": click.click_id})  # fmt: skip
    assert sale.status_code == 403 and "API and signed webhooks" in sale.json()["detail"]
    assert not Conversion.objects.exists()
    lead = post(key, {"kind": "lead", "currency": "EUR", "click_id": click.click_id})
    assert lead.status_code == 201 and Conversion.objects.get().kind == "lead"


def test_a_preflight_is_answered_without_storing_anything(key):
    response = Client().options(f"/c/{key}", HTTP_ORIGIN="https://shop.example",
                                HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")  # fmt: skip
    assert response.status_code == 204
    assert response["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert not Conversion.objects.exists()


def test_a_lead_without_an_id_is_counted_once_per_click(team, key):
    click = make_click(make_link(team.workspace))
    body = {"kind": "lead", "currency": "EUR", "click_id": click.click_id}
    assert post(key, body).status_code == 201
    assert post(key, body).status_code == 200  # the thank-you page reloaded
    assert Conversion.objects.get().external_id == f"lead:{click.click_id}"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"kind": "sale", "amount": -1, "currency": "EUR", "external_id": "o"}, 400, "negative"),
        ({"kind": "sale", "amount": "abc", "currency": "EUR", "external_id": "o"}, 400, "number"),
        ({"kind": "sale", "amount": 5, "currency": "EURO", "external_id": "o"}, 400, "currency"),
        (
            {
                "kind": "sale",
                "amount": 5,
                "currency": "EUR",
                "external_id": "o",
                "click_id": "nope",
            },
            400,
            "No click",
        ),  # fmt: skip
        ([1, 2, 3], 400, "JSON object"),
    ],
)
def test_bad_input_is_refused_like_the_api(team, key, body, status, message):
    click = make_click(make_link(team.workspace))
    if isinstance(body, dict) and "click_id" not in body:
        body["click_id"] = click.click_id
    response = post(key, body)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not Conversion.objects.exists()


def test_an_unknown_click_tells_the_script_to_try_again_later(team, key):
    response = post(key, {"kind": "lead", "currency": "EUR", "click_id": "notwrittenyet"})
    assert response.status_code == 400 and response.json()["retry"] is True
    bad_amount = post(key, {"kind": "sale", "amount": "x", "currency": "EUR",
                            "external_id": "o", "customer_id": "c"})  # fmt: skip
    assert "retry" not in bad_amount.json()


def test_an_unknown_key_is_a_404(team):
    response = post("pk_unknown", {"kind": "lead", "currency": "EUR", "customer_id": "c"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Unknown key."


def test_allowed_origins_keep_other_sites_out(team, key):
    actions.do_update_settings(team.member(team.owner), allowed_origins=["https://shop.example"])
    click = make_click(make_link(team.workspace))
    body = {"kind": "lead", "currency": "EUR", "click_id": click.click_id}
    assert post(key, body, origin="https://evil.example").status_code == 403
    assert not Conversion.objects.exists()
    assert post(key, body, origin="https://shop.example").status_code == 201


def test_reports_are_rate_limited_per_address(team, key, settings):
    settings.CONVERSION_RATE_PER_IP = 3
    click = make_click(make_link(team.workspace))
    statuses = [
        post(key, {"kind": "sale", "amount": 1, "currency": "EUR", "external_id": f"o-{n}",
                   "click_id": click.click_id}).status_code
        for n in range(5)
    ]  # fmt: skip
    assert statuses == [201, 201, 201, 429, 429]
    assert Conversion.objects.count() == 3
    other = post(key, {"kind": "sale", "amount": 1, "currency": "EUR", "external_id": "o-9",
                       "click_id": click.click_id}, REMOTE_ADDR="10.0.0.9")  # fmt: skip
    assert other.status_code == 201


def test_the_endpoint_takes_no_get_and_needs_no_csrf_token(key):
    assert Client().get(f"/c/{key}").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/c/{key}", "{}", content_type="text/plain")
    assert response.status_code == 400  # reached the view: no CSRF refusal
