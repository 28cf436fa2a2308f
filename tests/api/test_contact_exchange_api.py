"""Contacts exported and imported through the REST API: CSV and vCard downloads streamed and
filtered like the list, an import answering its per-row report (good rows stored, bad ones
listed), refusals (a viewer, a read token, an oversized file), other workspaces' contacts never
exported, and the three operations in the OpenAPI document."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from outlier.relationships import actions, exchange
from outlier.relationships.models import Contact, Identity
from tests.api.client import Api
from tests.relationships.conftest import (  # noqa: F401
    arrive,
    loopback_allowed,
    mastodon,
    synced,
    toot,
)

DID = "did:plc:abcdefghijklmnopqrstuvwx"


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def upload(text: str | bytes, name: str = "contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def test_exports_stream_the_workspaces_contacts_filtered_like_the_list(team, toot):  # noqa: F811
    arrive(toot, handle="@ana@social.example", name="Ana")
    synced()
    ana = Identity.objects.get(handle="@ana@social.example").contact
    actions.do_tag(team.member(team.contributor), [ana], ["press"])
    Contact.objects.create(workspace=team.workspace, name="Bo")
    Contact.objects.create(workspace=team.other_workspace, name="Rival's secret")
    api = Api(team.token(team.viewer, "read"))
    response = api.get("/contacts/export.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-acme-')
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert sorted(r["name"] for r in rows) == ["Ana", "Bo"]
    assert next(r for r in rows if r["name"] == "Ana")["identities"] == (
        "fediverse:https://social.example/users/ana")  # fmt: skip
    only_press = list(csv.DictReader(io.StringIO(body(api.get("/contacts/export.csv?tag=press")))))
    assert [r["name"] for r in only_press] == ["Ana"]
    cards = api.get("/contacts/export.vcf")
    assert cards["Content-Type"] == "text/vcard; charset=utf-8"
    text = body(cards)
    assert text.count("BEGIN:VCARD") == 2 and "Rival's secret" not in text
    assert "FN:Ana\r\n" in text and "SERVICE-TYPE=Fediverse" in text
    assert api.get("/contacts/export.csv?sort=sideways").status_code == 422
    assert Client().get("/api/v1/contacts/export.csv").status_code == 401


def test_an_import_answers_its_per_row_report(team):
    data = (
        "name,tags,lists,identities,Company\r\n"
        f"Ana,press;VIP,Journalists,bluesky:{DID},Planet\r\n"
        ",,,,\r\n"
        ",x,,,\r\n"
        "Eve,,,fediverse:@eve@nowhere.example,\r\n"
        "Short row\r\n"
    )
    api = Api(team.token(team.contributor))
    response = api.upload("/contacts/import", {"file": upload(data)})
    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["format"], report["total"], report["created"], report["failed"]) == (
        "csv", 4, 1, 3)  # fmt: skip
    assert report["notes"] == ["Read as custom fields: Company."]
    assert [(r["row"], r["ok"]) for r in report["rows"]] == [
        (2, True), (4, False), (5, False), (6, False)]  # fmt: skip
    assert report["rows"][1]["errors"] == [{"column": "name",
                                            "message": "Give the contact a name.",
                                            "text": "Row 4, name: Give the contact a name."}]  # fmt: skip
    assert "only a handle" in report["rows"][2]["errors"][0]["message"]
    assert report["rows"][3]["errors"][0]["text"] == "Row 6: has 1 cell; the header has 5."
    ana = Contact.objects.get(pk=report["rows"][0]["contact"])
    assert ana.fields == {"Company": "Planet"} and ana.lists.get().name == "Journalists"
    again = api.upload("/contacts/import", {"file": upload(data)}).json()
    assert (again["created"], again["unchanged"]) == (0, 1)


def test_a_vcard_import_through_the_api(team):
    card = ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë\r\nCATEGORIES:a\\,b,c\r\n"
            f"SOCIALPROFILE;SERVICE-TYPE=Bluesky:{DID}\r\nEND:VCARD\r\n")  # fmt: skip
    api = Api(team.token(team.contributor))
    report = api.upload("/contacts/import", {"file": upload(card, "zoe.vcf")}).json()
    assert (report["format"], report["created"]) == ("vcard", 1)
    zoe = Contact.objects.get(name="Zoë")
    assert sorted(t.name for t in zoe.tags.all()) == ["a,b", "c"]
    assert zoe.identities.get().remote_id == DID


def test_refusals(team):
    data = upload("name\r\nAna\r\n")
    viewer = Api(team.token(team.viewer)).upload("/contacts/import", {"file": data})
    assert viewer.status_code == 403 and "contributor" in viewer.json()["detail"]
    read_only = Api(team.token(team.contributor, "read")).upload("/contacts/import",
                                                                 {"file": upload("name\r\nA\r\n")})  # fmt: skip
    assert read_only.status_code == 403 and "write" in read_only.json()["detail"]
    api = Api(team.token(team.contributor))
    big = upload(b"name\r\n" + b"x" * exchange.MAX_FILE_BYTES)
    refused = api.upload("/contacts/import", {"file": big})
    assert refused.status_code == 400 and "at most 5 MB" in refused.json()["errors"]["file"][0]
    missing = api.upload("/contacts/import", {})
    assert missing.status_code == 400 and "multipart field" in missing.json()["detail"]
    assert not Contact.objects.exists()


def test_the_operations_are_in_openapi(team):
    schema = Api(team.token(team.viewer, "read")).get("/openapi.json").json()
    paths = schema["paths"]
    assert paths["/api/v1/contacts/export.csv"]["get"]["summary"] == "Export contacts as CSV"
    assert "text/csv" in paths["/api/v1/contacts/export.csv"]["get"]["responses"]["200"]["content"]
    assert paths["/api/v1/contacts/export.vcf"]["get"]["summary"] == "Export contacts as vCard 4.0"
    operation = paths["/api/v1/contacts/import"]["post"]
    assert operation["summary"] == "Import contacts from a CSV or vCard file"
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "200" in operation["responses"]
