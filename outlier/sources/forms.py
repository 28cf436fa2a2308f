"""The forms of the sources page: a feed or a site, keywords, an OPML file. They only carry
the input: the checking is the actions' (`actions.find_feeds`, `check_keywords`,
`do_import_opml`), whose refusals come back onto these forms."""

from __future__ import annotations

from django import forms

from outlier.sources import actions, keywords


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


class KeywordsForm(forms.Form):
    keywords = forms.CharField(
        label="Words and phrases", max_length=keywords.MAX_KEYWORDS * (keywords.MAX_LENGTH + 3),
        widget=forms.TextInput(attrs={"placeholder": 'solar, "heat pump", #climate'}),
        help_text=f'Apart by spaces or commas; "quoted phrases" stay together. At most '
                  f"{keywords.MAX_KEYWORDS}, each {keywords.MAX_LENGTH} characters at most. "
                  "Matched over every item of every source of the workspace.",
    )  # fmt: skip
    name = forms.CharField(label="Name (optional)", max_length=300, required=False)


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
