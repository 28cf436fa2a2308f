from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from outlier.core import login_throttle
from outlier.core.client_ip import client_ip
from outlier.core.models import Role, Scope


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's ValidationError on the form: field messages beside their fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refusing further tries after repeated failures."""

    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True}))

    def clean(self) -> dict[str, Any]:
        email = self.data.get("username", "")
        ip = client_ip(self.request) if self.request else ""
        if login_throttle.is_locked(email, ip):
            raise ValidationError(
                "Too many failed attempts. Wait a few minutes, or reset your password.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            login_throttle.record_failure(email, ip)
            raise
        login_throttle.reset(email)
        return cleaned


class WorkspaceForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=60, required=False, help_text="Leave empty to derive it")


class MemberForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTRIBUTOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80)
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.READ)


class SetupForm(forms.Form):
    email = forms.EmailField(label="Your e-mail")
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    workspace = forms.CharField(label="Workspace name", max_length=120, initial="My brand")
