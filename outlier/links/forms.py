"""The forms of the links screen: a link made by hand, the workspace's UTM defaults, and the
list's filters. Thin: the actions check targets and UTM values (`targets`, `utm`)."""

from __future__ import annotations

from typing import Any

from django import forms

from outlier.links import utm
from outlier.links.models import Campaign

UTM_HELP = {
    "utm_source": "Where the visitor comes from: newsletter, partner, …",
    "utm_medium": "The kind of channel: social, email, cpc, …",
    "utm_campaign": "The campaign's name in your analytics tool.",
    "utm_term": "Paid keywords.",
    "utm_content": "Which link or ad of several.",
    "utm_id": "The campaign's id in your analytics tool.",
}


def _utm_fields(form: forms.Form) -> None:
    for key, text in UTM_HELP.items():
        form.fields[key] = forms.CharField(
            required=False, max_length=utm.MAX_VALUE, label=key, help_text=text
        )


def _campaign_choices(workspace_id: int, empty: str) -> list[tuple[Any, str]]:
    campaigns = Campaign.objects.filter(workspace_id=workspace_id).values_list("pk", "name")
    return [("", empty), *campaigns]


class LinkForm(forms.Form):
    target = forms.CharField(label="Target address", help_text="An http:// or https:// address.",
                             widget=forms.URLInput(attrs={"placeholder": "https://"}))  # fmt: skip
    campaign = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = _campaign_choices(workspace_id, "No campaign")  # type: ignore[attr-defined]
        _utm_fields(self)

    def overrides(self) -> dict[str, str]:
        """The UTM values typed in; an empty box leaves the parameter to the defaults."""
        return {key: self.cleaned_data[key] for key in UTM_HELP if self.cleaned_data.get(key)}


class DefaultsForm(forms.Form):
    prefix = "defaults"  # its boxes share names with the link form's on the same page

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _utm_fields(self)

    def values(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in UTM_HELP}


class FilterForm(forms.Form):
    campaign = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    enabled = forms.TypedChoiceField(
        required=False, empty_value=None, coerce=lambda v: v == "yes",
        choices=[("", "On and off"), ("yes", "On"), ("no", "Off")], label="State",
    )  # fmt: skip

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = _campaign_choices(workspace_id, "All campaigns")  # type: ignore[attr-defined]
