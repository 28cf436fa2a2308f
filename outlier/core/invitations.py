"""E-mail telling a new member how to set a password and log in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from outlier.core.models import User, Workspace


def send_invitation(user: User, workspace: Workspace, invited_by: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.BASE_URL + reverse("password_reset_confirm", args=[uid, token])
    send_mail(
        subject=f"You have been added to {workspace.name} on Outlier",
        message=(
            f"{invited_by} added you to the workspace “{workspace.name}” on Outlier.\n\n"
            f"Choose your password here to log in:\n{link}\n\n"
            "The link works once and expires in a few days.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
