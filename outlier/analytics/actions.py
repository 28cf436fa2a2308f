"""The writes of measurement: campaigns and their costs, conversions (from the API, the script
and signed webhooks), and a workspace's measurement settings. Views, the API and the public
endpoints all call these; `check_*` validates, `do_*` writes, `access_*` reads with a check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from outlier.core.actions import check_role
from outlier.core.models import Membership, Role, Workspace
from outlier.links.models import Campaign, CampaignCost, Click, CostKind
from outlier.networks.webhook.signature import TOLERANCE, verify_signature

from . import currencies
from .attribution import choose_click, link_owners
from .models import (
    AnalyticsSettings,
    AttributionModel,
    Conversion,
    ConversionKind,
    ConversionSource,
    WebhookEvent,
)

# A sale of a billion or more is a typo or an attack; the limit also leaves the daily rollups
# (three more digits than a conversion) room for a million of them.
MAX_SALE = Decimal("999999999.999")
MAX_WINDOW_DAYS = 365
CLICK_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
FUTURE_SKEW = timedelta(minutes=5)


# --- settings ---------------------------------------------------------------------------------


def settings_for(workspace: Workspace | int) -> AnalyticsSettings:
    """The workspace's measurement settings, made with the defaults the first time."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    found = AnalyticsSettings.objects.filter(workspace_id=workspace_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return AnalyticsSettings.objects.create(workspace_id=workspace_id)
    except IntegrityError:  # made meanwhile by another request
        return AnalyticsSettings.objects.get(workspace_id=workspace_id)


def check_origin(origin: str) -> str:
    from urllib.parse import urlsplit

    value = origin.strip().rstrip("/")
    parts = urlsplit(value)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ValidationError(
            {"allowed_origins": f"“{origin}” is not an origin like https://shop.example."}
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def do_update_settings(member: Membership, **fields: Any) -> AnalyticsSettings:
    """Change attribution (model, window), the reports' currency, the weekly e-mail, the
    origins the script may report from and whether it may report sales. Owners only."""
    check_role(member, Role.OWNER)
    row = settings_for(member.workspace)
    errors: dict[str, str] = {}
    if "attribution" in fields and fields["attribution"] not in AttributionModel.values:
        errors["attribution"] = "Choose last click or first click."
    if "window_days" in fields:
        window = fields["window_days"]
        if (
            not isinstance(window, int)
            or isinstance(window, bool)
            or not (1 <= window <= MAX_WINDOW_DAYS)
        ):
            errors["window_days"] = f"The window is 1 to {MAX_WINDOW_DAYS} days."
    if "currency" in fields:
        fields["currency"] = str(fields["currency"]).strip().upper()
        if not currencies.is_known(fields["currency"]):
            errors["currency"] = f"Unknown currency “{fields['currency']}”."
    if "allowed_origins" in fields:
        try:
            fields["allowed_origins"] = sorted(
                {check_origin(o) for o in fields["allowed_origins"] if o.strip()}
            )
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    allowed = {"attribution", "window_days", "currency", "weekly_email", "allowed_origins",
               "script_sales"}  # fmt: skip
    for name, value in fields.items():
        if name in allowed:
            setattr(row, name, value)
    row.save()
    return row


def do_rotate_webhook_secret(member: Membership) -> str:
    """Make a new webhook secret (the old one stops working); returns it, to show once."""
    check_role(member, Role.OWNER)
    row = settings_for(member.workspace)
    secret = "whsec_" + secrets.token_urlsafe(32)
    row.webhook_secret = {"secret": secret}
    row.save(update_fields=["webhook_secret"])
    return secret


def do_rotate_public_key(member: Membership) -> AnalyticsSettings:
    """A new public key: pages that load the script with the old one stop reporting."""
    from .models import new_public_key

    check_role(member, Role.OWNER)
    row = settings_for(member.workspace)
    row.public_key = new_public_key()
    row.save(update_fields=["public_key"])
    return row


# --- money ------------------------------------------------------------------------------------


def column_limit(model: type[models.Model], name: str) -> Decimal:
    """The largest value a DecimalField column holds (99999.99 for 7 digits, 2 places)."""
    column = model._meta.get_field(name)
    assert isinstance(column, models.DecimalField)
    places, digits = column.decimal_places or 0, column.max_digits or 0
    return Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)


def parse_amount(value: Any, currency: str | None, field: str, limit: Decimal) -> Decimal:
    """A non-negative amount up to `limit`, with no more decimals than its currency has
    (JPY none, EUR 2)."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError({field: "The amount must be a number, like 19.99."})
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "The amount must be a number, like 19.99."}) from None
    if not amount.is_finite():
        raise ValidationError({field: "The amount must be a number, like 19.99."})
    if amount < 0:
        raise ValidationError({field: "The amount cannot be negative."})
    if amount > limit:
        raise ValidationError({field: f"At most {limit:,f}."})
    places = currencies.DECIMALS.get(currency or "", 3)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationError(
            {field: f"{currency} amounts have at most {places} decimal places."}
            if currency
            else {field: "Too many decimal places."}
        )
    return amount.quantize(Decimal("0.001"))


def check_currency(value: Any, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if not currencies.is_known(code):
        shown = str(value)[:10] if value else ""
        raise ValidationError(
            {field: f"Unknown currency “{shown}”: use an ISO 4217 code such as EUR or USD."}
        )
    return code


# --- campaigns and costs ----------------------------------------------------------------------


def access_campaign(member: Membership, campaign_id: int, role: str = Role.VIEWER) -> Campaign:
    check_role(member, role)
    campaign = Campaign.objects.filter(pk=campaign_id, workspace=member.workspace).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


def access_cost(member: Membership, cost_id: int, role: str = Role.VIEWER) -> CampaignCost:
    check_role(member, role)
    cost = (
        CampaignCost.objects.select_related("campaign")
        .filter(pk=cost_id, campaign__workspace=member.workspace)
        .first()
    )
    if cost is None:
        raise Http404("No such cost.")
    return cost


def _as_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise ValidationError({field: "Give a date as YYYY-MM-DD."})
    return parsed


def check_campaign(
    member: Membership, campaign: Campaign | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The campaign's fields, checked: name, slug (the utm_campaign value), budget, currency,
    dates. Missing keys keep the campaign's current values."""

    def current(name: str, default: Any = None) -> Any:
        if name in data:
            return data[name]
        return getattr(campaign, name) if campaign is not None else default

    errors: dict[str, str] = {}
    name = str(current("name", "") or "").strip()
    if not name:
        errors["name"] = "Give the campaign a name."
    elif len(name) > 120:
        errors["name"] = "A name has at most 120 characters."
    slug = slugify(str(data.get("slug") or "")) if data.get("slug") else None
    if slug is None:
        slug = campaign.slug if campaign is not None else slugify(name)[:60]
    if not slug:
        errors["slug"] = "The slug needs letters or digits."
    slug = slug[:60]
    taken = Campaign.objects.filter(workspace=member.workspace, slug=slug)
    if campaign is not None:
        taken = taken.exclude(pk=campaign.pk)
    if slug and taken.exists():
        errors["slug"] = f"Another campaign uses the slug “{slug}”."
    default_currency = settings_for(member.workspace).currency
    currency = current("currency", default_currency) or default_currency
    try:
        currency = check_currency(currency)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        currency = None
    budget = current("budget")
    if budget not in (None, ""):
        try:
            budget = parse_amount(
                budget, currency, "budget", column_limit(Campaign, "budget")
            ).quantize(Decimal("0.01"))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    else:
        budget = None
    dates: dict[str, date | None] = {}
    for field in ("starts_on", "ends_on"):
        try:
            dates[field] = _as_date(current(field), field)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            dates[field] = None
    if dates["starts_on"] and dates["ends_on"] and dates["ends_on"] < dates["starts_on"]:
        errors["ends_on"] = "The campaign cannot end before it starts."
    if errors:
        raise ValidationError(errors)
    return {"name": name, "slug": slug, "budget": budget, "currency": currency, **dates}


def do_create_campaign(member: Membership, data: Mapping[str, Any]) -> Campaign:
    check_role(member, Role.EDITOR)
    fields = check_campaign(member, None, data)
    try:
        with transaction.atomic():
            return Campaign.objects.create(workspace=member.workspace, **fields)
    except IntegrityError as exc:
        raise ValidationError({"slug": "Another campaign uses this slug."}) from exc


def do_update_campaign(member: Membership, campaign: Campaign, data: Mapping[str, Any]) -> Campaign:
    check_role(member, Role.EDITOR)
    if campaign.workspace_id != member.workspace.pk:
        raise Http404("No such campaign.")
    fields = check_campaign(member, campaign, data)
    if fields["currency"] != campaign.currency and campaign.costs.exists():
        raise ValidationError(
            {"currency": "Its costs are in " + campaign.currency + "; the currency stays."}
        )
    for name, value in fields.items():
        setattr(campaign, name, value)
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": "Another campaign uses this slug."}) from exc
    return campaign


def do_delete_campaign(member: Membership, campaign: Campaign) -> None:
    """Remove a campaign and its costs; its links and conversions stay, without a campaign."""
    check_role(member, Role.EDITOR)
    if campaign.workspace_id != member.workspace.pk:
        raise Http404("No such campaign.")
    campaign.delete()


def check_cost(campaign: Campaign, data: Mapping[str, Any], cost: CampaignCost | None = None
               ) -> dict[str, Any]:  # fmt: skip
    """A cost: an amount (ad spend, other), or hours × rate (time), on a day."""

    def current(name: str, default: Any = None) -> Any:
        if name in data:
            return data[name]
        return getattr(cost, name) if cost is not None else default

    errors: dict[str, str] = {}
    kind = current("kind", CostKind.AD_SPEND) or CostKind.AD_SPEND
    if kind not in CostKind.values:
        errors["kind"] = "The kind is ad_spend, time or other."
    description = str(current("description", "") or "").strip()
    if len(description) > 200:
        errors["description"] = "A description has at most 200 characters."
    hours = rate = None
    amount: Decimal | None = None
    if kind == CostKind.TIME:
        try:
            hours = parse_amount(
                current("hours"), None, "hours", column_limit(CampaignCost, "hours")
            ).quantize(Decimal("0.01"))
        except ValidationError:
            hours = None
        if not hours:
            errors["hours"] = "Give the hours spent, like 2.5."
        try:
            rate = parse_amount(
                current("rate"), campaign.currency, "rate", column_limit(CampaignCost, "rate")
            ).quantize(Decimal("0.01"))
        except ValidationError:
            errors["rate"] = f"Give the rate per hour in {campaign.currency}, like 40."
        if hours and rate is not None:
            amount = (hours * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if amount > column_limit(CampaignCost, "amount"):
                errors["hours"] = "Hours × rate is too large."
    else:
        try:
            amount = parse_amount(
                current("amount"), campaign.currency, "amount", column_limit(CampaignCost, "amount")
            ).quantize(Decimal("0.01"))
        except ValidationError as exc:
            errors["amount"] = exc.message_dict["amount"][0]
    try:
        incurred_on = _as_date(current("incurred_on"), "incurred_on") or timezone.now().date()
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        incurred_on = None
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "description": description, "amount": amount, "hours": hours,
            "rate": rate, "incurred_on": incurred_on}  # fmt: skip


def do_add_cost(member: Membership, campaign: Campaign, data: Mapping[str, Any]) -> CampaignCost:
    check_role(member, Role.EDITOR)
    if campaign.workspace_id != member.workspace.pk:
        raise Http404("No such campaign.")
    return CampaignCost.objects.create(campaign=campaign, **check_cost(campaign, data))


def do_update_cost(member: Membership, cost: CampaignCost, data: Mapping[str, Any]) -> CampaignCost:
    check_role(member, Role.EDITOR)
    if cost.campaign.workspace_id != member.workspace.pk:
        raise Http404("No such cost.")
    for name, value in check_cost(cost.campaign, data, cost).items():
        setattr(cost, name, value)
    cost.save()
    return cost


def do_delete_cost(member: Membership, cost: CampaignCost) -> None:
    check_role(member, Role.EDITOR)
    if cost.campaign.workspace_id != member.workspace.pk:
        raise Http404("No such cost.")
    cost.delete()


# --- conversions ------------------------------------------------------------------------------


@dataclass
class CheckedConversion:
    workspace_id: int
    kind: str
    amount: Decimal
    currency: str
    external_id: str
    source: str
    occurred_at: datetime
    customer: str = ""
    click: Click | None = None
    first_click: Click | None = None


def customer_key(workspace_id: int, customer_id: str) -> str:
    """The stored form of a customer id: a keyed hash, compared but never read back."""
    key = f"outlier-customer:{settings.SECRET_KEY}".encode()
    message = f"{workspace_id}:{customer_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:64]


def _text(data: Mapping[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError({name: f"{name} must be a string."})
    text = str(value).strip()
    if len(text) > limit:
        raise ValidationError({name: f"{name} has at most {limit} characters."})
    return text


def _find_click(workspace_id: int, click_id: str, field: str) -> Click:
    if not CLICK_ID.match(click_id):
        raise ValidationError({field: f"“{click_id[:40]}” is not a click id."})
    click = Click.objects.filter(click_id=click_id, link__workspace_id=workspace_id).first()
    if click is None:
        raise ValidationError({field: f"No click has the id “{click_id}”."})
    return click


def check_conversion(
    workspace_id: int, data: Mapping[str, Any], source: str, now: datetime | None = None
) -> CheckedConversion:
    """A lead or a sale as sent by a caller, checked; raises ValidationError (a 400) on bad
    input: an unknown kind, a negative or non-numeric amount, an unknown currency, a missing
    external id, a click id that does not exist, neither click id nor customer id.
    """
    if not isinstance(data, Mapping):
        raise ValidationError("Send a JSON object.")
    now = now or timezone.now()
    kind = data.get("kind")
    if kind not in ConversionKind.values:
        raise ValidationError({"kind": "The kind is lead or sale."})
    currency = check_currency(data.get("currency"))
    raw_amount = data.get("amount")
    if raw_amount is None and kind == ConversionKind.LEAD:
        raw_amount = 0
    amount = parse_amount(raw_amount, currency, "amount", MAX_SALE)
    external_id = _text(data, "external_id", 200)
    if not external_id:
        raise ValidationError({"external_id": "Give the conversion's external id (an order id)."})
    customer_id = _text(data, "customer_id", 200)
    click_id = _text(data, "click_id", 64)
    if not click_id and not customer_id:
        raise ValidationError({"click_id": "Give a click id or a customer id."})
    click = _find_click(workspace_id, click_id, "click_id") if click_id else None
    first_click = None
    first_id = _text(data, "first_click_id", 64)
    if first_id and first_id != click_id:
        try:
            first_click = _find_click(workspace_id, first_id, "first_click_id")
        except ValidationError:
            first_click = None  # an old cookie whose link is gone: the last click still counts
    occurred_at = now
    if data.get("occurred_at") not in (None, ""):
        raw = data["occurred_at"]
        parsed = raw if isinstance(raw, datetime) else parse_datetime(str(raw))
        if parsed is None:
            raise ValidationError({"occurred_at": "Give the time as ISO 8601, with a zone."})
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=UTC)
        if parsed > now + FUTURE_SKEW:
            raise ValidationError({"occurred_at": "The conversion cannot be in the future."})
        occurred_at = parsed
    return CheckedConversion(
        workspace_id=workspace_id, kind=kind, amount=amount, currency=currency,
        external_id=external_id, source=source, occurred_at=occurred_at,
        customer=customer_key(workspace_id, customer_id) if customer_id else "",
        click=click, first_click=first_click,
    )  # fmt: skip


def do_record_conversion(checked: CheckedConversion) -> tuple[Conversion, bool]:
    """Store the conversion once per external id, attributed; returns it and whether it is
    new (the same external id again returns the first one and changes nothing)."""
    existing = Conversion.objects.filter(
        workspace_id=checked.workspace_id, external_id=checked.external_id
    ).first()
    if existing is not None:
        return existing, False
    rules = settings_for(checked.workspace_id)
    touches: list[Click | None] = [checked.click, checked.first_click]
    earlier: list[Conversion] = []
    if checked.customer:  # a sale follows the lead (any earlier conversion) of its customer
        earlier = list(
            Conversion.objects.filter(
                workspace_id=checked.workspace_id, customer=checked.customer,
                occurred_at__lte=checked.occurred_at,
            ).select_related("click", "first_click", "attributed_click").order_by("occurred_at")
        )  # fmt: skip
        for conversion in earlier:
            touches += [conversion.click, conversion.first_click]
    chosen = choose_click(touches, checked.occurred_at, rules.attribution, rules.window_days)
    if chosen is None:  # the window is counted from the lead: its credit carries to the sale
        chosen = next((c.attributed_click for c in reversed(earlier) if c.attributed_click), None)
    owner_fields: dict[str, Any] = {}
    if chosen is not None:
        owner = link_owners([chosen.link_id])[chosen.link_id]
        owner_fields = {
            "link_id": owner.link_id, "campaign_id": owner.campaign_id,
            "channel_id": owner.channel_id, "delivery_id": owner.delivery_id,
            "post_id": owner.post_id, "scoop_id": owner.scoop_id, "topic_id": owner.topic_id,
        }  # fmt: skip
    try:
        with transaction.atomic():
            conversion = Conversion.objects.create(
                workspace_id=checked.workspace_id, kind=checked.kind, amount=checked.amount,
                currency=checked.currency, external_id=checked.external_id,
                source=checked.source, customer=checked.customer,
                occurred_at=checked.occurred_at, click=checked.click,
                first_click=checked.first_click, attributed_click=chosen, **owner_fields,
            )  # fmt: skip
    except IntegrityError:  # the same external id, recorded meanwhile
        return Conversion.objects.get(
            workspace_id=checked.workspace_id, external_id=checked.external_id
        ), False
    return conversion, True


def do_record_from_api(member: Membership, data: Mapping[str, Any]) -> tuple[Conversion, bool]:
    check_role(member, Role.EDITOR)
    checked = check_conversion(member.workspace.pk, data, ConversionSource.API)
    return do_record_conversion(checked)


# --- the script's public endpoint -------------------------------------------------------------


class Refused(Exception):
    """A request to a public endpoint refused with an HTTP status and a message."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}


def access_public_key(public_key: str) -> AnalyticsSettings:
    row = (
        AnalyticsSettings.objects.filter(public_key=public_key).select_related("workspace").first()
        if public_key.startswith("pk_") and len(public_key) <= 40
        else None
    )
    if row is None:
        raise Refused(404, "Unknown key.")
    return row


def check_rate(kind: str, who: str, limit: int, seconds: int = 60) -> None:
    """At most `limit` requests per `seconds` for `who` (a hashed address, a key), shared by
    every process through the cache."""
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"analytics-rate:{kind}:{digest}:{int(time.time() // seconds)}"
    if cache.add(key, 1, timeout=seconds * 2):
        return
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=seconds * 2)
        return
    if count > limit:
        raise Refused(429, "Too many conversions from here; try again in a minute.")


def do_collect(public_key: str, origin: str, ip: str, body: bytes) -> tuple[Conversion, bool]:
    """A lead or sale reported by the script on a destination site."""
    row = access_public_key(public_key)
    if row.allowed_origins and origin not in row.allowed_origins:
        raise Refused(403, "This site may not report conversions for this key.")
    check_rate("ip", ip, settings.CONVERSION_RATE_PER_IP)
    check_rate("key", public_key, settings.CONVERSION_RATE_PER_KEY)
    data = _json_object(body)
    if data.get("kind") == ConversionKind.SALE and not row.script_sales:
        raise Refused(403, "This workspace records sales from its API and signed webhooks only.")
    fields = {name: data.get(name) for name in (
        "kind", "amount", "currency", "external_id", "click_id", "first_click_id", "customer_id",
    )}  # fmt: skip
    if not fields["external_id"] and fields["click_id"] and fields["kind"] == "lead":
        fields["external_id"] = f"lead:{fields['click_id']}"  # one lead per click
    try:
        checked = check_conversion(row.workspace_id, fields, ConversionSource.SCRIPT)
    except ValidationError as exc:
        raise _refused(exc) from None
    return do_record_conversion(checked)


def _json_object(body: bytes) -> dict[str, Any]:
    if len(body) > 16 * 1024:
        raise Refused(413, "The request is too large.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise Refused(400, "The body must be a JSON object.")
    return data


def _refused(exc: ValidationError) -> Refused:
    if hasattr(exc, "error_dict"):
        errors = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        return Refused(400, next(iter(errors.values()))[0], errors)
    return Refused(400, " ".join(exc.messages))


# --- signed webhooks --------------------------------------------------------------------------


def check_webhook_signature(
    secret: str, timestamp: str, header: str, body: bytes, now: float | None = None
) -> None:
    """The scheme of Outlier's own outgoing webhooks (outlier.networks.webhook.signature):
    `Outlier-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}." + raw body)>` and
    `Outlier-Timestamp: <Unix seconds>`, at most 5 minutes from our clock."""
    stamp = timestamp.strip()
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        raise Refused(400, "Send the Unix time of signing in Outlier-Timestamp.")
    if not verify_signature(secret, stamp, body, header, tolerance=float("inf")):
        raise Refused(401, "The signature does not match: check the secret and sign the raw body.")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > TOLERANCE:
        raise Refused(400, "The timestamp is more than 5 minutes away from now: sign it again.")


def do_receive_webhook(
    public_key: str, timestamp: str, header: str, body: bytes
) -> tuple[Conversion, bool]:
    """A conversion from a shop or a CRM, signed with the workspace's webhook secret. The body
    is a JSON object with `event_id` (each event is accepted once) and the conversion's fields.
    Nothing is stored unless all of it is valid."""
    row = access_public_key(public_key)
    secret = (row.webhook_secret or {}).get("secret", "")
    if not secret:
        raise Refused(404, "Webhooks are not set up for this workspace.")
    check_webhook_signature(secret, timestamp, header, body)
    data = _json_object(body)
    event_id = data.get("event_id")
    if not isinstance(event_id, str | int) or isinstance(event_id, bool) or not str(event_id):
        raise Refused(400, "Give the event's id in event_id.", {"event_id": ["Required."]})
    event_id = str(event_id)[:200]
    if seen := _event_seen(row.workspace_id, event_id):
        return seen
    try:
        checked = check_conversion(row.workspace_id, data, ConversionSource.WEBHOOK)
    except ValidationError as exc:
        raise _refused(exc) from None
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                workspace_id=row.workspace_id, event_id=event_id, received_at=timezone.now()
            )
            conversion, created = do_record_conversion(checked)
            event.conversion = conversion
            event.save(update_fields=["conversion"])
    except IntegrityError:  # the same event, received meanwhile
        if seen := _event_seen(row.workspace_id, event_id):
            return seen
        raise
    return conversion, created


def _event_seen(workspace_id: int, event_id: str) -> tuple[Conversion, bool] | None:
    """A repeated event (a shop retries when it missed the answer) gets the first answer
    again, and changes nothing."""
    event = (
        WebhookEvent.objects.filter(workspace_id=workspace_id, event_id=event_id)
        .select_related("conversion").first()
    )  # fmt: skip
    if event is None or event.conversion is None:
        return None
    return event.conversion, False


def prune_webhook_events(now: datetime | None = None) -> int:
    """Forget event ids older than a day: their timestamps are refused anyway (a worker sweep)."""
    now = now or timezone.now()
    old = WebhookEvent.objects.filter(received_at__lt=now - timedelta(days=1))
    if not old.exists():  # a read first: the sweep runs every few seconds
        return 0
    deleted, _ = old.delete()
    return deleted
