from __future__ import annotations

from django import forms

from outlier.curation.models import Topic
from outlier.links.models import Campaign


class TopicForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=60, required=False, label="Address", help_text="Leave empty to derive it"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cover_image = forms.ImageField(required=False)
    is_public = forms.BooleanField(required=False, initial=True, label="Public page with feeds")
    visitor_suggestions = forms.BooleanField(
        required=False, initial=True, label="Visitors may suggest articles",
        help_text="A form on the public page; what they suggest waits among the suggestions.",
    )  # fmt: skip


class ScoopForm(forms.Form):
    url = forms.CharField(
        label="Article address",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://…", "autofocus": True}),
    )
    topic = forms.ModelChoiceField(queryset=Topic.objects.none(), empty_label=None)
    insight = forms.CharField(
        label="Your insight",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Why it matters (Markdown)"}),
    )
    tags = forms.CharField(required=False, help_text="Separated by commas")
    publish = forms.BooleanField(required=False, initial=True, label="Publish once filled")

    def __init__(self, *args: object, topics: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["topic"].queryset = topics  # type: ignore[attr-defined]


class ScoopEditForm(forms.Form):
    title = forms.CharField(max_length=300, required=False)
    excerpt = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    image_url = forms.CharField(label="Image address", max_length=2000, required=False)
    site_name = forms.CharField(max_length=200, required=False, label="Source")
    author = forms.CharField(max_length=200, required=False)
    article_published_at = forms.DateTimeField(
        required=False,
        label="Article date",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    insight = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text="Markdown"
    )
    tags = forms.CharField(required=False, help_text="Separated by commas")
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), required=False, empty_label="No campaign"
    )
    tracking = forms.BooleanField(
        required=False, initial=True, label="Track clicks on “Read the full article”",
        help_text="The topic page and the feeds link through a short /l/ link with UTM parameters.",
    )  # fmt: skip

    def __init__(self, *args: object, campaigns: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
