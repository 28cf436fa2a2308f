"""The contact list's exports (CSV and vCard, of the contacts its filters keep) and the import
screen (upload a CSV or vCard file, see what became of each row).

Thin, like `views.py`: the reading, writing and checking is `exchange.py`. Any member exports;
contributors and above import (a viewer gets 403, someone outside the workspace 404).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.forms import add_errors
from outlier.relationships import actions, exchange, views


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or vCard file",
        help_text=f"At most {exchange.MAX_FILE_BYTES // 1024 // 1024} MB and "
        f"{exchange.MAX_ROWS:,} contacts. The columns of the CSV export (name required), or "
        "vCards (.vcf).",
    )


def download(body: Iterable[str], workspace_slug: str, extension: str,
             content_type: str) -> StreamingHttpResponse:  # fmt: skip
    """A streamed file download named after the workspace and the day, never cached."""
    response = StreamingHttpResponse(body, content_type=content_type)
    day = timezone.now().date().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="contacts-{workspace_slug}-{day}.{extension}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def export_csv(request: HttpRequest, ws: str) -> StreamingHttpResponse:
    member = views.member_for(request, ws)
    wanted = views._wanted(request, member.workspace.pk)
    return download(exchange.export_csv(member.workspace.pk, wanted), member.workspace.slug,
                     "csv", "text/csv; charset=utf-8")  # fmt: skip


@login_required
def export_vcard(request: HttpRequest, ws: str) -> StreamingHttpResponse:
    member = views.member_for(request, ws)
    wanted = views._wanted(request, member.workspace.pk)
    return download(exchange.export_vcard(member.workspace.pk, wanted), member.workspace.slug,
                     "vcf", "text/vcard; charset=utf-8")  # fmt: skip


@login_required
def import_contacts(request: HttpRequest, ws: str) -> HttpResponse:
    member = views.member_for(request, ws)
    check_role(member, actions.WORK_ROLE)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = exchange.do_import_contacts(member, upload, upload.name or "")
            except ValidationError as exc:
                add_errors(form, exc)
        if report is None:
            status = 400
    return render(request, "relationships/import.html", {
        "membership": member, "workspace": member.workspace, "form": form, "report": report,
        "shown": report.shown() if report else [], "max_rows": f"{exchange.MAX_ROWS:,}",
    }, status=status)  # fmt: skip
