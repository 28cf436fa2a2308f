"""The publisher's screens through Django's test client: channels, composer, calendar, reviews."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time, timedelta

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from outlier.core.models import Notification
from outlier.publishing import actions
from outlier.publishing.forms import format_posting_times, parse_posting_times
from outlier.publishing.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryState,
    Post,
    PostImage,
    PostStatus,
)
from tests.conftest import make_scoop
from tests.publishing.conftest import make_channel

FUTURE = date(2030, 6, 12)  # a Wednesday


def page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def text_of(node) -> str:
    return " ".join(node.text_content().split())


def field_errors(response, name: str) -> list[str]:
    """The error messages shown beside the field `name` (its .field block or fieldset)."""
    tree = page(response)
    root = (tree.xpath("//form[@id='composer']") or [tree])[0]
    blocks = root.xpath(f'.//*[contains(@class, "field")][.//*[@name="{name}"]]')
    assert blocks, f"no field {name} on the page"
    return [text_of(e) for e in blocks[-1].xpath('.//*[contains(@class, "error")]')]


def compose_data(channels, **overrides):
    data = {"text": "Rivers are rising", "title": "", "link": "", "when": "at",
            "day": FUTURE.isoformat(), "at": "09:00", "timezone": "Europe/Paris",
            "repeat_unit": "day", "channels": [c.pk for c in channels], "action": "schedule"}  # fmt: skip
    data.update(overrides)
    return data


def png(color: str = "#3b5bdb") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return SimpleUploadedFile("river.png", out.getvalue(), content_type="image/png")


# --- channels ---------------------------------------------------------------------------------


def test_connect_a_webhook_and_an_email_channel_through_the_screens(team):
    client = team.client(team.owner)
    choose = client.get("/app/acme/channels/new/")
    assert "Webhook" in choose.content.decode() and "E-mail" in choose.content.decode()
    form = page(client.get("/app/acme/channels/new/?network=webhook"))
    assert form.xpath('//input[@name="secret"]/@value')[0]  # a secret is suggested
    response = client.post("/app/acme/channels/new/?network=webhook", {
        "network": "webhook", "name": "Site hook", "url": "https://hooks.example.org/in",
        "secret": "s3cret-value", "timezone": "Europe/Paris",
        "queue_times": "Mon-Fri 09:00, 13:00; Sat 10:30"}, follow=True)  # fmt: skip
    hook = Channel.objects.get(network="webhook")
    assert hook.settings == {"url": "https://hooks.example.org/in"}
    assert hook.credentials == {"secret": "s3cret-value"} and hook.timezone == "Europe/Paris"
    assert hook.queue_times == [
        {"days": [0, 1, 2, 3, 4], "time": "09:00"},
        {"days": [0, 1, 2, 3, 4], "time": "13:00"},
        {"days": [5], "time": "10:30"},
    ]
    assert "Channel “Site hook” connected" in response.content.decode()
    assert "Mon-Fri 09:00, 13:00; Sat 10:30" in response.content.decode()  # shown back to edit

    client.post("/app/acme/channels/new/", {
        "network": "email", "name": "Newsletter", "recipients": "a@acme.test,\nb@acme.test",
        "subject_prefix": "[Acme]", "timezone": "UTC", "queue_times": ""})  # fmt: skip
    mail = Channel.objects.get(network="email")
    assert mail.settings["recipients"] == ["a@acme.test", "b@acme.test"]
    assert mail.settings["subject_prefix"] == "[Acme]"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"url": "ftp://hooks.example.org/in"},
            "url",
            "The URL must start with https:// or http://.",
        ),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone 'Mars/Olympus'."),
        ({"queue_times": "Mon-Fri nine"}, "queue_times", "“nine” is not a day"),
        ({"queue_times": "Mon 25:00"}, "queue_times", "25:00 is not a time of day."),
    ],
)
def test_bad_channel_settings_are_explained_beside_the_field(team, data, field, message):
    values = {"network": "webhook", "name": "Hook", "url": "https://hooks.example.org/in",
              "secret": "s", "timezone": "UTC", "queue_times": ""}  # fmt: skip
    values.update(data)
    response = team.client(team.editor).post("/app/acme/channels/new/", values)
    assert response.status_code == 200
    assert any(message in e for e in field_errors(response, field))
    assert not Channel.objects.exists()


def test_an_email_channel_with_a_bad_address_is_refused(team):
    response = team.client(team.owner).post("/app/acme/channels/new/", {
        "network": "email", "name": "News", "recipients": "a@acme.test, nope",
        "timezone": "UTC"})  # fmt: skip
    assert field_errors(response, "recipients") == ["“nope” is not an e-mail address."]
    assert not Channel.objects.exists()


def test_the_channel_list_shows_each_channels_health(team):
    make_channel(team.workspace, name="Fine")
    make_channel(team.workspace, name="Broken", status=ChannelStatus.NEEDS_RECONNECT,
                 status_detail="The receiver answered 401: check the secret.")  # fmt: skip
    make_channel(team.workspace, name="Busy", status=ChannelStatus.RATE_LIMITED,
                 rate_limited_until=datetime(2030, 1, 2, 10, 0, tzinfo=UTC))  # fmt: skip
    tree = page(team.client(team.viewer).get("/app/acme/channels/"))
    rows = {text_of(r.xpath("td")[0]): text_of(r.xpath("td")[2]) for r in tree.xpath("//tbody/tr")}
    assert rows["Fine"] == "OK"
    assert rows["Broken"] == "Needs reconnecting The receiver answered 401: check the secret."
    assert rows["Busy"].startswith("Rate-limited until Wed 2 Jan, 10:00")
    assert not tree.xpath('//a[contains(@href, "/channels/new/")]')  # viewers cannot connect


def test_edit_test_and_remove_a_channel(team):
    mail = make_channel(team.workspace, network="email", name="News", credentials={},
                        settings={"recipients": ["a@acme.test"], "subject_prefix": ""})  # fmt: skip
    client = team.client(team.editor)
    url = f"/app/acme/channels/{mail.pk}/"
    response = client.post(url, {"action": "save", "name": "Weekly news", "timezone": "Asia/Tokyo",
                                 "recipients": "b@acme.test", "queue_times": "daily 08:00"},
                           follow=True)  # fmt: skip
    mail.refresh_from_db()
    assert mail.name == "Weekly news" and mail.timezone == "Asia/Tokyo"
    assert mail.settings["recipients"] == ["b@acme.test"]
    assert mail.queue_times == [{"days": [0, 1, 2, 3, 4, 5, 6], "time": "08:00"}]
    assert "Channel saved." in response.content.decode()

    response = client.post(url, {"action": "test"}, follow=True)
    assert "The channel works." in response.content.decode()

    hook = make_channel(team.workspace, settings={"url": "http://10.255.255.1/hook"})
    response = client.post(f"/app/acme/channels/{hook.pk}/", {"action": "test"}, follow=True)
    errors = [
        text_of(li) for li in page(response).xpath('//ul[@class="messages"]/li[@class="error"]')
    ]
    assert len(errors) == 1 and "works" not in errors[0]

    client.post(url, {"action": "delete"})
    assert not Channel.objects.filter(pk=mail.pk).exists()


def test_only_editors_manage_channels_and_outsiders_see_nothing(team, channel):
    assert team.client(team.contributor).get("/app/acme/channels/new/").status_code == 403
    assert team.client(team.contributor).get(f"/app/acme/channels/{channel.pk}/").status_code == 403
    assert team.client(team.outsider).get("/app/acme/channels/").status_code == 404
    assert team.client(team.outsider).get(f"/app/rival/channels/{channel.pk}/").status_code == 404


def test_posting_times_read_and_write_back():
    slots = parse_posting_times("weekdays 9:00 17:30\nSat,Sun 10:00; Fri-Mon 20:00")
    assert slots[0] == {"days": [0, 1, 2, 3, 4], "time": "09:00"}
    assert slots[2] == {"days": [5, 6], "time": "10:00"}
    assert slots[3] == {"days": [0, 4, 5, 6], "time": "20:00"}
    assert (
        format_posting_times(slots) == "Mon-Fri 09:00, 17:30; Sat,Sun 10:00; Mon,Fri,Sat,Sun 20:00"
    )


# --- composing and scheduling -----------------------------------------------------------------


def test_compose_and_schedule_at_a_time_shows_the_dst_note(team, channel):
    client = team.client(team.editor)
    form = page(client.get("/app/acme/compose/"))
    buttons = [b.text_content() for b in form.xpath("//form[@id='composer']//button")]
    assert buttons == ["Save draft", "Schedule"]
    data = compose_data([channel], day="2030-03-31", at="02:30")  # Paris springs forward
    response = client.post("/app/acme/compose/", data, follow=True)
    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED and post.author == team.editor
    assert post.scheduled_at == datetime(2030, 3, 31, 1, 0, tzinfo=UTC)  # 03:00 CEST
    html = response.content.decode()
    assert "Scheduled for Sun 31 Mar 2030, 03:00 (Europe/Paris)." in html
    assert (
        "02:30 does not exist on 31 Mar 2030 in Europe/Paris (clocks go forward); moved to 03:00."
        in html
    )
    assert response.redirect_chain[-1][0] == f"/app/acme/posts/{post.pk}/"
    delivery = Delivery.objects.get(post=post)
    assert delivery.due_at == post.scheduled_at and delivery.state == DeliveryState.SCHEDULED


def test_save_a_draft_then_repeat_it_daily(team, channel):
    client = team.client(team.editor)
    client.post("/app/acme/compose/", compose_data([channel], action="save"))
    post = Post.objects.get()
    assert post.status == PostStatus.DRAFT and not Delivery.objects.exists()
    client.post(f"/app/acme/posts/{post.pk}/", compose_data(
        [channel], repeat_every="1", repeat_unit="day", repeat_until=(FUTURE + timedelta(days=2)).isoformat()))  # fmt: skip
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.repeat_every == 1
    assert Delivery.objects.filter(post=post).count() == 3


def test_the_server_check_blocks_scheduling_with_the_reason_beside_the_field(team):
    hook = make_channel(team.workspace, name="Site hook")
    mail = make_channel(team.workspace, network="email", name="Newsletter", credentials={},
                        settings={"recipients": ["a@acme.test"]})  # fmt: skip
    client = team.client(team.editor)
    # The webhook's real limit is 100,000 characters: one more is refused, with the count.
    response = client.post("/app/acme/compose/", compose_data([hook], text="x" * 100_001))
    assert response.status_code == 200
    assert field_errors(response, "text") == [
        "Site hook: Webhook allows 100,000 characters; this text has 100,001."
    ]
    post = Post.objects.get()  # the content is kept as a draft, nothing is scheduled
    assert post.status == PostStatus.DRAFT and len(post.text) == 100_001
    assert not Delivery.objects.exists()
    assert page(response).xpath("//form[@id='composer']/@action") == [f"/app/acme/posts/{post.pk}/"]

    # E-mail needs text; the webhook alone would take an image-less, text-less link.
    response = client.post(f"/app/acme/posts/{post.pk}/", compose_data(
        [hook, mail], text="", link="https://example.org/a"))  # fmt: skip
    assert field_errors(response, "text") == ["Newsletter: E-mail needs some text to post."]
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT and not Delivery.objects.exists()

    response = client.post(f"/app/acme/posts/{post.pk}/", compose_data([], text="Hi"))
    assert field_errors(response, "channels") == ["Choose at least one channel."]


def test_a_time_in_the_past_and_a_bad_link_are_explained(team, channel):
    client = team.client(team.editor)
    response = client.post("/app/acme/compose/", compose_data([channel], link="ftp://x.example/"))
    assert field_errors(response, "link")
    assert not Post.objects.exists()
    response = client.post("/app/acme/compose/", compose_data([channel], day="2020-01-01"))
    assert field_errors(response, "day") == ["That time has passed; choose a later one."]
    assert Post.objects.get().status == PostStatus.DRAFT


def test_variants_per_channel_are_saved(team, channel):
    other = make_channel(team.workspace, name="Other hook")
    client = team.client(team.editor)
    client.post("/app/acme/compose/", compose_data(
        [channel, other], action="save", **{f"variant_{other.pk}": "Shorter for the other"}))  # fmt: skip
    post = Post.objects.get()
    assert {v.channel_id: v.text for v in post.variants.all()} == {
        other.pk: "Shorter for the other"
    }
    html = client.get(f"/app/acme/posts/{post.pk}/").content.decode()
    assert "Shorter for the other" in html


def test_the_composer_embeds_each_channels_rules_for_the_counters(team, channel):
    tree = page(team.client(team.contributor).get("/app/acme/compose/"))
    data = json.loads(tree.xpath("//script[@id='channels-data']")[0].text)
    assert data == [{
        "id": channel.pk, "name": "Hook", "network": "webhook", "timezone": "Europe/Paris",
        "label": "Webhook", "max_length": 100_000, "counter": "characters", "link_length": None,
        "link_in_text": False, "mentions_without_domain": False, "max_text_bytes": None,
        "max_title_length": None, "max_images": 4, "requires_text": False,
        "max_thread_parts": 1}]  # fmt: skip


def test_share_a_scoop_prefills_the_composer(team, topic, channel):
    scoop = make_scoop(topic, title="Rivers are rising", insight="Towns must adapt.")
    scoop_page = page(team.client(team.contributor).get(f"/app/acme/scoops/{scoop.pk}/"))
    assert scoop_page.xpath(f'//a[@href="/app/acme/compose/?scoop={scoop.pk}"]/text()') == ["Share"]
    viewer_page = team.client(team.viewer).get(f"/app/acme/scoops/{scoop.pk}/").content.decode()
    assert "?scoop=" not in viewer_page
    client = team.client(team.contributor)
    tree = page(client.get(f"/app/acme/compose/?scoop={scoop.pk}"))
    assert (
        tree.xpath("//textarea[@name='text']")[0].text.strip()
        == "Rivers are rising\n\nTowns must adapt."
    )
    assert tree.xpath("//input[@name='link']/@value") == [scoop.link_url]
    client.post(f"/app/acme/compose/?scoop={scoop.pk}", compose_data(
        [channel], action="save", scoop=scoop.pk, text="Read this"))  # fmt: skip
    assert Post.objects.get().scoop == scoop


def test_images_are_added_checked_and_removed(team, channel, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = team.client(team.editor)
    client.post("/app/acme/compose/", {**compose_data([channel], action="save"),
                "image_1": png(), "image_alt_1": "A blue square"})  # fmt: skip
    post = Post.objects.get()
    image = PostImage.objects.get(post=post)
    assert image.alt == "A blue square" and image.file.name.endswith(".png")

    fake = SimpleUploadedFile("notes.png", b"not a picture", content_type="image/png")
    response = client.post(f"/app/acme/posts/{post.pk}/", {
        **compose_data([channel], action="save"), "image_1": fake, f"alt_{image.pk}": "Blue"})  # fmt: skip
    assert field_errors(response, "images") == ["notes.png is not an image Outlier can read."]
    image.refresh_from_db()
    assert image.alt == "Blue" and PostImage.objects.count() == 1
    assert page(response).xpath(f"//input[@name='alt_{image.pk}']/@value") == ["Blue"]

    for _ in range(3):
        client.post(f"/app/acme/posts/{post.pk}/", {**compose_data([channel], action="save"),
                    "image_1": png("#c92a2a")})  # fmt: skip
    assert PostImage.objects.count() == 4
    form = page(client.get(f"/app/acme/posts/{post.pk}/"))
    assert not form.xpath("//input[@type='file']")  # four is the most: no more slots

    client.post(f"/app/acme/posts/{post.pk}/", {**compose_data([channel], action="save"),
                f"remove_{image.pk}": "on"})  # fmt: skip
    assert PostImage.objects.count() == 3 and not PostImage.objects.filter(pk=image.pk).exists()


def test_a_post_with_an_image_can_be_scheduled(team, channel, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = team.client(team.editor).post(
        "/app/acme/compose/", {**compose_data([channel]), "image_1": png(), "image_alt_1": "Blue"}
    )
    assert response.status_code == 302, field_errors(response, "images")
    assert Post.objects.get().status == PostStatus.SCHEDULED


# --- approval ---------------------------------------------------------------------------------


def test_a_contributor_submits_and_an_editor_approves(team, channel):
    contributor = team.client(team.contributor)
    form = page(contributor.get("/app/acme/compose/"))
    assert [b.text_content() for b in form.xpath("//form[@id='composer']//button")] == [
        "Save draft", "Submit for approval"]  # fmt: skip
    assert not form.xpath("//input[@name='when'][@value='now']")  # "now" would be missed
    response = contributor.post("/app/acme/compose/", compose_data([channel]), follow=True)
    post = Post.objects.get()
    assert post.status == PostStatus.AWAITING_APPROVAL and not Delivery.objects.exists()
    assert "Sent to the editors for approval: Wed 12 Jun 2030, 09:00 (Europe/Paris)." in (
        response.content.decode()
    )
    assert Notification.objects.filter(
        user=team.editor, link=f"/app/acme/posts/{post.pk}/"
    ).exists()

    editor = team.client(team.editor)
    queue = page(editor.get("/app/acme/approvals/"))
    assert [text_of(a) for a in queue.xpath("//li[@data-post]//a[@class='title']")] == [
        "Rivers are rising"]  # fmt: skip
    response = editor.post(f"/app/acme/posts/{post.pk}/approve/", {"next": "/app/acme/approvals/"},
                           follow=True)  # fmt: skip
    assert response.redirect_chain[-1][0] == "/app/acme/approvals/"
    assert "Nothing is waiting for approval." in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.reviewed_by == team.editor
    assert Delivery.objects.get(post=post).due_at == datetime(2030, 6, 12, 7, 0, tzinfo=UTC)
    assert Notification.objects.filter(user=team.contributor, text__contains="approved").exists()


def test_reject_needs_a_comment_and_the_author_sees_it(team, channel):
    team.client(team.contributor).post("/app/acme/compose/", compose_data([channel]))
    post = Post.objects.get()
    editor = team.client(team.editor)
    detail = page(editor.get(f"/app/acme/posts/{post.pk}/"))
    assert detail.xpath("//button[text()='Approve']") and detail.xpath("//button[text()='Reject']")
    response = editor.post(f"/app/acme/posts/{post.pk}/reject/", {"comment": "  "}, follow=True)
    assert "Say what should change." in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.AWAITING_APPROVAL
    editor.post(f"/app/acme/posts/{post.pk}/reject/", {"comment": "Add the source, please"})
    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED
    mine = page(team.client(team.contributor).get(f"/app/acme/posts/{post.pk}/"))
    assert text_of(mine.xpath("//*[contains(@class, 'review-comment')]")[0]) == (
        "What should change: Add the source, please"
    )
    assert (
        team.client(team.contributor).post(f"/app/acme/posts/{post.pk}/approve/").status_code == 403
    )
    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED


def test_roles_and_workspaces_are_enforced(team, channel):
    post = actions.do_save_post(team.member(team.editor), text="Editor's", channels=[channel])
    viewer = team.client(team.viewer)
    assert viewer.get("/app/acme/compose/").status_code == 403
    assert viewer.post(f"/app/acme/posts/{post.pk}/", compose_data([channel])).status_code == 403
    assert viewer.post(f"/app/acme/posts/{post.pk}/note/", {"text": "hi"}).status_code == 403
    assert viewer.get(f"/app/acme/posts/{post.pk}/").status_code == 200  # read-only
    assert not page(viewer.get(f"/app/acme/posts/{post.pk}/")).xpath("//form[@id='composer']")
    assert team.client(team.contributor).get("/app/acme/approvals/").status_code == 403
    contributor = team.client(team.contributor)
    assert (
        contributor.post(f"/app/acme/posts/{post.pk}/", compose_data([channel])).status_code == 403
    )
    outsider = team.client(team.outsider)
    for url in ("/app/acme/compose/", f"/app/acme/posts/{post.pk}/", "/app/acme/calendar/",
                "/app/acme/queue/", "/app/acme/approvals/", "/app/acme/notifications/"):  # fmt: skip
        assert outsider.get(url).status_code == 404
    assert outsider.get(f"/app/rival/posts/{post.pk}/").status_code == 404
    post.refresh_from_db()
    assert post.text == "Editor's"


# --- the post's deliveries --------------------------------------------------------------------


def _scheduled(team, channel, **kw):
    member = team.member(team.editor)
    post = actions.do_save_post(member, text=kw.pop("text", "Hello rivers"), channels=[channel])
    post, _ = actions.do_schedule_post(member, post, day=kw.pop("day", FUTURE),
                                       at=kw.pop("at", time(9, 0)), tz_name="Europe/Paris")  # fmt: skip
    return post


def test_retry_a_failed_delivery_and_confirm_an_unconfirmed_one(team, channel):
    post = _scheduled(team, channel)
    delivery = Delivery.objects.get(post=post)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED, attempts=6, error="The receiver answered 410 Gone.",
        error_kind="permanent")  # fmt: skip
    client = team.client(team.editor)
    tree = page(client.get(f"/app/acme/posts/{post.pk}/"))
    item = tree.xpath("//li[contains(@class, 'delivery')]")[0]
    assert "6 attempts" in text_of(item) and "The receiver answered 410 Gone." in text_of(item)
    assert item.xpath(".//button/text()") == ["Retry"]
    client.post(f"/app/acme/posts/{post.pk}/deliveries/{delivery.pk}/retry/")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRYING

    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.UNCONFIRMED)
    item = page(client.get(f"/app/acme/posts/{post.pk}/")).xpath(
        "//li[contains(@class, 'delivery')]"
    )[0]
    assert item.xpath(".//button/text()") == ["Retry", "It arrived"]
    client.post(f"/app/acme/posts/{post.pk}/deliveries/{delivery.pk}/confirm/",
                {"url": "https://hooks.example.org/p/1"})  # fmt: skip
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.remote_url == "https://hooks.example.org/p/1"
    item = page(client.get(f"/app/acme/posts/{post.pk}/")).xpath(
        "//li[contains(@class, 'delivery')]"
    )[0]
    assert item.xpath(".//a/@href") == ["https://hooks.example.org/p/1"]
    history = text_of(item.xpath(".//details[contains(@class, 'history')]")[0])
    assert "Confirmed as arrived by editor@acme.test." in history
    response = client.post(
        f"/app/acme/posts/{post.pk}/deliveries/{delivery.pk}/retry/", follow=True
    )
    assert "Only failed or unconfirmed deliveries can be retried." in response.content.decode()


def test_cancel_a_post_and_add_notes(team, channel):
    post = _scheduled(team, channel)
    client = team.client(team.contributor)
    client.post(f"/app/acme/posts/{post.pk}/note/", {"text": "Check the figures first"})
    assert "Check the figures first" in client.get(f"/app/acme/posts/{post.pk}/").content.decode()
    assert client.post(f"/app/acme/posts/{post.pk}/cancel/").status_code == 403
    team.client(team.editor).post(f"/app/acme/posts/{post.pk}/cancel/")
    post.refresh_from_db()
    assert post.status == PostStatus.CANCELLED
    assert Delivery.objects.get(post=post).state == DeliveryState.CANCELLED


# --- calendar, queue and moving ---------------------------------------------------------------


def cards_by_day(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for cell in page(response).xpath("//*[@data-day]"):
        for card in cell.xpath(".//article[contains(@class, 'card')]"):
            time_text = text_of(card.xpath(".//time")[0])
            found.setdefault(cell.get("data-day"), []).append(
                f"{time_text} {text_of(card.xpath('.//a')[0])}"
            )
    return found


def test_the_month_shows_the_post_on_its_day_in_the_chosen_zone(team, channel):
    post = _scheduled(team, channel, day=date(2030, 7, 1), at=time(0, 30))  # 30 Jun 22:30 UTC
    client = team.client(team.viewer)
    utc = client.get("/app/acme/calendar/?month=2030-06&tz=UTC")
    assert cards_by_day(utc) == {"2030-06-30": ["22:30 Hello rivers"]}
    paris = client.get("/app/acme/calendar/?month=2030-07&tz=Europe/Paris")
    assert cards_by_day(paris) == {"2030-07-01": ["00:30 Hello rivers"]}
    assert paris.cookies["outlier_tz"].value == "Europe/Paris"
    remembered = client.get("/app/acme/calendar/?month=2030-07")  # the cookie keeps the zone
    assert cards_by_day(remembered) == {"2030-07-01": ["00:30 Hello rivers"]}
    other = make_channel(team.workspace, name="Other")
    filtered = client.get(f"/app/acme/calendar/?month=2030-07&channel={other.pk}")
    assert cards_by_day(filtered) == {}
    week = client.get("/app/acme/calendar/?week=2030-07-03&tz=Europe/Paris")
    slots = page(week).xpath("//*[@data-day='2030-07-01'][@data-hour='0']//article")
    assert len(slots) == 1 and slots[0].get("data-post") == str(post.pk)
    assert client.get("/app/acme/calendar/?month=2030-13&tz=Nowhere/Land").status_code == 200


def test_cards_are_draggable_only_for_who_may_move_them(team, channel):
    post = _scheduled(team, channel)
    for user, draggable in ((team.editor, ["true"]), (team.viewer, []), (team.contributor, [])):
        tree = page(team.client(user).get("/app/acme/calendar/?month=2030-06"))
        assert tree.xpath(f"//article[@data-post='{post.pk}']/@draggable") == draggable


def test_the_move_endpoint_reschedules_and_refuses_a_past_time(team, channel):
    post = _scheduled(team, channel)  # 12 Jun 2030 09:00 Paris
    client = team.client(team.editor)
    url = f"/app/acme/posts/{post.pk}/move/"
    response = client.post(url, {"day": "2030-06-14", "time": "07:00", "tz": "UTC"})
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] and answer["day"] == "2030-06-14" and answer["time"] == "07:00"
    post.refresh_from_db()
    assert post.scheduled_at == datetime(2030, 6, 14, 7, 0, tzinfo=UTC)
    assert post.timezone == "Europe/Paris"  # the post keeps its own zone
    states = sorted(Delivery.objects.filter(post=post).values_list("state", flat=True))
    assert states == [DeliveryState.CANCELLED, DeliveryState.SCHEDULED]

    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    response = client.post(url, {"day": yesterday, "time": "09:00", "tz": "UTC"})
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "That time has passed; choose a later one."}
    post.refresh_from_db()
    assert post.scheduled_at == datetime(2030, 6, 14, 7, 0, tzinfo=UTC)

    assert client.post(url, {"day": "junk"}).json()["error"] == "Give a day and a time."
    response = team.client(team.contributor).post(url, {"day": "2030-06-20", "time": "09:00"})
    assert response.status_code == 403 and not response.json()["ok"]
    assert (
        team.client(team.viewer).post(url, {"day": "2030-06-20", "time": "09:00"}).status_code
        == 403
    )


def test_the_queue_lists_upcoming_deliveries(team, channel):
    _scheduled(team, channel, text="First out")
    _scheduled(team, channel, text="Second out", day=FUTURE + timedelta(days=1))
    tree = page(team.client(team.viewer).get("/app/acme/queue/?tz=Europe/Paris"))
    rows = [[text_of(td) for td in tr.xpath("td")] for tr in tree.xpath("//tbody/tr")]
    assert rows == [
        ["Wed 12 Jun, 09:00", "Hook", "First out", "Scheduled"],
        ["Thu 13 Jun, 09:00", "Hook", "Second out", "Scheduled"],
    ]


def test_notifications_are_listed_and_marked_read(team, channel):
    team.client(team.contributor).post("/app/acme/compose/", compose_data([channel]))
    post = Post.objects.get()
    client = team.client(team.editor)
    tree = page(client.get("/app/acme/notifications/"))
    items = tree.xpath("//ul[@class='notifications']/li[@class='unread']")
    assert len(items) == 1 and "asks for approval" in text_of(items[0])
    note = Notification.objects.get(user=team.editor)
    response = client.get(f"/app/acme/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/app/acme/posts/{post.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    Notification.objects.create(user=team.editor, workspace=team.workspace, text="Another",
                                link="https://evil.example/")  # fmt: skip
    other = Notification.objects.get(text="Another")
    assert (
        client.get(f"/app/acme/notifications/{other.pk}/")["Location"] == "/app/acme/notifications/"
    )
    client.post("/app/acme/notifications/")
    assert not Notification.objects.filter(user=team.editor, read_at__isnull=True).exists()
    assert team.client(team.owner).get(f"/app/acme/notifications/{note.pk}/").status_code == 404
