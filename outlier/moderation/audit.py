"""Writing the audit log: one entry per thing done, the entries of one action sharing a batch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from outlier.moderation.models import AuditEntry


@dataclass
class Batch:
    """The entries of one action, written together by `write` (inside its transaction)."""

    workspace_id: int
    actor_id: int | None
    at: datetime = field(default_factory=timezone.now)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    entries: list[AuditEntry] = field(default_factory=list)

    def add(
        self,
        action: str,
        label: str,
        *,
        case_id: int | None = None,
        rule_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.entries.append(
            AuditEntry(
                workspace_id=self.workspace_id,
                at=self.at,
                actor_id=self.actor_id,
                action=action,
                case_id=case_id,
                rule_id=rule_id,
                label=label[:300],
                before=before,
                after=after,
                batch=self.id,
            )
        )

    def write(self) -> None:
        if self.entries:
            AuditEntry.objects.bulk_create(self.entries)
            self.entries = []
