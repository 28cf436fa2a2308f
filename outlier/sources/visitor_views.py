"""A topic's public "suggest an article" form. Thin: the checks and the write are `visitor`'s.

Answers: 200 with the form (GET), a redirect to the thanks (a stored suggestion, one already
known, an article already on the topic, or a robot's), 400 with the reasons on the form for bad
input or a form sent too fast or too late, 429 with the reason over a rate limit, 404 for a
topic that is private or takes no suggestions.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from outlier.core.client_ip import client_ip
from outlier.curation.models import Topic
from outlier.sources import visitor
from outlier.sources.forms import VisitorSuggestionForm

THANKS = {
    visitor.Outcome.NEW.value: "Thank you: the curator will look at it.",
    visitor.Outcome.ALREADY_SUGGESTED.value: "Thank you: it was suggested before, and the "
                                             "curator will know you asked for it too.",
    visitor.Outcome.ON_TOPIC.value: "Thank you: this article is already on the topic.",
}  # fmt: skip


def _page(request: HttpRequest, topic: Topic, form: VisitorSuggestionForm,
          status: int = 200, error: str = "") -> HttpResponse:  # fmt: skip
    return render(request, "sources/visitor_suggest.html", {
        "topic": topic, "workspace": topic.workspace, "form": form, "error": error,
        "thanks": THANKS.get(request.GET.get("thanks", "")) if request.method == "GET" else "",
        "max_name": visitor.MAX_NAME, "max_note": visitor.MAX_NOTE,
    }, status=status)  # fmt: skip


def _fresh(request: HttpRequest) -> VisitorSuggestionForm:
    """The form again, with what the visitor typed and a new stamp."""
    data = request.POST.copy()
    data["stamp"] = visitor.form_stamp(timezone.now())
    return VisitorSuggestionForm(data)


@never_cache
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, topic: str) -> HttpResponse:
    found = visitor.access_open_topic(topic)
    now = timezone.now()
    if request.method == "GET":
        form = VisitorSuggestionForm(initial={"stamp": visitor.form_stamp(now)})
        return _page(request, found, form)
    form = VisitorSuggestionForm(request.POST)
    if not form.is_valid():
        return _page(request, found, form, status=400)
    data = form.cleaned_data
    if data["website"]:  # a robot: thanked, nothing stored
        return redirect(f"{request.path}?thanks={visitor.Outcome.NEW.value}")
    since = visitor.seconds_since(data["stamp"], now)
    if since is None:
        return _page(request, found, _fresh(request), status=400,
                     error="This form was open too long; send it again.")  # fmt: skip
    if since < visitor.MIN_SECONDS:
        return _page(request, found, _fresh(request), status=400,
                     error="That was quick: wait a moment, then send it again.")  # fmt: skip
    try:
        url, name, note = visitor.check_visitor_suggestion(data["url"], data["name"], data["note"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return _page(request, found, form, status=400)
    client = client_ip(request)
    try:
        visitor.check_allowed(found, client, now)
    except ValidationError as exc:
        return _page(request, found, form, status=429, error=" ".join(exc.messages))
    done = visitor.do_visitor_suggest(found, url, name, note, now, client=client)
    return redirect(f"{request.path}?thanks={done.outcome.value}")
