from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from outlier.core.models import Membership, Role
from outlier.curation import actions
from outlier.curation.models import Scoop, Topic
from outlier.curation.tasks import fetch_scoop


class Command(BaseCommand):
    help = "Save an article URL into a topic; the page is fetched in the background."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--topic", required=True, help="The topic's address (slug)")
        parser.add_argument("--insight", default="", help="Your insight, in Markdown")
        parser.add_argument("--tags", default="", help="Comma-separated tags")
        parser.add_argument("--draft", action="store_true", help="Do not publish once filled")
        parser.add_argument("--as", dest="email", help="Act as this member (default: an owner)")
        parser.add_argument("--wait", action="store_true", help="Fetch now and print the result")

    def handle(self, *args: Any, **options: Any) -> None:
        topic = Topic.objects.select_related("workspace").filter(slug=options["topic"]).first()
        if topic is None:
            raise CommandError(f"No topic with the address {options['topic']!r}.")
        members = Membership.objects.select_related("user", "workspace").filter(
            workspace=topic.workspace
        )
        if options["email"]:
            member = members.filter(user__email=options["email"].lower()).first()
        else:
            member = members.filter(role=Role.OWNER).order_by("created_at").first()
        if member is None:
            raise CommandError("No such member of the topic's workspace.")
        try:
            scoop, created = actions.do_create_scoop(
                member, topic, options["url"], options["insight"], options["tags"],
                publish=not options["draft"],
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except (PermissionDenied, Http404) as exc:
            raise CommandError(str(exc)) from exc
        if not created:
            self.stdout.write(f"Already in the topic: scoop {scoop.pk} ({scoop.state}).")
            return
        if options["wait"]:
            fetch_scoop.call(scoop.pk)
            scoop = Scoop.objects.get(pk=scoop.pk)
        self.stdout.write(f"Scoop {scoop.pk}: {scoop.state} {scoop.title or scoop.url}")
        if scoop.fetch_error:
            raise CommandError(scoop.fetch_error)
