"""The links screen of the app: the workspace's tracked links with their clicks, a form to make
one by hand, turning links off and on, and the workspace's UTM defaults. Any member reads;
editors and owners change; someone outside the workspace gets a 404. (`views.py` is the
public redirect.)"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.links import actions, queries
from outlier.links.forms import DefaultsForm, FilterForm, LinkForm

PAGE_SIZE = 50


def member_for(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


@login_required
def links(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    wid = member.workspace.pk
    can_edit = member.allows(Role.EDITOR)
    defaults = actions.workspace_defaults(wid)
    form = LinkForm(None, workspace_id=wid)
    defaults_form = DefaultsForm(None, initial=defaults)
    if request.method == "POST":
        actions.check_role(member, Role.EDITOR)
        if request.POST.get("action") == "defaults":
            defaults_form = DefaultsForm(request.POST)
            if defaults_form.is_valid():
                try:
                    actions.do_set_link_defaults_for(member, defaults_form.values())
                except ValidationError as exc:
                    add_errors(defaults_form, exc)
                else:
                    messages.success(request, "UTM defaults saved: new links get them.")
                    return redirect("links:list", ws)
        else:
            form = LinkForm(request.POST, workspace_id=wid)
            if form.is_valid():
                try:
                    made = actions.do_create_link_for(
                        member, form.cleaned_data["target"],
                        campaign_id=form.cleaned_data["campaign"], overrides=form.overrides(),
                    )  # fmt: skip
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, f"Link made: {actions.link_url(made)}")
                    return redirect("links:list", ws)

    filters = FilterForm(request.GET or None, workspace_id=wid)
    wanted: dict[str, Any] = {}
    if filters.is_bound and filters.is_valid():
        wanted = {"campaign_id": filters.cleaned_data["campaign"],
                  "enabled": filters.cleaned_data["enabled"]}  # fmt: skip
    page = Paginator(queries.workspace_links(wid, **wanted), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    totals = queries.click_totals(link.pk for link in page)
    rows = [(link, actions.link_url(link), totals[link.pk]) for link in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "membership": member, "workspace": member.workspace, "can_edit": can_edit,
        "form": form, "defaults_form": defaults_form, "defaults": defaults,
        "filters": filters, "page": page, "rows": rows, "query": query.urlencode(),
        "here": request.GET.urlencode(),
    }  # fmt: skip
    return render(request, "links/links.html", context)


@login_required
@require_POST
def switch(request: HttpRequest, ws: str, link_id: int, verb: str) -> HttpResponse:
    """Turn a link off (`disable`: it answers 410) or on again (`enable`)."""
    if verb not in {"enable", "disable"}:
        raise Http404("No such action.")
    member = member_for(request, ws, Role.EDITOR)
    link = actions.access_link(member, link_id, Role.EDITOR)
    actions.do_set_link_enabled(member, link, verb == "enable")
    state = "on again" if link.enabled else "off: it answers “gone” (410) from now on"
    messages.success(request, f"/l/{link.code} is {state}.")
    # Back to the page and filters the button was on (a query string only: never elsewhere).
    back = request.POST.get("query", "")
    listing = reverse("links:list", args=[ws])
    return redirect(f"{listing}?{QueryDict(back).urlencode()}" if back else listing)
