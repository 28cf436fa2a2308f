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
