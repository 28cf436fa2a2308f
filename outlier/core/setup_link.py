"""The one-time link that creates the first owner when no account exists yet."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from outlier.core.models import User

SALT = "outlier.setup"
MAX_AGE = 7 * 24 * 3600


def make_setup_url() -> str:
    token = signing.dumps("first-owner", salt=SALT)
    return settings.BASE_URL + reverse("setup", args=[token])


def is_valid(token: str) -> bool:
    """Valid while signed by this server, younger than a week, and no account exists."""
    if User.objects.exists():
        return False
    try:
        return bool(signing.loads(token, salt=SALT, max_age=MAX_AGE) == "first-owner")
    except signing.BadSignature:
        return False
