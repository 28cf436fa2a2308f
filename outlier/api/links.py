"""Tracked links in the REST API: list and read them with their clicks, make one by hand with
a target, a campaign and UTM overrides, turn one off and on, and the workspace's UTM
defaults. Any member reads; editors (with a write token) change. The writes are the links
app's own actions, which check targets and UTM values as they do for every other link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from outlier.api.auth import membership
from outlier.core.models import Role
from outlier.links import actions, queries
from outlier.links.models import LinkDefaults, TrackedLink

router = Router(tags=["links"])


class LinkOut(Schema):
    id: int
    code: str
    short_url: str  # BASE_URL/l/<code>
    target: str  # where it sends people, UTM parameters in
    original: str  # the address before UTM parameters were added
    campaign: int | None
    campaign_slug: str | None
    medium: str  # what made it: social, email, feed, site (topic pages) or manual
    source: str  # utm_source of published links: the network, "feed", "email"
    utm: dict[str, str]
    enabled: bool
    created_at: datetime
    clicks: int  # people
    bot_clicks: int  # bots, counted apart


def link_out(link: TrackedLink, totals: queries.ClickTotals | None = None) -> dict[str, Any]:
    if totals is None:
        totals = queries.click_totals([link.pk])[link.pk]
    campaign = link.campaign
    return {
        "id": link.pk, "code": link.code, "short_url": actions.link_url(link),
        "target": link.target, "original": link.original, "campaign": link.campaign_id,
        "campaign_slug": campaign.slug if campaign else None, "medium": link.medium,
        "source": link.source, "utm": link.utm, "enabled": link.enabled,
        "created_at": link.created_at, "clicks": totals.clicks,
        "bot_clicks": totals.bot_clicks,
    }  # fmt: skip


class LinkIn(Schema):
    target: str
    campaign: int | None = None
    # utm_source, utm_medium, utm_campaign, utm_term, utm_content, utm_id: these win over the
    # campaign and the workspace defaults; an empty value removes that parameter.
    utm: dict[str, Any] = {}


class LinkPatch(Schema):
    enabled: bool


class DefaultsIn(Schema):
    utm: dict[str, Any]  # replaces the defaults; empty values are left out


class DefaultsOut(Schema):
    utm: dict[str, str]
    updated_at: datetime | None


def defaults_out(row: LinkDefaults | None) -> dict[str, Any]:
    return {"utm": dict(row.utm) if row else {}, "updated_at": row.updated_at if row else None}


@router.get("/links", response=list[LinkOut], summary="List links, newest first, with clicks")
def list_links(request: HttpRequest, campaign: int | None = None, enabled: bool | None = None,
               limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    member = membership(request)
    found = actions.check_campaign_id(member, campaign)
    links = queries.workspace_links(member.workspace.pk, enabled=enabled,
                                    campaign_id=found.pk if found else None)  # fmt: skip
    limit, offset = max(1, min(limit, queries.MAX_PAGE)), max(0, offset)
    page = list(links[offset : offset + limit])
    totals = queries.click_totals(link.pk for link in page)
    return [link_out(link, totals[link.pk]) for link in page]


@router.post("/links", response={201: LinkOut},
             summary="Make a tracked link to a target, with a campaign and UTM (editors)")  # fmt: skip
def create_link(request: HttpRequest, payload: LinkIn) -> Status[dict[str, Any]]:
    """201 with the short URL (`short_url`) and the final target with its UTM parameters;
    400 naming each bad field (`target`, `campaign`, `utm_…`, `utm`), nothing stored."""
    member = membership(request, write=True)
    link = actions.do_create_link_for(member, payload.target, campaign_id=payload.campaign,
                                      overrides=payload.utm)  # fmt: skip
    return Status(201, link_out(link, queries.ClickTotals()))


@router.get("/links/defaults", response=DefaultsOut, summary="The workspace's UTM defaults")
def read_defaults(request: HttpRequest) -> dict[str, Any]:
    member = membership(request)
    return defaults_out(LinkDefaults.objects.filter(workspace=member.workspace).first())


@router.put("/links/defaults", response=DefaultsOut,
            summary="Replace the workspace's UTM defaults (editors)")  # fmt: skip
def set_defaults(request: HttpRequest, payload: DefaultsIn) -> dict[str, Any]:
    member = membership(request, write=True)
    return defaults_out(actions.do_set_link_defaults_for(member, payload.utm))


@router.get("/links/{int:link_id}", response=LinkOut, summary="Read a link with its clicks")
def read_link(request: HttpRequest, link_id: int) -> dict[str, Any]:
    return link_out(actions.access_link(membership(request), link_id))


@router.patch("/links/{int:link_id}", response=LinkOut,
              summary="Turn a link off (it answers 410) or on again (editors)")  # fmt: skip
def update_link(request: HttpRequest, link_id: int, payload: LinkPatch) -> dict[str, Any]:
    member = membership(request, write=True)
    link = actions.access_link(member, link_id, Role.EDITOR)
    return link_out(actions.do_set_link_enabled(member, link, payload.enabled))


@router.post("/links/{int:link_id}/disable", response=LinkOut,
             summary="Turn a link off: it answers 410 (editors)")  # fmt: skip
def disable_link(request: HttpRequest, link_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    link = actions.access_link(member, link_id, Role.EDITOR)
    return link_out(actions.do_set_link_enabled(member, link, False))


@router.post("/links/{int:link_id}/enable", response=LinkOut,
             summary="Turn a link on again (editors)")  # fmt: skip
def enable_link(request: HttpRequest, link_id: int) -> dict[str, Any]:
    member = membership(request, write=True)
    link = actions.access_link(member, link_id, Role.EDITOR)
    return link_out(actions.do_set_link_enabled(member, link, True))
