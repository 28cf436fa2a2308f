"""Contacts exported as CSV and vCard and imported back: a round trip into another workspace keeps
names, tags, lists, fields and identities; re-importing changes nothing; bad rows are reported
one by one while the good ones are stored; spreadsheet formulas are neutralised; hostile names
render inert; a viewer cannot import; oversized files are refused; vCard syntax (folding,
escaping) is written and read as RFC 6350 says."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from outlier.core.models import Membership
from outlier.relationships import actions, exchange, queries, vcard
from outlier.relationships.models import Contact, ContactNote, Identity
from tests.relationships.conftest import arrive, synced

DID_ANA = "did:plc:abcdefghijklmnopqrstuvwx"
DID_BO = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
HOSTILE = "<img src=x onerror=alert(1)>"


def rival_member(team) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        user=team.outsider, workspace=team.other_workspace
    )


def upload(text: str | bytes, name: str = "contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def bluesky(contact: Contact, did: str, handle: str) -> Identity:
    now = timezone.now()
    return Identity.objects.create(workspace_id=contact.workspace_id, contact=contact,
                                   network="bluesky", remote_id=did, handle=handle,
                                   profile_url=f"https://bsky.app/profile/{handle}",
                                   first_seen_at=now, last_seen_at=now)  # fmt: skip


def snapshot(workspace_id: int) -> list[tuple]:
    """Everything a round trip must keep, independent of ids."""
    rows = []
    for c in Contact.objects.filter(workspace_id=workspace_id).prefetch_related("tags", "lists"):
        rows.append((c.name, c.starred, sorted(t.name for t in c.tags.all()),
                     sorted(lst.name for lst in c.lists.all()), c.fields,
                     sorted(c.identities.values_list("network", "remote_id", "handle"))))  # fmt: skip
    return sorted(rows, key=repr)


@pytest.fixture
def people(team, toot):
    """Ana (a fediverse identity from the inbox and a Bluesky one, tags, lists, fields, notes,
    a star), Bo (Bluesky only), Cy (made by hand: no identities)."""
    arrive(toot, handle="@ana@social.example", name="Ana")
    synced()
    member = team.member(team.contributor)
    ana = Identity.objects.get(handle="@ana@social.example").contact
    actions.do_rename(member, ana, 'Ana Lima, PhD; \\ the "best"')
    bluesky(ana, DID_ANA, "ana.example")
    actions.do_tag(member, [ana], ["press", "semi;colon", "VIP"])
    actions.do_add_to_list(member, [ana], "Journalists")
    actions.do_add_to_list(member, [ana], "Partners, EU")
    actions.do_set_fields(member, ana, {"Company": "Planet", "name": "a field called name",
                                        "Phone": "+1 555 0100"})  # fmt: skip
    actions.do_star(member, ana, True)
    actions.do_add_note(member, ana, "First note")
    actions.do_add_note(member, ana, "Second note, with: commas; semicolons\nand a new line")
    bo = Contact.objects.create(workspace=team.workspace, name="Bo Ørsted")
    bluesky(bo, DID_BO, "bo.example")
    actions.do_tag(member, [bo], ["press"])
    cy = Contact.objects.create(workspace=team.workspace, name="Cy Twombly")
    actions.do_set_fields(member, cy, {"Company": "Studio"})
    return {"ana": ana, "bo": bo, "cy": cy}


def csv_text(workspace_id: int, wanted: queries.Wanted | None = None) -> str:
    return "".join(exchange.export_csv(workspace_id, wanted))


def vcf_text(workspace_id: int, wanted: queries.Wanted | None = None) -> str:
    return "".join(exchange.export_vcard(workspace_id, wanted))


def test_csv_round_trip_into_another_workspace_and_again(team, people):
    text = csv_text(team.workspace.pk)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:9] == list(exchange.CSV_COLUMNS)
    assert "field:Company" in rows[0] and "field:name" in rows[0]
    ana = next(r for r in rows if r["id"] == str(people["ana"].pk))
    assert ana["tags"] == "VIP;press;semi\\;colon" and ana["starred"] == "yes"
    assert ana["identities"].split() == [
        "fediverse:https://social.example/users/ana", f"bluesky:{DID_ANA}"]  # fmt: skip
    assert ana["handles"].split() == ["fediverse:@ana@social.example", "bluesky:ana.example"]
    assert float(ana["strength"]) > 0 and ana["last_interaction_at"].endswith("+00:00")
    assert ana["field:Phone"] == "'+1 555 0100"  # a spreadsheet would take it for a formula

    rival = rival_member(team)
    report = exchange.do_import_contacts(rival, upload(text))
    assert (report.total, report.created, report.failed) == (3, 3, 0), report.as_dict()
    assert snapshot(team.other_workspace.pk) == snapshot(team.workspace.pk)
    assert "id, strength, last_interaction_at are not imported" in " ".join(report.notes)

    again = exchange.do_import_contacts(rival, upload(text))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3), again.as_dict()
    assert Contact.objects.filter(workspace=team.other_workspace).count() == 3


def test_vcard_round_trip_keeps_notes_and_profile_pages(team, people):
    text = vcf_text(team.workspace.pk)
    assert text.count("BEGIN:VCARD\r\nVERSION:4.0\r\n") == 3
    folded, text = text, text.replace("\r\n ", "")  # unfolded, to read the properties whole
    assert folded != text
    assert 'FN:Ana Lima\\, PhD\\; \\\\ the "best"\r\n' in text
    assert "CATEGORIES:VIP,press,semi\\;colon\r\n" in text
    assert f"id2.SOCIALPROFILE;SERVICE-TYPE=Bluesky;USERNAME=ana.example:{DID_ANA}\r\n" in text
    assert f"id2.X-SOCIALPROFILE;TYPE=bluesky;X-USER=ana.example:{DID_ANA}\r\n" in text
    assert "id2.URL:https://bsky.app/profile/ana.example\r\n" in text
    assert "NOTE:Second note\\, with: commas\\; semicolons\\nand a new line\r\n" in text
    assert "X-OUTLIER-LISTS:Journalists,Partners\\, EU\r\n" in text

    rival = rival_member(team)
    report = exchange.do_import_contacts(rival, upload(folded, "people.vcf"))
    assert (report.format, report.created, report.failed) == ("vcard", 3, 0), report.as_dict()
    assert snapshot(team.other_workspace.pk) == snapshot(team.workspace.pk)
    copy = Contact.objects.get(workspace=team.other_workspace, starred=True)
    assert list(copy.notes.values_list("text", flat=True)) == list(
        people["ana"].notes.values_list("text", flat=True))  # fmt: skip
    bsky = copy.identities.get(network="bluesky")
    assert bsky.profile_url == "https://bsky.app/profile/ana.example"

    again = exchange.do_import_contacts(rival, upload(folded, "people.vcf"))
    assert again.unchanged == 3 and ContactNote.objects.filter(contact=copy).count() == 2


def test_a_csv_with_bad_rows_reports_them_per_row_and_stores_the_good_ones(team):
    long_value = "x" * (actions.MAX_FIELD_VALUE + 1)
    head = (
        "name,tags,identities,field:Company\r\n"  # row 1
        f"Good One,press,bluesky:{DID_ANA},Planet\r\n"  # 2
        ",press,,\r\n"  # 3: no name
        "Bad Network,,myspace:tom,\r\n"  # 4
        f"Too Long,,,{long_value}\r\n"  # 5
    )
    not_utf8 = b"Bad \xff\xfe Bytes,,,\r\n"  # 6
    tail = (
        b"Too,Many,Cells,Here,And more\r\n"  # 7
        b"Handle Only,,bluesky:nobody.example,\r\n"  # 8
        b'"Good, Two",,fediverse:https://social.example/users/two,\r\n'  # 9
    )
    data = head.encode() + not_utf8 + tail
    report = exchange.do_import_contacts(team.member(team.contributor), upload(data))
    assert (report.total, report.created, report.failed) == (8, 2, 6)
    errors = {r.row: [str(e) for e in r.errors] for r in report.rows if not r.ok}
    assert list(errors) == [3, 4, 5, 6, 7, 8]
    assert errors[3] == ["Row 3, name: Give the contact a name."]
    assert "“myspace” is not a network" in errors[4][0]
    assert errors[5][0].startswith("Row 5, field:Company: the value has 501 characters")
    assert "not UTF-8" in errors[6][0]
    assert errors[7] == ["Row 7: has 5 cells; the header has 4."]
    assert "only a handle" in errors[8][0] and "DID" in errors[8][0]
    assert sorted(Contact.objects.filter(workspace=team.workspace).values_list("name", flat=True)) == [
        "Good One", "Good, Two"]  # fmt: skip
    good = Contact.objects.get(name="Good One")
    assert good.fields == {"Company": "Planet"} and [t.name for t in good.tags.all()] == ["press"]
    assert good.identities.get().remote_id == DID_ANA
    assert good.events.get().action == "imported"


def test_formula_cells_are_neutralised_and_come_back_intact(team):
    member = team.member(team.contributor)
    names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
             "'=already quoted", "Plain"]  # fmt: skip
    for name in names:
        contact = Contact.objects.create(workspace=team.workspace, name=name)
        actions.do_set_fields(member, contact, {"Score": "-5", "Formula": "=1+1"})
        actions.do_tag(member, [contact], ["=tag"])
    rows = list(csv.reader(io.StringIO(csv_text(team.workspace.pk))))
    header, body = rows[0], rows[1:]
    for row in body:
        cells = dict(zip(header, row, strict=True))
        for cell in (cells["name"], cells["tags"], cells["field:Formula"]):
            assert cell[:1] not in "=+-@", cell
        assert cells["field:Score"] == "-5"  # a plain number is no formula
    assert sorted(r[1] for r in body) == sorted(
        ["'" + n for n in names[:5]] + ["Plain"])  # fmt: skip
    rival = rival_member(team)
    exchange.do_import_contacts(rival, upload(csv_text(team.workspace.pk)))
    assert snapshot(team.other_workspace.pk) == snapshot(team.workspace.pk)


def test_hostile_names_render_inert_on_the_result_page(team):
    data = f'name,tags\r\n"{HOSTILE}","{HOSTILE}"\r\n"{HOSTILE}",{"x" * 60}\r\n'
    response = team.client(team.contributor).post(
        f"/app/{team.workspace.slug}/contacts/import/", {"file": upload(data)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert HOSTILE not in page and "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "data-created>1<" in page and "data-failed>1<" in page
    contact = Contact.objects.get(workspace=team.workspace)
    assert contact.name == HOSTILE  # stored as written, shown as text
    listed = team.client(team.viewer).get(f"/app/{team.workspace.slug}/contacts/").content.decode()
    assert HOSTILE not in listed and "Export CSV" in listed and "Export vCard" in listed
    assert 'name="file"' not in listed  # a viewer is not offered the import


def test_a_viewer_cannot_import(team):
    with pytest.raises(PermissionDenied):
        exchange.do_import_contacts(team.member(team.viewer), upload("name\r\nAna\r\n"))
    client = team.client(team.viewer)
    url = f"/app/{team.workspace.slug}/contacts/import/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": upload("name\r\nAna\r\n")}).status_code == 403
    assert not Contact.objects.exists()
    outsider = team.client(team.outsider).post(url, {"file": upload("name\r\nAna\r\n")})
    assert outsider.status_code == 404 and not Contact.objects.exists()


def test_oversized_files_and_too_many_rows_are_refused_whole(team):
    member = team.member(team.contributor)
    big = b"name\r\n" + b"Someone\r\n" * (exchange.MAX_FILE_BYTES // 9 + 1)
    with pytest.raises(ValidationError) as caught:
        exchange.do_import_contacts(member, upload(big))
    assert "at most 5 MB" in caught.value.message_dict["file"][0]
    many = "name\r\n" + "".join(f"P{i}\r\n" for i in range(exchange.MAX_ROWS + 1))
    with pytest.raises(ValidationError) as caught:
        exchange.do_import_contacts(member, upload(many))
    assert "more than 50,000 rows" in caught.value.message_dict["file"][0]
    for bad, reason in ((b"tags\r\npress\r\n", "“name” column is required"),
                        (b"PK\x03\x04 workbook", "spreadsheet workbook"),
                        (b"  \r\n", "empty"), (b"name,Name\r\nA,B\r\n", "there twice")):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            exchange.do_import_contacts(member, upload(bad))
        assert reason in caught.value.message_dict["file"][0]
    assert not Contact.objects.exists()
    page = team.client(team.contributor).post(f"/app/{team.workspace.slug}/contacts/import/",
                                              {"file": upload(big)})  # fmt: skip
    assert page.status_code == 400 and "at most 5 MB" in page.content.decode()


FOLDED = (
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:Zoë van der Berg\\, Jr. and a very long name that goes on and on past seve\r\n"
    " nty-five octets\r\n"
    "CATEGORIES:press\\, radio,VIP,semi\\;colon\r\n"
    'NOTE:Met at the fair\\; said \\"call me\\"\\nSecond line with a backslash \\\\ \r\n'
    "\there\r\n"
    'item1.SOCIALPROFILE;SERVICE-TYPE=Mastodon;USERNAME="zoe@social.example":https://soc\r\n'
    " ial.example/users/zoe\r\n"
    "item1.URL:https://social.example/@zoe\r\n"
    "X-SOCIALPROFILE;type=bluesky;x-user=zoe.example:https://bsky.app/profile/did:plc:zzzzzz\r\n"
    " zzzzzzzzzzzzzzzzzz\r\n"
    "X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/zoe\r\n"
    "EMAIL;TYPE=work:zoe@example.org\r\n"
    "BDAY:19900101\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Doe;John;;Dr.;\r\n"
    "TEL;HOME:+1 555 0199\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "NOTE:no name here\r\n"
    "END:VCARD\r\n"
)


def test_a_vcard_with_folded_lines_and_escaped_commas_is_read_right(team):
    report = exchange.do_import_contacts(team.member(team.contributor), upload(FOLDED, "z.vcf"))
    assert (report.format, report.created, report.failed) == ("vcard", 2, 1), report.as_dict()
    assert [str(e) for e in report.rows[2].errors] == ["Row 3, FN: Give the contact a name."]
    assert "BDAY ×1" in " ".join(report.notes)
    zoe = Contact.objects.get(name__startswith="Zoë")
    assert zoe.name == ("Zoë van der Berg, Jr. and a very long name that goes on and on past "
                        "seventy-five octets")  # fmt: skip
    assert sorted(t.name for t in zoe.tags.all()) == ["VIP", "press, radio", "semi;colon"]
    assert zoe.notes.get().text == ('Met at the fair; said \\"call me\\"\nSecond line with a '
                                    "backslash \\ here")  # fmt: skip
    assert sorted(zoe.identities.values_list("network", "remote_id", "handle", "profile_url")) == [
        ("bluesky", "did:plc:zzzzzzzzzzzzzzzzzzzzzzzz", "zoe.example", ""),
        ("fediverse", "https://social.example/users/zoe", "@zoe@social.example",
         "https://social.example/@zoe"),
    ]  # fmt: skip
    assert zoe.fields == {"twitter profile": "https://twitter.com/zoe", "Email": "zoe@example.org"}
    john = Contact.objects.get(name="Dr. John Doe")
    assert john.fields == {"Phone": "+1 555 0199"}


def test_vcard_lines_are_folded_at_75_octets_without_cutting_a_character(team):
    name = "Ærøskøbing " * 12  # two-byte letters across every fold
    contact = Contact.objects.create(workspace=team.workspace, name=name.strip())
    actions.do_add_note(team.member(team.contributor), contact, "línea, uno; dos\\tres\n" * 5)
    text = vcf_text(team.workspace.pk)
    assert text.endswith("END:VCARD\r\n") and "\n" not in text.replace("\r\n", "")
    for physical in text.split("\r\n"):
        assert len(physical.encode()) <= 75, physical
    logical = dict((p.name, p) for _, ln in vcard.unfold(text)
                   if (p := vcard.parse_line(ln)) is not None)  # fmt: skip
    assert logical["FN"].text() == name.strip()
    assert logical["NOTE"].text() == ("línea, uno; dos\\tres\n" * 5).strip()
    assert vcard.fold("x" * 75) == "x" * 75 + "\r\n"
    assert vcard.fold("x" * 76) == "x" * 75 + "\r\n x\r\n"
    assert vcard.param_value('a;b "c"') == "\"a;b ^'c^'\""


def test_an_import_matches_existing_contacts_and_overwrites_nothing(team, toot):
    arrive(toot, handle="@ana@social.example", name="Ana")
    synced()
    member = team.member(team.contributor)
    ana = Identity.objects.get(handle="@ana@social.example").contact
    actions.do_set_fields(member, ana, {"Company": "Planet"})
    bo = Contact.objects.create(workspace=team.workspace, name="Bo")
    bluesky(bo, DID_BO, "bo.example")
    data = (
        "name,starred,tags,lists,identities,field:Company,field:City\r\n"
        f"Ana Renamed,no,press,Partners,fediverse:@ana@social.example bluesky:{DID_ANA},Other,Rome\r\n"
        f"Both,,,,fediverse:https://social.example/users/ana bluesky:{DID_BO},,\r\n"
    )
    report = exchange.do_import_contacts(member, upload(data))
    first, second = report.rows
    assert first.outcome == "updated" and first.contact_id == ana.pk
    assert any("kept the name “Ana”" in n for n in first.notes)
    assert any("Kept Company = “Planet”; the file says “Other”" in n for n in first.notes)
    ana.refresh_from_db()
    assert ana.name == "Ana" and ana.fields == {"Company": "Planet", "City": "Rome"}
    assert [t.name for t in ana.tags.all()] == ["press"] and ana.lists.get().name == "Partners"
    assert sorted(ana.identities.values_list("remote_id", flat=True)) == [
        DID_ANA, "https://social.example/users/ana"]  # fmt: skip
    assert second.outcome == "failed" and "different contacts" in str(second.errors[0])
    assert Contact.objects.filter(workspace=team.workspace).count() == 2


def test_an_imported_identity_meets_the_persons_interactions(team, toot):
    data = "name,identities\r\nZoe Imported,fediverse:https://social.example/users/zoe\r\n"
    exchange.do_import_contacts(team.member(team.contributor), upload(data))
    zoe = Contact.objects.get(workspace=team.workspace)
    assert zoe.identities.get().last_seen_at == exchange.NEVER_SEEN
    arrive(toot, handle="@zoe@social.example", name="Zoe", text="Hi!")
    synced()
    assert Contact.objects.filter(workspace=team.workspace).count() == 1
    identity = zoe.identities.get()
    assert identity.handle == "@zoe@social.example" and identity.name == "Zoe"
    zoe.refresh_from_db()
    assert zoe.name == "Zoe Imported" and zoe.interactions_in == 1


def test_exports_follow_the_list_filters_and_read_in_chunks(team, people, monkeypatch,
                                                            django_assert_max_num_queries):  # fmt: skip
    press = csv_text(team.workspace.pk, queries.Wanted(tag="press"))
    assert len(list(csv.reader(io.StringIO(press)))) == 3  # header, Ana, Bo
    assert "Cy Twombly" not in press and "Cy Twombly" in csv_text(team.workspace.pk)
    assert vcf_text(team.workspace.pk, queries.Wanted(q="Bo")).count("BEGIN:VCARD") == 1
    monkeypatch.setattr(exchange, "CHUNK", 2)
    stream = exchange.export_vcard(team.workspace.pk)
    assert not isinstance(stream, str | list)
    for n in range(40):
        Contact.objects.create(workspace=team.workspace, name=f"Extra {n}")
    # 43 contacts in 22 chunks: a fixed number of queries a chunk, none a contact.
    with django_assert_max_num_queries(22 * 5 + 2):
        assert "".join(stream).count("BEGIN:VCARD") == 43


def test_the_list_screen_exports_what_its_filters_keep(team, people):
    client = team.client(team.viewer)
    base = f"/app/{team.workspace.slug}/contacts/"
    response = client.get(base + "export.csv", {"tag": "press"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-acme-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["name"] for r in rows) == ['Ana Lima, PhD; \\ the "best"', "Bo Ørsted"]
    cards = client.get(base + "export.vcf")
    assert cards["Content-Type"] == "text/vcard; charset=utf-8"
    assert b"".join(cards.streaming_content).decode().count("BEGIN:VCARD") == 3
    assert team.client(team.outsider).get(base + "export.csv").status_code == 404


def test_identities_are_read_by_stable_id_and_handles_stay_handles():
    read = exchange.parse_identity
    assert read("bluesky", f"at://{DID_ANA}/app.bsky.feed.post/1").remote_id == DID_ANA
    assert read("bluesky", f"https://bsky.app/profile/{DID_ANA}").remote_id == DID_ANA
    handle_only = read("bluesky", "@Ana.Example")
    assert (handle_only.remote_id, handle_only.handle) == ("", "ana.example")
    actor = read("fediverse", "https://host.example/users/ana", "ana")
    assert (actor.remote_id, actor.handle) == (
        "https://host.example/users/ana",
        "@ana@host.example",
    )
    page = read("fediverse", "https://Host.example/@ana")  # a profile page, not the actor's id
    assert (page.remote_id, page.handle) == ("", "@ana@host.example")
    assert read("mastodon", "acct:bo@Social.Example").handle == "@bo@social.example"
    for network, value in (("bluesky", "did:plc:short"), ("fediverse", "just words"),
                           ("fediverse", "https://host:port/users/x"), ("myspace", "tom")):  # fmt: skip
        assert isinstance(read(network, value), str), value
