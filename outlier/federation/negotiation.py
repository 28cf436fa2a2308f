"""Content negotiation on the public pages: asked for ActivityStreams JSON, a topic page
answers with the topic's actor and a scoop page with the scoop's Note (this is how a
fediverse search box turns a pasted URL into something to follow or reply to).

A middleware, so the public site needs no knowledge of federation: it only sees requests for
HTML, and its responses gain `Vary: Accept`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers

from outlier.federation import views
from outlier.networks.activitypub.vocabulary import wants_activity_json

NEGOTIATED_PAGES = {"site:topic", "site:scoop"}


class ActivityPubNegotiation:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in ("GET", "HEAD") and wants_activity_json(
            request.headers.get("Accept", "")
        ):
            twin = views.negotiated(request)
            if twin is not None:
                return twin
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in NEGOTIATED_PAGES:
            patch_vary_headers(response, ("Accept",))
        return response
