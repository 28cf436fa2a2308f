"""Contacts in and out through the REST API: the CSV and vCard exports (streamed, filtered like
the contact list) and the import of a CSV or vCard file with its per-row report.

Any member exports; importing takes a contributor or above and a write token. The formats,
the matching of existing contacts and the rules for identities are those of
`outlier.relationships.exchange`, which the screens use too.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router, Schema

from outlier.api.auth import membership
from outlier.relationships import exchange, queries
from outlier.relationships.exchange_views import download

router = Router(tags=["contacts"])


class ExportFilters(Schema):
    q: str = ""
    sort: Literal["strength", "recent", "name"] = "strength"
    list_id: int | None = None
    tag: str = ""
    cold: bool = False
    due: bool = False
    follows_you: bool = False


def _wanted(filters: ExportFilters) -> queries.Wanted:
    return queries.Wanted(q=filters.q.strip()[:200], sort=filters.sort, list_id=filters.list_id,
                          tag=filters.tag[:50], cold=filters.cold, due=filters.due,
                          follows_you=filters.follows_you)  # fmt: skip


def _file_response(content_type: str, description: str) -> dict[str, Any]:
    return {"responses": {200: {"description": description,
                                "content": {content_type: {"schema": {"type": "string"}}}}}}  # fmt: skip


@router.get(
    "/contacts/export.csv", summary="Export contacts as CSV",
    description="Streamed, UTF-8. Columns: id, name, starred, strength, last_interaction_at, "
                "tags and lists (joined by ;), identities (network:stable id, joined by "
                "spaces), handles (the same identities' handles, in the same order), then one "
                "`field:<label>` column per custom field. Cells a spreadsheet would run as a "
                "formula start with an apostrophe. Filters as for `GET /contacts`.",
    openapi_extra=_file_response("text/csv", "The contacts, one row each."),
)  # fmt: skip
def export_csv(request: HttpRequest, filters: Query[ExportFilters]) -> StreamingHttpResponse:
    member = membership(request)
    return download(exchange.export_csv(member.workspace.pk, _wanted(filters)),
                     member.workspace.slug, "csv", "text/csv; charset=utf-8")  # fmt: skip


@router.get(
    "/contacts/export.vcf", summary="Export contacts as vCard 4.0",
    description="Streamed, one card a contact (RFC 6350): FN, CATEGORIES (tags), NOTE (one a "
                "note), and per identity SOCIALPROFILE (RFC 9554; the stable id as value, the "
                "handle as USERNAME) with X-SOCIALPROFILE and the profile URL in the same "
                "group; lists, custom fields and the star as X-OUTLIER-LISTS, X-OUTLIER-FIELD "
                "and X-OUTLIER-STARRED. Filters as for `GET /contacts`.",
    openapi_extra=_file_response("text/vcard", "The contacts, one vCard each."),
)  # fmt: skip
def export_vcard(request: HttpRequest, filters: Query[ExportFilters]) -> StreamingHttpResponse:
    member = membership(request)
    return download(exchange.export_vcard(member.workspace.pk, _wanted(filters)),
                     member.workspace.slug, "vcf", "text/vcard; charset=utf-8")  # fmt: skip


class RowErrorOut(Schema):
    column: str  # the CSV column or vCard property; "" for the row as a whole
    message: str
    text: str  # "Row 4, name: Give the contact a name."


class RowOut(Schema):
    row: int  # the spreadsheet's row number (the header is 1), or the vCard's card number
    ok: bool
    outcome: Literal["created", "updated", "unchanged", "failed"]
    name: str
    contact: int | None
    errors: list[RowErrorOut]
    notes: list[str]  # what was kept rather than overwritten, what was added


class ImportOut(Schema):
    format: Literal["csv", "vcard"]
    total: int
    created: int
    updated: int
    unchanged: int
    failed: int
    columns: list[str]
    notes: list[str]
    rows: list[RowOut]


IMPORT_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": f"A CSV or vCard file ({exchange.MAX_FILE_BYTES // 1024 // 1024} "
                                f"MB, {exchange.MAX_ROWS:,} contacts at most)"},
    },
}  # fmt: skip


@router.post(
    "/contacts/import", response=ImportOut, summary="Import contacts from a CSV or vCard file",
    description="Multipart form with `file`. Answers the per-row report (200), also when some "
                "rows failed: the good rows are stored, each bad one is listed with its number "
                "and reason. A file that cannot be imported at all (too large, too many rows, "
                "not text, no `name` column) is a 400 on `file` and stores nothing. Identities "
                "are created only from their stable id (a DID, an actor URI); a handle alone "
                "must belong to an identity the workspace has. Re-importing a file changes "
                "nothing.",
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"multipart/form-data": {"schema": IMPORT_FORM}}}},
)  # fmt: skip
def import_contacts(request: HttpRequest) -> dict[str, Any]:
    member = membership(request, write=True)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": "Send the file as the multipart field “file”."})
    return exchange.do_import_contacts(member, upload, upload.name or "").as_dict()
