"""The import screen: upload a CSV of scheduled posts, see what became of each row.

Thin, like `views.py`: the reading, checking and creating is `bulk_import.do_import`.
Contributors, editors and owners may import (contributors' posts wait for approval); a viewer
gets 403, someone outside the workspace 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.publishing import bulk_import, timing
from outlier.publishing.models import Channel
from outlier.publishing.views import TZ_COOKIE, timezone_names


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="At most 350 posts and 1 MB. With a header row (date, time, text, link, "
        "image_url, channel) or Hootsuite's layout without one (date and time, message, link).",
    )
    date_format = forms.ChoiceField(
        label="Dates in the file are",
        choices=[(f, f) for f in bulk_import.DATE_FORMATS],
        initial="MM/DD/YYYY",
    )
    timezone = forms.CharField(
        label="Time zone",
        required=False,
        help_text="The times in the file are in this zone. Leave empty to use each post's "
        "channel's own zone.",
        widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off"}),
    )
    channels = forms.ModelMultipleChoiceField(
        label="Post to",
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For rows that name no channel (every row of a file without a header).",
    )
    check_only = forms.BooleanField(
        label="Check only: report what would happen, create nothing", required=False
    )

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channels"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Channel.objects.filter(workspace=member.workspace)

    def clean_timezone(self) -> str:
        name = str(self.cleaned_data.get("timezone") or "").strip()
        if name:
            timing.zone(name)
        return name


def _zone_from_cookie(request: HttpRequest) -> str:
    name = unquote(request.COOKIES.get(TZ_COOKIE, ""))
    if not name:
        return ""
    try:
        timing.zone(name)
    except ValidationError:
        return ""
    return name


@login_required
def import_posts(request: HttpRequest, ws: str) -> HttpResponse:
    member = access_workspace(request_user(request), ws, Role.CONTRIBUTOR)
    report: bulk_import.ImportReport | None = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, member=member)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = bulk_import.do_import(
                    member, data["file"], data["timezone"], data["date_format"],
                    list(data["channels"]), check_only=data["check_only"],
                )  # fmt: skip
            except ValidationError as exc:
                add_errors(form, exc)
    else:
        form = ImportForm(member=member, initial={"timezone": _zone_from_cookie(request)})
    context = {
        "membership": member,
        "workspace": member.workspace,
        "form": form,
        "report": report,
        "timezones": timezone_names(),
        "is_editor": member.allows(Role.EDITOR),
    }
    return render(request, "publishing/import.html", context)
