"""``?page=N`` for the public lists: anything but a page that exists is a 404."""

from __future__ import annotations

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from outlier.curation.models import Scoop
from outlier.site.queries import PAGE_SIZE


def page_number(request: HttpRequest) -> int:
    """The requested page number; 404 for anything but a positive integer."""
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        raise Http404("No such page.")
    return int(raw)


def scoop_page(scoops: QuerySet[Scoop], number: int, allow_empty: bool = True) -> Page[Scoop]:
    """One page of scoops; 404 past the last page (and for an empty list unless allowed)."""
    paginator = Paginator(scoops, PAGE_SIZE, allow_empty_first_page=allow_empty)
    try:
        return paginator.page(number)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc
