"""The visitor's pages: the subscribe form (a page of its own, and the frame the topic page
shows), confirming, and unsubscribing. No account: the topic must be public, and the tokens
in the links are the only proof a visitor holds.

- Subscribe (GET the form, POST it): the answer is the same whether the address was known or
  not; a filled honeypot gets that answer too, with nothing stored; an invalid address or an
  unknown zone is a 400 with the reason beside the field, nothing stored; too many requests
  from the address or from the client is a 429. CSRF-protected like every form: the topic page
  is cached for everyone, so it shows this form in a frame (same origin) rather than carrying
  a token of its own.
- Confirm (GET shows a button, POST confirms: mail scanners that fetch links confirm nothing):
  404 for a forged link, 410 for an expired, replaced or used one.
- Unsubscribe (`List-Unsubscribe`): POST unsubscribes at once, the RFC 8058 one-click POST
  (`List-Unsubscribe=One-Click`, sent by mail programs without cookies or tokens) as well as
  the page's button: this view alone is exempt from CSRF, the token in its address being the
  proof. GET shows the page with the button. Unsubscribing twice is fine; 404 for a link that
  matches no subscription.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from outlier.core.client_ip import client_ip
from outlier.core.forms import add_errors
from outlier.digests import actions, tokens
from outlier.digests.forms import SubscribeForm

ONE_CLICK = "List-Unsubscribe=One-Click"


def _subscribe_page(request: HttpRequest, topic: object, form: SubscribeForm, framed: bool,
                    status: int = 200, **context: object) -> HttpResponse:  # fmt: skip
    template = "digests/subscribe_frame.html" if framed else "digests/subscribe.html"
    return render(request, template,
                  {"topic": topic, "form": form, "framed": framed, **context}, status=status)  # fmt: skip


@never_cache
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, topic: str, framed: bool = False) -> HttpResponse:
    found = actions.access_public_topic(topic)
    if request.method == "GET":
        return _subscribe_page(request, found, SubscribeForm(), framed)
    form = SubscribeForm(request.POST)
    if form.honeypot_filled():
        return _subscribe_page(request, found, SubscribeForm(), framed, asked=True)
    if not form.is_valid():
        return _subscribe_page(request, found, form, framed, status=400)
    data = form.cleaned_data
    try:
        wanted = actions.check_subscription(data["email"], data["frequency"],
                                            data.get("weekday") or "0", data["hour"],
                                            data["time_zone"])  # fmt: skip
        actions.do_subscribe(found, wanted, client_ip(request))
    except ValidationError as exc:
        add_errors(form, exc)
        return _subscribe_page(request, found, form, framed, status=400)
    except actions.RateLimited as exc:
        form.add_error(None, str(exc))
        return _subscribe_page(request, found, form, framed, status=429)
    return _subscribe_page(request, found, SubscribeForm(), framed, asked=True)


def _token_error(request: HttpRequest, exc: tokens.BadToken) -> HttpResponse:
    return render(request, "digests/link_error.html", {"message": str(exc)}, status=exc.status)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            subscription = actions.check_confirmation(token)
            return render(request, "digests/confirm.html", {"subscription": subscription,
                                                            "topic": subscription.topic})  # fmt: skip
        subscription = actions.do_confirm(token)
    except tokens.BadToken as exc:
        return _token_error(request, exc)
    return render(request, "digests/confirm.html", {"subscription": subscription,
                                                    "topic": subscription.topic, "done": True})  # fmt: skip


@csrf_exempt  # RFC 8058: mail programs POST here with no cookie and no token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = tokens.read_unsubscribe(token)
    except tokens.BadToken as exc:
        return _token_error(request, exc)
    if request.method == "POST":
        subscription = actions.do_unsubscribe(subscription)
        if "button" not in request.POST:  # a mail program's one-click POST: no page to show
            return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
        return render(request, "digests/unsubscribe.html",
                      {"subscription": subscription, "topic": subscription.topic, "done": True})  # fmt: skip
    return render(request, "digests/unsubscribe.html",
                  {"subscription": subscription, "topic": subscription.topic})  # fmt: skip
