"""Reads shared by the publishing screens and the API."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404

from outlier.core.models import Membership, Workspace
from outlier.publishing.models import Delivery, DeliveryState


def access_delivery(membership: Membership, delivery_id: int) -> Delivery:
    delivery = (
        Delivery.objects.select_related("post", "channel", "post__workspace")
        .filter(pk=delivery_id, post__workspace=membership.workspace)
        .first()
    )
    if delivery is None:
        raise Http404("No such delivery in this workspace.")
    return delivery


def calendar_deliveries(
    workspace: Workspace, start: datetime, end: datetime, channel_id: int | None = None
) -> QuerySet[Delivery]:
    rows = (
        Delivery.objects.filter(post__workspace=workspace, due_at__gte=start, due_at__lt=end)
        .exclude(state=DeliveryState.CANCELLED)
        .select_related("post", "channel")
        .order_by("due_at", "pk")
    )
    if channel_id:
        rows = rows.filter(channel_id=channel_id)
    return rows
