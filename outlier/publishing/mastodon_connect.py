"""“Sign in with Mastodon”: connecting a Mastodon channel with OAuth (authorization code).

1. `connect` (editors): the person names their server; Outlier registers itself there
   (`oauth.register_app`, redirect URI = BASE_URL + the callback's path) and sends them to the
   server's consent page with a fresh `state` and a PKCE challenge. What the callback needs
   (server, client id and secret, PKCE verifier, chosen visibility and name) waits in the
   person's session under that `state`, for `PENDING_SECONDS`, at most `PENDING_MAX` at a time.
2. `callback`: the server sends them back with `code` and `state` (or `error`). The state must
   be one this session started, for this workspace (else 400, nothing done; each state works
   once). The code is exchanged for a token, the token tested (it reads the account and the
   server's limits), and the channel created with the token in its encrypted credentials.

Pasting an access token instead works through the ordinary channel form (the adapter's
`fields`).
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from outlier.core import crypto
from outlier.core.models import Membership, Role
from outlier.networks.base import PublishError
from outlier.networks.mastodon import MastodonAdapter, oauth
from outlier.networks.mastodon.adapter import VISIBILITIES
from outlier.publishing import actions
from outlier.publishing.views import member_for, render_page

SESSION_KEY = "mastodon_connect"
PENDING_SECONDS = 15 * 60
PENDING_MAX = 5


class ConnectForm(forms.Form):
    instance_url = forms.CharField(
        label="Your Mastodon server", max_length=300, help_text="For example mastodon.social"
    )
    visibility = forms.ChoiceField(
        label="Who sees the posts", choices=VISIBILITIES, initial="public"
    )
    name = forms.CharField(
        label="Channel name",
        max_length=120,
        required=False,
        help_text="Leave empty to use the account's handle",
    )

    def clean_instance_url(self) -> str:
        try:
            return oauth.normalise_instance_url(self.cleaned_data["instance_url"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def callback_url(ws: str) -> str:
    """The redirect URI registered with the server: absolute, under BASE_URL."""
    return settings.BASE_URL + reverse("publishing:mastodon_callback", args=[ws])


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    stored = request.session.get(SESSION_KEY)
    now = time.time()
    if not isinstance(stored, dict):
        return {}
    return {
        state: entry
        for state, entry in stored.items()
        if isinstance(entry, dict) and now - float(entry.get("started", 0)) < PENDING_SECONDS
    }


def _remember(request: HttpRequest, state: str, entry: dict[str, Any]) -> None:
    pending = _pending(request)
    while len(pending) >= PENDING_MAX:
        oldest = min(pending, key=lambda key: float(pending[key].get("started", 0)))
        del pending[oldest]
    # The app's client secret and the PKCE verifier: sealed, since sessions are only signed.
    pending[state] = {"sealed": crypto.encrypt(json.dumps(entry)), "started": time.time()}
    request.session[SESSION_KEY] = pending


def _take(request: HttpRequest, state: str) -> dict[str, Any] | None:
    """The pending connection `state` stands for, removed from the session (one use only)."""
    pending = _pending(request)
    found = None
    for key in list(pending):
        if state and hmac.compare_digest(key.encode(), state.encode()):
            found = pending.pop(key)
    request.session[SESSION_KEY] = pending
    if found is None:
        return None
    try:
        entry = json.loads(crypto.decrypt(str(found.get("sealed", ""))))
    except (crypto.DecryptionError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def _page(
    request: HttpRequest,
    member: Membership,
    form: ConnectForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    response = render_page(request, "mastodon_connect.html", member, form=form, error=error)
    response.status_code = status
    return response


@login_required
def connect(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    form = ConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        instance_url = data["instance_url"]
        redirect_uri = callback_url(ws)
        try:
            app = oauth.register_app(instance_url, redirect_uri, website=settings.BASE_URL)
        except oauth.ConnectFailed as exc:
            form.add_error("instance_url", str(exc))
        else:
            state = secrets.token_urlsafe(32)
            verifier, challenge = oauth.pkce_pair()
            _remember(request, state, {
                "ws": ws, "instance_url": instance_url, "client_id": app.client_id,
                "client_secret": app.client_secret, "verifier": verifier,
                "redirect_uri": redirect_uri, "visibility": data["visibility"],
                "name": data["name"].strip(),
            })  # fmt: skip
            return redirect(oauth.authorize_url(instance_url, app, redirect_uri, state, challenge))
    return _page(request, member, form)


@login_required
def callback(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    entry = _take(request, request.GET.get("state", ""))
    if entry is None or entry.get("ws") != ws:
        response = render_page(request, "mastodon_error.html", member)
        response.status_code = 400
        return response
    instance_url = str(entry["instance_url"])
    host = urlsplit(instance_url).netloc
    form = ConnectForm(initial={"instance_url": host, "visibility": entry.get("visibility"),
                                "name": entry.get("name", "")})  # fmt: skip
    error = request.GET.get("error", "")
    if error:
        if error == "access_denied":
            message = f"The authorization was denied on {host}: no channel was connected."
        else:
            said = request.GET.get("error_description", "") or error
            message = f"{host} did not authorize Outlier ({said[:200]}): nothing was connected."
        return _page(request, member, form, error=message)
    code = request.GET.get("code", "")
    if not code:
        return _page(request, member, form, status=400,
                     error=f"{host} sent no authorization code back; connect again.")  # fmt: skip
    app = oauth.App(str(entry["client_id"]), str(entry["client_secret"]))
    try:
        token = oauth.exchange_code(
            instance_url, app, str(entry["redirect_uri"]), code, str(entry["verifier"])
        )
    except oauth.ConnectFailed as exc:
        return _page(request, member, form, error=str(exc), status=400)
    settings_ = {"instance_url": instance_url, "visibility": entry.get("visibility", "public")}
    adapter = MastodonAdapter({**settings_, "access_token": token})
    try:
        adapter.test()
    except PublishError as exc:
        return _page(request, member, form, error=f"Signed in, but the account cannot be used: "
                     f"{exc}", status=400)  # fmt: skip
    learnt = adapter.config_changes()
    account = learnt.get("account") or {}
    domain = (learnt.get("instance") or {}).get("domain") or urlsplit(instance_url).hostname
    acct = str(account.get("acct") or "")
    handle = acct if "@" in acct else f"{acct}@{domain}"
    name = str(entry.get("name") or "") or f"@{handle}"
    credentials = {"access_token": token, "client_id": app.client_id,
                   "client_secret": app.client_secret, **learnt}  # fmt: skip
    try:
        channel = actions.do_create_channel(member, MastodonAdapter.name, name, settings_,
                                            credentials)  # fmt: skip
    except ValidationError as exc:
        return _page(request, member, form, error=" ".join(exc.messages), status=400)
    messages.success(request, f"Channel “{channel.name}” connected.")
    return redirect("publishing:channel", ws, channel.pk)
