"""The forms of the reports, campaigns and measurement settings screens (thin: the actions
check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms

from outlier.curation.models import Topic
from outlier.links.models import Campaign, CostKind
from outlier.publishing.models import Channel

from . import currencies
from .models import AttributionModel

DATE = forms.DateInput(attrs={"type": "date"})


class ReportForm(forms.Form):
    start = forms.DateField(required=False, widget=DATE, label="From")
    end = forms.DateField(required=False, widget=DATE, label="To")
    channel = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    campaign = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    topic = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything: list[tuple[Any, str]] = [("", "All")]
        channels = Channel.objects.filter(workspace_id=workspace_id)
        campaigns = Campaign.objects.filter(workspace_id=workspace_id)
        topics = Topic.objects.filter(workspace_id=workspace_id)
        self.fields["channel"].choices = everything + [  # type: ignore[attr-defined]
            (pk, f"{name} ({network})")
            for pk, name, network in channels.values_list("pk", "name", "network")
        ]
        self.fields["campaign"].choices = everything + list(  # type: ignore[attr-defined]
            campaigns.values_list("pk", "name")
        )
        self.fields["topic"].choices = everything + list(  # type: ignore[attr-defined]
            topics.values_list("pk", "name")
        )


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=60, required=False,
                           help_text="The utm_campaign value; empty: made from the name.")  # fmt: skip
    budget = forms.DecimalField(required=False, min_value=0, decimal_places=2, max_digits=12)
    currency = forms.ChoiceField(choices=currencies.CHOICES)
    starts_on = forms.DateField(required=False, widget=DATE, label="Starts on")
    ends_on = forms.DateField(required=False, widget=DATE, label="Ends on")


class CostForm(forms.Form):
    kind = forms.ChoiceField(choices=CostKind.choices, initial=CostKind.AD_SPEND)
    description = forms.CharField(max_length=200, required=False)
    amount = forms.DecimalField(required=False, min_value=0, decimal_places=2, max_digits=12,
                                help_text="For ad spend and other costs.")  # fmt: skip
    hours = forms.DecimalField(required=False, min_value=0, decimal_places=2, max_digits=8,
                               help_text="For time: hours × rate.")  # fmt: skip
    rate = forms.DecimalField(required=False, min_value=0, decimal_places=2, max_digits=10,
                              label="Rate per hour")  # fmt: skip
    incurred_on = forms.DateField(widget=DATE, label="Day")


class SettingsForm(forms.Form):
    attribution = forms.ChoiceField(choices=AttributionModel.choices,
                                    help_text="Which click earns a conversion.")  # fmt: skip
    window_days = forms.IntegerField(min_value=1, max_value=365, label="Window (days)",
                                     help_text="Clicks older than this before a conversion do "
                                               "not count.")  # fmt: skip
    currency = forms.ChoiceField(choices=currencies.CHOICES, label="Reports' currency")
    script_sales = forms.BooleanField(
        required=False, label="The script may report sales",
        help_text="Off: the script reports leads only, and sales come from the API or a signed "
                  "webhook (the script's key is public, so anyone could report a sale with it).",
    )  # fmt: skip
    weekly_email = forms.BooleanField(required=False,
                                      label="Send the weekly report to owners and editors")  # fmt: skip
    allowed_origins = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Sites allowed",
        help_text="One origin per line (https://shop.example); empty: any site with the key.",
    )  # fmt: skip
