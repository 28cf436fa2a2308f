"""The public subscribe form. It only carries the input: the checking is
`actions.check_subscription`'s, whose refusals come back onto the form."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django import forms

from outlier.digests.models import WEEKDAYS, Frequency

DEFAULT_ZONE = "UTC"


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone of this machine's database, by name (the fallback when the browser
    does not tell its own)."""
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


class SubscribeForm(forms.Form):
    email = forms.CharField(label="E-mail", max_length=320,
                            widget=forms.EmailInput(attrs={"autocomplete": "email",
                                                           "placeholder": "you@example.org"}))  # fmt: skip
    frequency = forms.ChoiceField(label="How often", choices=Frequency.choices,
                                  initial=Frequency.DAILY, widget=forms.RadioSelect)  # fmt: skip
    weekday = forms.ChoiceField(label="On (weekly)", initial="0", required=False,
                                choices=[(str(i), day) for i, day in enumerate(WEEKDAYS)])  # fmt: skip
    hour = forms.ChoiceField(label="At", initial="8",
                             choices=[(str(h), f"{h:02d}:00") for h in range(24)])  # fmt: skip
    time_zone = forms.CharField(label="Time zone", max_length=64, initial=DEFAULT_ZONE,
                                widget=forms.Select(attrs={"data-browser-zone": ""}))  # fmt: skip
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by form-filling bots.
    website = forms.CharField(label="Leave this empty", required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        widget = self.fields["time_zone"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = zone_choices()

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"])  # checked by the action, with the others

    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get("website", "")).strip())
