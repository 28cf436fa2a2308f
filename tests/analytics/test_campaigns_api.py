"""Campaigns and their costs in the REST API: editors create, change and remove them; any
member reads; bad values are a 400 that names the field."""

from __future__ import annotations

import pytest

from outlier.links.models import Campaign, CampaignCost
from tests.analytics.factories import make_campaign
from tests.api.client import Api

pytestmark = pytest.mark.django_db


def test_an_editor_manages_campaigns_and_costs(team):
    api = Api(team.token(team.editor))
    made = api.post("/campaigns", {"name": "Black Friday", "budget": "500", "currency": "usd",
                                   "starts_on": "2026-11-20", "ends_on": "2026-11-30"})  # fmt: skip
    assert made.status_code == 201, made.content
    campaign = made.json()
    assert (campaign["slug"], campaign["currency"], campaign["budget"]) == (
        "black-friday", "USD", "500.00")  # fmt: skip

    cost = api.post(f"/campaigns/{campaign['id']}/costs",
                    {"kind": "time", "hours": 2.5, "rate": "40", "incurred_on": "2026-11-21",
                     "description": "Copywriting"})  # fmt: skip
    assert cost.status_code == 201, cost.content
    assert cost.json()["amount"] == "100.00"
    ads = api.post(
        f"/campaigns/{campaign['id']}/costs", {"amount": 250, "incurred_on": "2026-11-22"}
    )
    assert ads.status_code == 201 and ads.json()["kind"] == "ad_spend"

    changed = api.patch(f"/costs/{ads.json()['id']}", {"amount": "275.5"})
    assert changed.status_code == 200 and changed.json()["amount"] == "275.50"
    listed = api.get(f"/campaigns/{campaign['id']}/costs").json()
    assert [c["amount"] for c in listed] == ["100.00", "275.50"]

    renamed = api.patch(f"/campaigns/{campaign['id']}", {"name": "BF 2026", "budget": None})
    assert renamed.json()["name"] == "BF 2026" and renamed.json()["budget"] is None
    assert renamed.json()["slug"] == "black-friday"  # the utm value stays unless asked

    assert api.delete(f"/costs/{cost.json()['id']}").status_code == 204
    assert api.delete(f"/campaigns/{campaign['id']}").status_code == 204
    assert not Campaign.objects.exists() and not CampaignCost.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "budget": "-1"}, "budget"),
        ({"name": "X", "budget": "lots"}, "budget"),
        ({"name": "X", "budget": "1e10"}, "budget"),  # more than the column holds
        ({"name": "X", "currency": "EURO"}, "currency"),
        ({"name": "X", "starts_on": "2026-12-01", "ends_on": "2026-11-01"}, "ends_on"),
        ({"name": "X", "starts_on": "01/12/2026"}, "starts_on"),
        ({"name": "Taken", "slug": "taken"}, "slug"),
    ],
)
def test_bad_campaigns_are_refused(team, body, field):
    make_campaign(team.workspace, name="Taken", slug="taken")
    response = Api(team.token(team.editor)).post("/campaigns", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Campaign.objects.count() == 1


def test_bad_costs_are_refused(team):
    campaign = make_campaign(team.workspace)
    api = Api(team.token(team.editor))
    for body, field in [({"amount": "-20"}, "amount"), ({"amount": "NaN"}, "amount"),
                        ({"kind": "time", "hours": 3}, "rate"),
                        ({"amount": 5, "incurred_on": "soon"}, "incurred_on"),
                        ({"amount": "10000000000"}, "amount"),  # more than the column holds
                        ({"kind": "time", "hours": "1000000", "rate": 1}, "hours"),
                        ({"kind": "time", "hours": "999999", "rate": "99999999"}, "hours")]:  # fmt: skip
        response = api.post(f"/campaigns/{campaign.pk}/costs", body)
        assert response.status_code == 400 and field in response.json()["errors"], body
    assert not CampaignCost.objects.exists()


def test_roles_and_workspaces(team):
    campaign = make_campaign(team.workspace)
    viewer = Api(team.token(team.viewer))
    assert viewer.get("/campaigns").status_code == 200
    assert viewer.post("/campaigns", {"name": "Nope"}).status_code == 403
    assert viewer.post(f"/campaigns/{campaign.pk}/costs", {"amount": 1}).status_code == 403
    contributor = Api(team.token(team.contributor))
    assert contributor.patch(f"/campaigns/{campaign.pk}", {"name": "Nope"}).status_code == 403
    outsider = Api(team.token(team.outsider))
    assert outsider.get(f"/campaigns/{campaign.pk}").status_code == 404
    assert outsider.delete(f"/campaigns/{campaign.pk}").status_code == 404
    assert outsider.get("/campaigns").json() == []
    assert Campaign.objects.get().name == campaign.name
