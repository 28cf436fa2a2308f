"""`/l/<code>` when a request reaches Django (the test client, `runserver`): the same answer
as the lean path in `outlier/wsgi.py` (see `outlier.links.redirect`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from outlier.links.redirect import answer


def follow(request: HttpRequest, code: str) -> HttpResponse:
    result = answer(request.META, code)
    response = HttpResponse(result.body, status=int(result.status.split(" ", 1)[0]))
    for name, value in result.headers:
        response.headers[name] = value
    return response
