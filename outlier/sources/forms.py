"""The forms of the sources page: a feed or a site, keywords (optionally searched on a
network channel too), an account on a network, an OPML file. They only carry
the input: the checking is the actions' (`actions.find_feeds`, `check_keywords`,
`do_import_opml`), whose refusals come back onto these forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from outlier.sources import actions, keywords
from outlier.sources.network_sources import network_label


class FeedForm(forms.Form):
    url = forms.CharField(
        label="Feed or site address", max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/ or https://example.com/feed.xml"}),
        help_text="An RSS, Atom or JSON Feed address, or a web site: its feeds are looked for.",
    )  # fmt: skip
    name = forms.CharField(label="Name (optional)", max_length=300, required=False)
    category = forms.CharField(label="Category (optional)", max_length=300, required=False,
                               widget=forms.TextInput(attrs={"list": "source-categories"}),
                               help_text="Folders as in a feed reader: News/Tech.")  # fmt: skip


def channel_choices(channels: Iterable[Any], blank: str = "") -> list[tuple[str, str]]:
    found = [("", blank)] if blank else []
    return found + [(str(c.pk), f"{c.name} ({network_label(c.network)})") for c in channels]


class KeywordsForm(forms.Form):
    keywords = forms.CharField(
        label="Words and phrases", max_length=keywords.MAX_KEYWORDS * (keywords.MAX_LENGTH + 3),
        widget=forms.TextInput(attrs={"placeholder": 'solar, "heat pump", #climate'}),
        help_text=f'Apart by spaces or commas; "quoted phrases" stay together. At most '
                  f"{keywords.MAX_KEYWORDS}, each {keywords.MAX_LENGTH} characters at most. "
                  "Matched over every item of every source of the workspace.",
    )  # fmt: skip
    channel = forms.ChoiceField(
        label="Also search on (optional)", required=False,
        help_text="A Bluesky or Mastodon channel: the keywords are searched there too (on "
                  "Mastodon a #tag reads the hashtag, other words need the server's full-text "
                  "search). Only posts that link to an article are suggested.",
    )  # fmt: skip
    name = forms.CharField(label="Name (optional)", max_length=300, required=False)

    def __init__(self, *args: Any, channels: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = channel_choices(channels, "Only the workspace's sources")


class AccountForm(forms.Form):
    """An account on a network as a source, read through one of the workspace's channels."""

    channel = forms.ChoiceField(label="Network channel",
                                help_text="The channel whose network the account is on.")  # fmt: skip
    account = forms.CharField(
        label="Account", max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "@alice.bsky.social or @alice@mastodon.social"}),
        help_text="Its own posts (not its reposts, not its replies) that link to an article "
                  "are suggested, the article being the story; posts without a link are not.",
    )  # fmt: skip
    name = forms.CharField(label="Name (optional)", max_length=300, required=False)

    def __init__(self, *args: Any, channels: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = channel_choices(channels)


class OpmlForm(forms.Form):
    file = forms.FileField(
        label="OPML file",
        help_text=f"From a feed reader (OPML 1.0 or 2.0): its folders become categories. At most "
                  f"{actions.MAX_OPML_BYTES // 1024 // 1024} MB. The feeds are read in the "
                  "background; each shows its first result below.",
    )  # fmt: skip


class VisitorSuggestionForm(forms.Form):
    """A visitor's suggestion on a public topic page (checked by `visitor`)."""

    url = forms.CharField(label="Article address", max_length=4000,
                          widget=forms.URLInput(attrs={"placeholder": "https://…"}))  # fmt: skip
    name = forms.CharField(label="Your name (optional)", max_length=1000, required=False)
    note = forms.CharField(label="Why it belongs here (optional)", max_length=4000,
                           required=False, widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    # Left empty by people (hidden from them); robots fill every field.
    website = forms.CharField(required=False, label="Leave this empty",
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))  # fmt: skip
    stamp = forms.CharField(widget=forms.HiddenInput, max_length=200)
