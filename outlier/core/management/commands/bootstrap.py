from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from outlier.core import setup_link
from outlier.core.actions import do_bootstrap_owner
from outlier.core.models import User
from outlier.settings import env_str


class Command(BaseCommand):
    help = (
        "Create the first owner from OUTLIER_ADMIN_EMAIL / OUTLIER_ADMIN_PASSWORD, "
        "or print a one-time set-up link. Does nothing once an account exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            self.stdout.write("Accounts exist already; nothing to set up.")
            return
        email = env_str("OUTLIER_ADMIN_EMAIL")
        password = env_str("OUTLIER_ADMIN_PASSWORD")
        if email and password:
            try:
                do_bootstrap_owner(email, password)
            except ValidationError as exc:
                raise CommandError(
                    "Cannot create the first owner: " + " ".join(exc.messages)
                ) from exc
            self.stdout.write(self.style.SUCCESS(f"Created the first owner {email}."))
            return
        if email or password:
            raise CommandError(
                "Set both OUTLIER_ADMIN_EMAIL and OUTLIER_ADMIN_PASSWORD, or neither."
            )
        self.stdout.write(
            "No account yet. Open this one-time link to create the first owner:\n  "
            + setup_link.make_setup_url()
        )
