"""The publishing screens' forms: channels, the composer, scheduling, notes and reviews.

Forms only read and shape input; the actions validate against the networks and write.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet

from outlier.links.models import Campaign
from outlier.networks import registry
from outlier.networks.base import Field
from outlier.networks.threads import MARKER as THREAD_MARKER
from outlier.publishing import timing
from outlier.publishing.models import (
    Channel,
    ChannelStatus,
    Post,
    PostImage,
    PostMedia,
    RepeatUnit,
)

MAX_IMAGES = 4
# What the video or audio input offers to pick (the file is identified by its bytes anyway).
MEDIA_ACCEPT = "video/mp4,video/webm,video/quicktime,audio/*,.mp4,.m4v,.webm,.mov,.mp3,.ogg,.oga,.opus,.wav,.m4a,.flac"
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_DAY_WORDS = {name.lower(): i for i, name in enumerate(DAY_NAMES)}
_DAY_GROUPS = {
    "daily": list(range(7)),
    "everyday": list(range(7)),
    "weekdays": list(range(5)),
    "weekends": [5, 6],
    "weekend": [5, 6],
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


# --- posting times: "Mon-Fri 09:00, 13:00; Sat 10:00" ----------------------------------------


def _day(word: str) -> int:
    key = word.strip().lower()[:3]
    if key not in _DAY_WORDS:
        raise ValidationError(f"“{word}” is not a day; write Mon, Tue, … Sun.")
    return _DAY_WORDS[key]


def _days(token: str) -> list[int]:
    word = token.lower().replace(" ", "")
    if word in _DAY_GROUPS:
        return _DAY_GROUPS[word]
    if "-" in token:
        start, _, end = token.partition("-")
        first, last = _day(start), _day(end)
        if last < first:
            return [*range(first, 7), *range(0, last + 1)]
        return list(range(first, last + 1))
    return [_day(token)]


def parse_posting_times(text: str) -> list[dict[str, Any]]:
    """Groups separated by ";" or new lines, each: days (optional: every day) then times."""
    slots: list[dict[str, Any]] = []
    for group in re.split(r"[;\n]+", text):
        tokens = [t for t in re.split(r"[\s,]+", group.replace("every day", "daily")) if t]
        if not tokens:
            continue
        days: set[int] = set()
        times: list[str] = []
        for token in tokens:
            match = _TIME.match(token)
            if match:
                hour, minute = int(match[1]), int(match[2])
                if hour > 23 or minute > 59:
                    raise ValidationError(f"{token} is not a time of day.")
                times.append(f"{hour:02d}:{minute:02d}")
            else:
                days.update(_days(token))
        if not times:
            raise ValidationError(f"“{group.strip()}” has no time; write e.g. “Mon-Fri 09:00”.")
        for at in times:
            slots.append({"days": sorted(days) if days else list(range(7)), "time": at})
    return slots


def _format_days(days: list[int]) -> str:
    if days == list(range(7)):
        return "Daily"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    return ",".join(DAY_NAMES[d] for d in days)


def format_posting_times(slots: Iterable[dict[str, Any]]) -> str:
    grouped: dict[tuple[int, ...], list[str]] = {}
    for slot in slots:
        grouped.setdefault(tuple(slot["days"]), []).append(slot["time"])
    return "; ".join(
        f"{_format_days(list(days))} {', '.join(sorted(times))}" for days, times in grouped.items()
    )


# --- channels ---------------------------------------------------------------------------------


class ChannelForm(forms.Form):
    """The fields every channel has, then the ones its network asks for (its adapter's
    `fields`): secrets go to the encrypted credentials, the rest to the settings."""

    name = forms.CharField(max_length=120, help_text="How the channel appears in Outlier")
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        initial="UTC",
        widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off"}),
        help_text="Its posting times are in this zone, e.g. Europe/Paris",
    )
    queue_times = forms.CharField(
        label="Posting times",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Mon-Fri 09:00, 13:00; Sat 10:00"}),
        help_text="For “Add to queue”: days then times, groups separated by “;” or new lines",
    )

    def __init__(self, *args: Any, network: str, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network = network
        self.editing = editing
        self.network_fields = registry.get_adapter(network).fields
        for spec in self.network_fields:
            self.fields[spec.name] = _network_field(spec, editing)

    def clean_queue_times(self) -> list[dict[str, Any]]:
        return parse_posting_times(self.cleaned_data.get("queue_times", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for spec in self.network_fields:
            if spec.kind == "emails" and spec.name in data:
                try:
                    data[spec.name] = _addresses(data[spec.name], spec.required)
                except ValidationError as exc:
                    self.add_error(spec.name, exc)
        return data

    def _values(self, secret: bool) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for spec in self.network_fields:
            value = self.cleaned_data.get(spec.name)
            if spec.secret != secret or value is None:
                continue
            value = value.strip() if isinstance(value, str) else value
            if value or (spec.required and not secret):  # an empty secret keeps the stored one
                found[spec.name] = value
        return found

    def channel_settings(self) -> dict[str, Any]:
        return self._values(secret=False)

    def channel_credentials(self) -> dict[str, Any]:
        return self._values(secret=True)


def _network_field(spec: Field, editing: bool) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "help_text": spec.help}
    if spec.secret:
        common["required"] = spec.required and not editing
        if editing:
            common["help_text"] = "Leave empty to keep the current one"
    else:
        common["required"] = spec.required
    if spec.kind == "choice":
        return forms.ChoiceField(choices=spec.choices, initial=spec.default, **common)
    if spec.kind == "emails":
        widget: forms.Widget = forms.Textarea(attrs={"rows": 2, "placeholder": "news@example.org"})
        return forms.CharField(widget=widget, **common)
    if spec.kind == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial=spec.default,
                               **common)  # fmt: skip
    if spec.kind == "password":
        return forms.CharField(max_length=500, widget=forms.PasswordInput, **common)
    if spec.kind == "token":
        initial = "" if editing else secrets.token_urlsafe(24)
        return forms.CharField(max_length=500, initial=initial, **common)
    if spec.kind == "url":
        attrs = {"placeholder": spec.default or "https://…"}
        return forms.CharField(max_length=2000, widget=forms.URLInput(attrs=attrs),
                               initial=spec.default, **common)  # fmt: skip
    return forms.CharField(max_length=300, initial=spec.default, **common)


def _addresses(text: str, required: bool) -> list[str]:
    found = [r for r in re.split(r"[\s,;]+", text or "") if r]
    for address in found:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(f"“{address}” is not an e-mail address.") from exc
    if required and not found:
        raise ValidationError("Give at least one address.")
    return found


def channel_initial(channel: Channel) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": channel.name,
        "timezone": channel.timezone,
        "queue_times": format_posting_times(channel.queue_times),
    }
    for spec in registry.get_adapter(channel.network).fields:
        if spec.secret:
            continue
        value = channel.settings.get(spec.name, spec.default)
        initial[spec.name] = ", ".join(value) if isinstance(value, list) else value
    return initial


# --- the composer -----------------------------------------------------------------------------


class ChannelChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if obj.status == ChannelStatus.NEEDS_RECONNECT:
            return f"{obj.name} (needs reconnecting)"
        return str(obj.name)


class PostForm(forms.Form):
    """Content: text, title, link, channels, per-channel variants, and images or one video or
    audio file with its description."""

    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Write once…"}),
        help_text=f"On Bluesky a longer text becomes a thread, cut at paragraphs and sentences; "
        f"a line with only {THREAD_MARKER} starts the next post of the thread there.",
    )
    title = forms.CharField(
        max_length=200, required=False, help_text="The e-mail subject and the link card's title"
    )
    link = forms.CharField(
        max_length=2000, required=False, widget=forms.URLInput(attrs={"placeholder": "https://…"})
    )
    channels = ChannelChoice(
        queryset=Channel.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), required=False, empty_label="No campaign"
    )
    tracking = forms.BooleanField(
        required=False, initial=True, label="Track clicks on the link",
        help_text="It goes out as a short /l/ link with UTM parameters for each channel.",
    )  # fmt: skip
    # Holds the networks' image problems (there is no single image input to put them on).
    images = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        existing: list[PostImage] | None = None,
        campaigns: QuerySet[Campaign] | None = None,
        existing_media: PostMedia | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        campaign_field = self.fields["campaign"]
        assert isinstance(campaign_field, forms.ModelChoiceField)
        campaign_field.queryset = campaigns if campaigns is not None else Campaign.objects.none()
        self.channel_list = channels
        self.existing = existing or []
        self.existing_media = existing_media
        field = self.fields["channels"]
        assert isinstance(field, ChannelChoice)
        field.queryset = Channel.objects.filter(pk__in=[c.pk for c in channels])
        for channel in channels:
            self.fields[f"variant_{channel.pk}"] = forms.CharField(
                label=f"Text for {channel.name}", required=False,
                widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Same as above"}),
            )  # fmt: skip
        for image in self.existing:
            self.fields[f"alt_{image.pk}"] = forms.CharField(
                label="Alt text", max_length=1000, required=False, initial=image.alt
            )
            self.fields[f"remove_{image.pk}"] = forms.BooleanField(label="Remove", required=False)
        for slot in self.new_slots:
            self.fields[f"image_{slot}"] = forms.FileField(
                label=f"Image {slot}", required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
            )  # fmt: skip
            self.fields[f"image_alt_{slot}"] = forms.CharField(
                label="Alt text", max_length=1000, required=False,
                widget=forms.TextInput(attrs={"placeholder": "Describe the image"}),
            )  # fmt: skip
        if existing_media is not None:
            self.fields["media_remove"] = forms.BooleanField(label="Remove", required=False)
        if self.takes_media:
            self._add_media_fields(existing_media)

    @property
    def takes_media(self) -> bool:
        """A video or audio file can be chosen: the post has no images (never both)."""
        return not self.existing

    def _add_media_fields(self, existing_media: PostMedia | None) -> None:
        self.fields["media_file"] = forms.FileField(
            label="Replace with" if existing_media else "Video or audio file", required=False,
            widget=forms.FileInput(attrs={"accept": MEDIA_ACCEPT}),
            help_text="Instead of images: one MP4, WebM or MOV video, or one MP3, Ogg, WAV, M4A "
                      "or FLAC audio file.",
        )  # fmt: skip
        self.fields["media_description"] = forms.CharField(
            label="Description", max_length=1500, required=False,
            initial=existing_media.description if existing_media else "",
            widget=forms.TextInput(attrs={"placeholder": "What is seen or heard"}),
        )  # fmt: skip

    @property
    def new_slots(self) -> range:
        if self.existing_media is not None:  # one video or audio file, or images: not both
            return range(0)
        return range(1, MAX_IMAGES - len(self.existing) + 1)

    def variant_fields(self) -> list[tuple[Channel, forms.BoundField]]:
        return [(c, self[f"variant_{c.pk}"]) for c in self.channel_list]

    def existing_images(self) -> list[tuple[PostImage, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"alt_{i.pk}"], self[f"remove_{i.pk}"]) for i in self.existing]

    def upload_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"image_{s}"], self[f"image_alt_{s}"]) for s in self.new_slots]

    def variants(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"variant_{c.pk}", "") for c in self.channel_list}

    def uploads(self) -> list[tuple[str, Any, str]]:
        """(field name, file, alt) for each new image chosen."""
        found = []
        for slot in self.new_slots:
            upload = self.cleaned_data.get(f"image_{slot}")
            if upload:
                found.append(
                    (f"image_{slot}", upload, self.cleaned_data.get(f"image_alt_{slot}", ""))
                )
        return found

    def media_upload(self) -> tuple[Any, str] | None:
        """(file, description) when a video or audio file was chosen."""
        upload = self.cleaned_data.get("media_file") if "media_file" in self.fields else None
        return (upload, self.cleaned_data.get("media_description", "")) if upload else None

    def media_removed(self) -> bool:
        return bool(self.existing_media and self.cleaned_data.get("media_remove"))

    def media_description_change(self) -> str | None:
        """The existing file's new description, None when unchanged (or replaced, removed)."""
        media = self.existing_media
        if media is None or not self.takes_media or self.media_removed() or self.media_upload():
            return None
        description = self.cleaned_data.get("media_description", "")
        return description if description != media.description else None

    def removals(self) -> list[int]:
        return [i.pk for i in self.existing if self.cleaned_data.get(f"remove_{i.pk}")]

    def alt_changes(self) -> dict[int, str]:
        return {
            i.pk: self.cleaned_data.get(f"alt_{i.pk}", "")
            for i in self.existing
            if not self.cleaned_data.get(f"remove_{i.pk}")
            and self.cleaned_data.get(f"alt_{i.pk}", "") != i.alt
        }


def post_initial(post: Post) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "text": post.text,
        "title": post.title,
        "link": post.link,
        "campaign": post.campaign_id,
        "tracking": post.tracking,
        "channels": [c.pk for c in post.channels.all()],
    }
    for variant in post.variants.all():
        initial[f"variant_{variant.channel_id}"] = variant.text
    return initial


WHEN_CHOICES = [("now", "Post now"), ("at", "At a date and time"), ("queue", "Add to queue")]


class ScheduleForm(forms.Form):
    when = forms.ChoiceField(choices=WHEN_CHOICES, initial="at", widget=forms.RadioSelect)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(
        label="Time", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off"}),
    )
    repeat_every = forms.IntegerField(
        label="Repeat every", min_value=1, max_value=1000, required=False
    )
    repeat_unit = forms.ChoiceField(
        label="Unit", choices=RepeatUnit.choices, initial=RepeatUnit.DAY, required=False
    )
    repeat_until = forms.DateField(
        label="until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, can_post_now: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_post_now:
            field = self.fields["when"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [c for c in WHEN_CHOICES if c[0] != "now"]

    def clean_at(self) -> time | None:
        at = self.cleaned_data.get("at")
        if at is not None:
            try:
                timing.check_minute(at)  # "09:30:00", as a browser may send it, is 09:30
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["at"]) from exc
        return at


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note for teammates", max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Only your team sees this"}),
    )  # fmt: skip


class RejectForm(forms.Form):
    comment = forms.CharField(
        label="What should change?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what should change."},
    )


class MoveForm(forms.Form):
    day = forms.DateField()
    time = forms.TimeField()
    tz = forms.CharField(max_length=64, required=False)
