"""`POST /api/v1/conversions`: a lead or sale with a write token, attributed to its click; the
same external id twice records one; bad input is a 400 that says why, and stores nothing."""

from __future__ import annotations

import pytest

from outlier.analytics.models import Conversion
from tests.analytics.factories import make_campaign, make_click, make_link
from tests.api.client import Api

pytestmark = pytest.mark.django_db


def sale(**overrides):
    body = {"kind": "sale", "amount": "49.90", "currency": "EUR", "external_id": "order-1"}
    body.update(overrides)
    return body


def test_a_sale_with_a_click_id_is_recorded_and_attributed(team):
    campaign = make_campaign(team.workspace, name="Spring")
    click = make_click(make_link(team.workspace, campaign=campaign))
    api = Api(team.token(team.editor))

    response = api.post("/conversions", sale(click_id=click.click_id))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "49.90" and body["currency"] == "EUR"
    assert body["attributed"] and body["campaign"] == campaign.pk and not body["duplicate"]
    conversion = Conversion.objects.get()
    assert conversion.attributed_click == click and conversion.source == "api"
    assert str(conversion.amount) == "49.900"


def test_the_same_external_id_twice_records_one_conversion(team):
    click = make_click(make_link(team.workspace))
    api = Api(team.token(team.editor))
    first = api.post("/conversions", sale(click_id=click.click_id))
    again = api.post("/conversions", sale(click_id=click.click_id, amount="99"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] and again.json()["id"] == first.json()["id"]
    assert Conversion.objects.count() == 1
    assert str(Conversion.objects.get().amount) == "49.900"  # the first one stands


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "The amount cannot be negative."),
        ({"amount": "12,50"}, "amount", "The amount must be a number, like 19.99."),
        ({"amount": "ten"}, "amount", "The amount must be a number, like 19.99."),
        ({"amount": "NaN"}, "amount", "The amount must be a number, like 19.99."),
        ({"amount": "Infinity"}, "amount", "The amount must be a number, like 19.99."),
        ({"amount": "1.999"}, "amount", "EUR amounts have at most 2 decimal places."),
        ({"amount": "1000000000"}, "amount", "At most 999,999,999.999."),
        ({"currency": "XYZ"}, "currency", "Unknown currency"),
        ({"currency": "XAU"}, "currency", "Unknown currency"),
        ({"kind": "refund"}, "kind", "The kind is lead or sale."),
        ({"external_id": "  "}, "external_id", "Give the conversion's external id"),
        ({"click_id": "doesnotexist"}, "click_id", "No click has the id “doesnotexist”."),
        ({"click_id": "<script>"}, "click_id", "is not a click id"),
        ({"click_id": None}, "click_id", "Give a click id or a customer id."),
        ({"occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at", "cannot be in the future"),
    ],
)
def test_bad_input_is_refused_with_a_clear_400_and_nothing_stored(team, change, field, message):
    click = make_click(make_link(team.workspace))
    api = Api(team.token(team.editor))
    body = sale(click_id=click.click_id)
    body.update(change)
    response = api.post("/conversions", body)
    assert response.status_code == 400, response.content
    assert message in response.json()["errors"][field][0]
    assert message in response.json()["detail"]
    assert not Conversion.objects.exists()


def test_a_click_of_another_workspace_does_not_exist_here(team):
    theirs = make_click(make_link(team.other_workspace))
    response = Api(team.token(team.editor)).post("/conversions", sale(click_id=theirs.click_id))
    assert response.status_code == 400
    assert "No click has the id" in response.json()["detail"]
    assert not Conversion.objects.exists()


def test_a_zero_decimal_currency_takes_whole_amounts_only(team):
    click = make_click(make_link(team.workspace))
    api = Api(team.token(team.editor))
    assert api.post("/conversions", sale(click_id=click.click_id, currency="JPY",
                                         amount="1500.5")).status_code == 400  # fmt: skip
    ok = api.post("/conversions", sale(click_id=click.click_id, currency="jpy", amount=1500))
    assert ok.status_code == 201 and ok.json()["currency"] == "JPY"
    assert ok.json()["amount"] == "1500"


def test_a_read_token_or_a_viewer_cannot_record(team):
    click = make_click(make_link(team.workspace))
    read = Api(team.token(team.editor, scope="read")).post("/conversions",
                                                           sale(click_id=click.click_id))  # fmt: skip
    viewer = Api(team.token(team.viewer)).post("/conversions", sale(click_id=click.click_id))
    nobody = Api("olr_not-a-token").post("/conversions", sale(click_id=click.click_id))
    assert (read.status_code, viewer.status_code, nobody.status_code) == (403, 403, 401)
    assert not Conversion.objects.exists()


def test_conversions_are_listed_newest_first(team):
    click = make_click(make_link(team.workspace))
    api = Api(team.token(team.editor))
    api.post("/conversions", {"kind": "lead", "currency": "EUR", "external_id": "lead-1",
                              "click_id": click.click_id})  # fmt: skip
    api.post("/conversions", sale(customer_id="c-1"))
    rows = Api(team.token(team.viewer, scope="read")).get("/conversions").json()
    assert [r["external_id"] for r in rows] == ["order-1", "lead-1"]
    assert rows[1]["amount"] == "0.00"
    assert [r["kind"] for r in api.get("/conversions?kind=lead").json()] == ["lead"]
