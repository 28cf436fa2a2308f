"""Adding an account on a network as a topic's source, from the sources page.

Thin: the work is `network_sources.do_add_account`; its refusals (an account the network does
not know, a channel that cannot read it or is another workspace's) come back onto the form
with a 400 and nothing stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from outlier.core.forms import add_errors
from outlier.sources import actions, network_sources
from outlier.sources.forms import AccountForm
from outlier.sources.views import _page, _topic


@login_required
@require_POST
def add_account(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member, topic = _topic(request, ws, slug, actions.MANAGE_ROLE)
    _, authors = network_sources.channels_for_forms(member.workspace)
    form = AccountForm(request.POST, auto_id="acct-%s", channels=authors)
    if form.is_valid():
        data = form.cleaned_data
        try:
            source = network_sources.do_add_account(member, topic, data["channel"],
                                                    data["account"], data["name"])  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Following {source.name}: its posts are read shortly.")
            return redirect("sources:list", ws, slug)
    return _page(request, member, topic, status=400, account_form=form)
