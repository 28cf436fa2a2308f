"""Bulk import of scheduled posts from CSV: Hootsuite's layout and ours, every row checked first."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from datetime import UTC, datetime

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from outlier.core.models import Notification
from outlier.networks import registry
from outlier.publishing import actions, bulk_import
from outlier.publishing.models import Delivery, DeliveryState, Post, PostImage, PostStatus
from tests.publishing.conftest import make_channel

HEADER = ["date", "time", "text", "link", "image_url", "channel"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#2b8a3e").save(out, "PNG")
    return out.getvalue()


def run(team, data: bytes, user=None, tz="Europe/Paris", date_format="MM/DD/YYYY",
        channels=(), **kw):  # fmt: skip
    member = team.member(user or team.editor)
    upload = SimpleUploadedFile("posts.csv", data, content_type="text/csv")
    return bulk_import.do_import(member, upload, tz, date_format, list(channels), **kw)


@pytest.fixture
def hook(team):
    return make_channel(team.workspace, name="Hook")


@pytest.fixture
def site(team):
    return make_channel(team.workspace, name="Site", timezone="America/New_York")


def good_row(text: str = "The good one", channel: str = "Hook") -> list[str]:
    return ["06/12/2030", "09:00", text, "https://example.org/good", "", channel]


# --- the happy paths ------------------------------------------------------------------------------


def test_a_headered_file_schedules_every_row_in_the_chosen_zone_with_the_dst_note(team, hook, site):
    data = csv_bytes([
        ["Channel", "Date", "TIME", "Message", "URL"],  # any order, any case, aliases
        ["Hook", "06/12/2030", "09:00", "Rivers are rising", "https://example.org/rivers"],
        ["site", "12/01/2030", "18:45", "Winter is coming", ""],
        ["Hook|Site", "03/31/2030", "02:30", "Clocks go forward tonight", ""],
    ])  # fmt: skip
    report = run(team, data)

    assert [r.messages for r in report.rows] == [[], [], []]
    assert (report.total, report.scheduled, report.failed) == (3, 3, 0)
    assert report.layout == "header" and report.columns == ["channel", "date", "time", "text",
                                                            "link"]  # fmt: skip
    posts = {p.text: p for p in Post.objects.all()}
    assert len(posts) == 3
    rivers = posts["Rivers are rising"]
    assert rivers.status == PostStatus.SCHEDULED and rivers.timezone == "Europe/Paris"
    assert rivers.scheduled_at == datetime(2030, 6, 12, 7, 0, tzinfo=UTC)  # CEST, UTC+2
    assert rivers.link == "https://example.org/rivers"
    assert [c.name for c in rivers.channels.all()] == ["Hook"]
    # The form's zone applies, not the channel's (Site is in New York).
    assert posts["Winter is coming"].scheduled_at == datetime(2030, 12, 1, 17, 45, tzinfo=UTC)
    gap = posts["Clocks go forward tonight"]
    assert gap.scheduled_at == datetime(2030, 3, 31, 1, 0, tzinfo=UTC)  # 02:30 → 03:00 CEST
    assert sorted(c.name for c in gap.channels.all()) == ["Hook", "Site"]
    assert Delivery.objects.filter(post=gap, state=DeliveryState.SCHEDULED).count() == 2
    third = report.rows[2]
    assert third.row == 4 and third.outcome == bulk_import.Outcome.SCHEDULED
    assert third.post_id == gap.pk
    assert any("does not exist" in n and "moved to 03:00" in n for n in third.notes)
    assert third.local_time is not None and third.local_time.strftime("%H:%M") == "03:00"


def test_a_headerless_hootsuite_file_goes_to_the_chosen_channels_in_their_zone(team, hook, site):
    data = csv_bytes([
        ["12/06/2030 09:00", "Rivers are rising", "https://example.org/rivers"],
        ["13/06/2030 10:03", "Any minute will do, not only multiples of 5", ""],
    ])  # fmt: skip
    report = run(team, data, tz="", date_format="DD/MM/YYYY", channels=[hook, site])

    assert report.layout == "hootsuite" and report.failed == 0 and report.scheduled == 2
    first, second = Post.objects.order_by("scheduled_at")
    assert sorted(c.name for c in first.channels.all()) == ["Hook", "Site"]
    # No zone chosen: the row's first channel's (Hook, Europe/Paris).
    assert first.timezone == "Europe/Paris"
    assert first.scheduled_at == datetime(2030, 6, 12, 7, 0, tzinfo=UTC)
    assert second.scheduled_at == datetime(2030, 6, 13, 8, 3, tzinfo=UTC)
    assert second.link == ""


def test_windows_1252_semicolons_and_a_bom_are_read(team, hook):
    data = csv_bytes([["date", "text"], ["2030-06-12 09:00", "Café crème"]], "cp1252", ";")
    report = run(team, data, channels=[hook])
    assert report.scheduled == 1
    assert Post.objects.get().text == "Café crème"
    assert any("Windows-1252" in n for n in report.notes)
    assert any("semicolons" in n for n in report.notes)

    bom = "\ufeffdate,text\n2030-06-13T10:00,Straße\n".encode()
    assert run(team, bom, channels=[hook]).scheduled == 1
    assert Post.objects.filter(text="Straße").exists()


def test_an_excel_unicode_text_file_utf16_with_tabs_is_read(team, hook):
    data = "date\ttime\ttext\tchannel\r\n06/12/2030\t09:00\tÜber alles\tHook\r\n"
    report = run(team, data.encode("utf-16"))
    assert report.scheduled == 1 and Post.objects.get().text == "Über alles"
    assert any("UTF-16" in n for n in report.notes) and any("tabs" in n for n in report.notes)


def test_a_time_that_happens_twice_takes_the_first_and_says_so(team, hook):
    report = run(team, csv_bytes([HEADER, ["10/27/2030", "02:30", "Clocks go back", "", "",
                                           "Hook"]]))  # fmt: skip
    [row] = report.rows
    assert row.ok and row.scheduled_at == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # CEST
    assert row.notes == [
        "02:30 happens twice on 27 Oct 2030 in Europe/Paris (clocks go back); "
        "using the first one (UTC+02:00)."
    ]


def test_an_image_url_is_fetched_and_attached(team, hook, page_server):
    url = page_server.add("/pics/river.png", png_bytes(), "image/png")
    data = csv_bytes([HEADER + ["image_alt"],
                      ["06/12/2030", "09:00", "With a picture", "", url, "Hook", "The river"]])  # fmt: skip
    report = run(team, data)
    assert report.scheduled == 1, report.rows[0].messages
    image = PostImage.objects.get()
    assert image.post.text == "With a picture" and image.alt == "The river"
    assert image.file.name.endswith(".png")
    assert page_server.hits == ["/pics/river.png"]


def test_a_contributors_import_waits_for_approval(team, hook):
    report = run(team, csv_bytes([HEADER, good_row()]), user=team.contributor)
    assert report.awaiting_approval == 1 and report.scheduled == 0
    post = Post.objects.get()
    assert post.status == PostStatus.AWAITING_APPROVAL and post.author == team.contributor
    assert post.scheduled_at == datetime(2030, 6, 12, 7, 0, tzinfo=UTC)
    assert not Delivery.objects.exists()
    assert Notification.objects.filter(user=team.editor, text__contains="approval").exists()


def test_check_only_creates_nothing(team, hook):
    report = run(team, csv_bytes([HEADER, good_row(), good_row("Another")]), check_only=True)
    assert report.check_only and report.valid == 2 and report.failed == 0
    assert not Post.objects.exists()
    rows = bulk_import.check_rows(team.member(team.editor), csv_bytes([HEADER, good_row()]),
                                  "Europe/Paris", "MM/DD/YYYY")  # fmt: skip
    assert [r.ok for r in rows] == [True] and not Post.objects.exists()


def test_importing_the_same_file_twice_creates_nothing_the_second_time(team, hook):
    data = csv_bytes([HEADER, good_row(), good_row()])
    first = run(team, data)
    assert first.scheduled == 1
    assert first.rows[1].messages == ["Row 3: the same post as row 2 (text, time and channels)."]
    again = run(team, data)
    assert again.scheduled == 0 and again.failed == 2
    assert "already scheduled" in again.rows[0].messages[0]
    assert Post.objects.count() == 1


# --- bad rows: reported with row, column and reason; the good row is still created -------------


def _too_long_rules(monkeypatch):
    # The webhook takes 100,000 characters: a small limit makes a "too long" text testable.
    small = dataclasses.replace(registry.RULES["webhook"], max_length=20)
    monkeypatch.setitem(registry.RULES, "webhook", small)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["02/30/2030", "09:00", "Bad date", "", "", "Hook"],
         "Row 3, date: 02/30/2030 is not a date (MM/DD/YYYY)."),
        (["13/06/2030", "09:00", "Day first", "", "", "Hook"],
         "Row 3, date: 13/06/2030 is not a date (MM/DD/YYYY). Is the file written DD/MM/YYYY? "
         "Choose that date format."),
        (["06/12/2030", "25:61", "Bad time", "", "", "Hook"],
         "Row 3, time: 25:61 is not a time (HH:MM)."),
        (["06/12/2030", "9:00 PM", "Twelve-hour", "", "", "Hook"],
         "Row 3, time: 9:00 PM is not a 24-hour time (HH:MM): write 21:00, not 9:00 PM."),
        (["06/12/2030", "", "No time", "", "", "Hook"],
         "Row 3, time: missing; give the time as HH:MM (09:30)."),
        (["01/02/2020", "09:00", "Too late", "", "", "Hook"],
         "Row 3, date: 2020-01-02 09:00 in Europe/Paris has passed; choose a later time."),
        (["06/12/2030", "09:00", "Nowhere", "", "", "Nope"],
         "Row 3, channel: there is no channel “Nope” in this workspace."),
        (["06/12/2030", "09:00", "A text far longer than twenty", "", "", "Hook"],
         "Row 3, text: Hook: Webhook allows 20 characters; this text has 29."),
        (["06/12/2030", "09:00", "Click", "javascript:alert(1)", "", "Hook"],
         "Row 3, link: javascript:alert(1) is not a web address: links must start with "
         "http:// or https://."),
        (["06/12/2030", "09:00", "", "", "", "Hook"], "Row 3, text: the message is empty."),
    ],
)  # fmt: skip
def test_a_bad_row_is_reported_and_only_the_good_row_is_created(
    team, hook, monkeypatch, row, expected
):
    _too_long_rules(monkeypatch)
    report = run(team, csv_bytes([HEADER, good_row("Fine"), row]))
    good, bad = report.rows
    assert good.ok and good.outcome == bulk_import.Outcome.SCHEDULED
    assert not bad.ok and bad.outcome == bulk_import.Outcome.FAILED
    assert bad.messages == [expected]
    assert list(Post.objects.values_list("text", flat=True)) == ["Fine"]
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "body", "content_type", "expected"),
    [
        ("/gone.png", None, None, "could not be fetched: the server answered 404."),
        ("/page.png", b"<html>not a picture</html>", "text/html",
         "is not a JPEG, PNG, GIF or WebP image (the server sent text/html)."),
    ],
)  # fmt: skip
def test_an_image_that_cannot_be_used_rejects_its_row(
    team, hook, page_server, path, body, content_type, expected
):
    if body is not None:
        page_server.add(path, body, content_type)
    url = page_server.base + path
    row = ["06/12/2030", "10:00", "With a bad image", "", url, "Hook"]
    report = run(team, csv_bytes([HEADER, good_row(), row]))
    assert report.rows[1].messages == [f"Row 3, image_url: {url} {expected}"]
    assert list(Post.objects.values_list("text", flat=True)) == ["The good one"]
    assert not PostImage.objects.exists()


def test_an_image_at_a_forbidden_address_is_never_fetched(team, hook, page_server):
    row = ["06/12/2030", "10:00", "Metadata", "", "http://169.254.169.254/latest/x.png", "Hook"]
    report = run(team, csv_bytes([HEADER, row]))
    [message] = report.rows[0].messages
    assert message.startswith("Row 2, image_url: http://169.254.169.254/latest/x.png could not")
    assert "link-local" in message
    assert not Post.objects.exists()


def test_a_mixed_file_reports_every_problem_of_a_row_at_once(team, hook, page_server):
    page_server.add("/ok.png", png_bytes(), "image/png")
    data = csv_bytes([
        HEADER,
        ["02/30/2030", "25:00", "Everything wrong", "ftp://x.example/", page_server.base + "/no",
         "Ghost"],
        ["06/12/2030", "09:15", "Everything right", "", page_server.base + "/ok.png", "Hook"],
    ])  # fmt: skip
    report = run(team, data)
    bad, good = report.rows
    assert [e.column for e in bad.errors] == ["date", "time", "channel", "link", "image_url"]
    assert good.ok and PostImage.objects.get().post.text == "Everything right"


def _stored_files(root) -> set[str]:
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


def test_a_row_that_fails_while_being_created_leaves_nothing_behind(
    team, hook, page_server, monkeypatch, settings
):
    url = page_server.add("/ok.png", png_bytes(), "image/png")
    before = _stored_files(settings.MEDIA_ROOT)

    def refuse(*args, **kwargs):
        raise ValidationError({"scheduled_at": "That time has passed; choose a later one."})

    monkeypatch.setattr(actions, "do_schedule_post", refuse)
    report = run(team, csv_bytes([HEADER, ["06/12/2030", "09:00", "Late", "", url, "Hook"]]))
    assert report.rows[0].messages == ["Row 2, date: That time has passed; choose a later one."]
    assert report.rows[0].post_id is None
    assert not Post.objects.exists() and not PostImage.objects.exists()
    assert _stored_files(settings.MEDIA_ROOT) == before  # the image file went with its row


def test_a_row_without_a_channel_uses_the_chosen_ones_or_says_so(team, hook):
    data = csv_bytes([HEADER, good_row(channel=""), good_row("Other", channel="")])
    report = run(team, data)
    assert [r.messages for r in report.rows] == [
        ["Row 2, channel: no channel named, and none chosen for the import."],
        ["Row 3, channel: no channel named, and none chosen for the import."],
    ]
    assert run(team, data, channels=[hook]).scheduled == 2


def test_a_channel_can_be_named_by_id_and_an_ambiguous_name_is_refused(team, hook):
    twin = make_channel(team.workspace, name="hook")
    data = csv_bytes([HEADER, good_row(channel=str(twin.pk)), good_row("Two", channel="Hook")])
    report = run(team, data)
    assert report.rows[0].ok and report.rows[0].channels == ["hook"]
    assert report.rows[1].messages == [
        f"Row 3, channel: 2 channels are named “Hook”; use its id ({hook.pk}, {twin.pk})."
    ]


def test_a_channel_of_another_workspace_is_unknown(team, hook):
    foreign = make_channel(team.other_workspace, name="Theirs")
    data = csv_bytes([HEADER, good_row(channel=str(foreign.pk)), good_row("x", channel="Theirs")])
    report = run(team, data)
    assert report.failed == 2 and not Post.objects.exists()
    with pytest.raises(PermissionDenied):
        run(team, csv_bytes([HEADER, good_row()]), channels=[foreign])


# --- whole files that cannot be imported ------------------------------------------------------

GARBAGE = bytes(range(256)) * 8


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n , \r\n", "The file is empty."),
        (b"date,time,text,channel\r\n", "The file has a header row but no posts."),
        (csv_bytes([HEADER] + [good_row(f"Post {n}") for n in range(351)]),
         "The file holds 351 posts; at most 350 can be imported at once (Hootsuite's limit "
         "too). Split it into several files."),
        (GARBAGE, "This is not a CSV file: it contains binary data."),
        (os.urandom(2048).replace(b"\x00", b"\x01"), "This is not a CSV file: it contains binary "
                                                      "data."),
        (b"PK\x03\x04" + b"\x14" * 100, "This is a spreadsheet workbook (.xlsx or .ods), not a "
                                         "CSV file. Save it as CSV (comma-separated values) first."),
        (b"date,text\n" + b"x" * (1024 * 1024), "The file is 1.0 MB; a CSV file of at most 1 MB "
                                                 "can be imported."),
        (b"date,text,picture\n06/12/2030 09:00,x,y\n",
         "Column C's header “picture” is not a column Outlier reads; use date, time, text, link, "
         "image_url, image_alt, channel (or leave the header cell empty to skip the column)."),
        (b"time,text,channel\n09:00,x,Hook\n", "The header row has no date column; name the "
                                               "columns date, time, text, link, image_url, "
                                               "image_alt, channel."),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_imported_is_refused_whole(team, hook, data, message):
    with pytest.raises(ValidationError) as caught:
        run(team, data, channels=[hook])
    assert caught.value.message_dict == {"file": [message]}
    assert not Post.objects.exists()


def test_a_headerless_file_needs_chosen_channels(team, hook):
    with pytest.raises(ValidationError) as caught:
        run(team, csv_bytes([["06/12/2030 09:00", "Hello", ""]]))
    assert "channels" in caught.value.message_dict


def test_a_headerless_row_with_more_than_three_columns_is_refused(team, hook):
    report = run(team, csv_bytes([["06/12/2030 09:00", "Hello", "", "extra"]]), channels=[hook])
    assert "more than 3 columns" in report.rows[0].messages[0]
    assert not Post.objects.exists()


def test_bad_options_are_refused(team, hook):
    with pytest.raises(ValidationError, match="Unknown time zone"):
        run(team, csv_bytes([HEADER, good_row()]), tz="Mars/Olympus")
    with pytest.raises(ValidationError, match="MM/DD/YYYY or DD/MM/YYYY"):
        run(team, csv_bytes([HEADER, good_row()]), date_format="YYYY/MM/DD")


def test_a_viewer_cannot_import(team, hook):
    with pytest.raises(PermissionDenied):
        run(team, csv_bytes([HEADER, good_row()]), user=team.viewer)
    assert not Post.objects.exists()


# --- the screen -------------------------------------------------------------------------------


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("posts.csv", data, content_type="text/csv")


def test_the_import_screen_shows_the_report_table(team, hook):
    client = team.client(team.editor)
    form = lxml.html.fromstring(client.get("/app/acme/import/").content)
    assert {"file", "date_format", "timezone", "channels", "check_only"} <= set(
        form.xpath("//form[@enctype='multipart/form-data']//*[@name]/@name")
    )
    data = csv_bytes([HEADER, good_row(), ["06/12/2030", "25:61", "Bad", "", "", "Hook"]])
    response = client.post("/app/acme/import/", {
        "file": upload(data), "date_format": "MM/DD/YYYY", "timezone": "Europe/Paris"})  # fmt: skip
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content)
    rows = tree.xpath("//table[contains(@class, 'import-rows')]/tbody/tr")
    cells = [[" ".join(td.text_content().split()) for td in tr.xpath("td")] for tr in rows]
    assert cells[0][0] == "2" and cells[0][2] == "Hook" and "✓ scheduled" in cells[0][4]
    assert "Wed 12 Jun 2030, 09:00" in cells[0][1]
    assert cells[1][0] == "3" and "✗ time: 25:61 is not a time (HH:MM)." in cells[1][4]
    assert Post.objects.count() == 1


def test_check_only_on_the_screen_and_file_errors_beside_the_field(team, hook):
    client = team.client(team.contributor)
    response = client.post("/app/acme/import/", {
        "file": upload(csv_bytes([HEADER, good_row()])), "date_format": "MM/DD/YYYY",
        "timezone": "", "check_only": "on"})  # fmt: skip
    assert "✓ ready" in response.content.decode() and not Post.objects.exists()
    empty = client.post("/app/acme/import/", {"file": upload(b"\n\n"), "date_format": "MM/DD/YYYY"})
    tree = lxml.html.fromstring(empty.content)
    errors = tree.xpath(
        "//div[contains(@class,'field')][.//input[@name='file']]//p[@class='error']"
    )
    assert [e.text_content() for e in errors] == ["The file is empty."]


def test_viewers_get_403_and_outsiders_404_on_the_import_screen(team, hook):
    assert team.client(team.viewer).get("/app/acme/import/").status_code == 403
    data = {"file": upload(csv_bytes([HEADER, good_row()])), "date_format": "MM/DD/YYYY"}
    assert team.client(team.viewer).post("/app/acme/import/", data).status_code == 403
    assert team.client(team.outsider).get("/app/acme/import/").status_code == 404
    assert not Post.objects.exists()
    queue = team.client(team.contributor).get("/app/acme/queue/").content.decode()
    assert "/app/acme/import/" in queue
    assert (
        "/app/acme/import/" not in team.client(team.viewer).get("/app/acme/queue/").content.decode()
    )
