"""The WebSub callback (`/websub/<feed id>/<token>/`): what a feed's hub calls.

No login, no role, no CSRF token: the unguessable token in the path and, for content, the
X-Hub-Signature over the body are the guard (`websub`).

- GET: verification of intent. 200 with hub.challenge as plain text when Outlier asked for
  that mode on that topic, else 404; hub.mode=denied is noted and answered 200.
- POST: content distribution. 202 when received, whether its signature held or not (an
  unsigned or forged body is ignored, WebSub 7.1.2); 410 when the callback is no subscription
  of Outlier's (any more), so the hub drops it; 413 for a body over the feed size cap. A body
  that verifies is stored before the answer, like a poll's items (`polling.store`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from outlier.sources import polling, websub

TEXT = "text/plain; charset=utf-8"


def _answer(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type=TEXT)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, feed_id: int, token: str) -> HttpResponse:
    now = timezone.now()
    if request.method == "GET":
        answer = websub.do_verify(feed_id, token, request.GET, now)
        if answer is None:
            return _answer("No such subscription or unsubscription is pending.\n", 404)
        return _answer(answer, 200)
    cap = settings.FEED_MAX_BYTES
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > cap:
        return _answer(f"The body is larger than {cap:,} bytes.\n", 413)
    body = request.read(cap + 1)
    if len(body) > cap:
        return _answer(f"The body is larger than {cap:,} bytes.\n", 413)
    try:
        pushed = websub.check_push(feed_id, token, request.headers.get("X-Hub-Signature", ""),
                                   body, request.headers.get("Content-Type", ""), now)  # fmt: skip
    except websub.Gone:
        return _answer("No such subscription.\n", 410)
    if pushed is not None:
        new = polling.store(pushed.feed, pushed.parsed, now)
        websub.do_note_push(pushed.feed, new, now)
    return _answer("", 202)
