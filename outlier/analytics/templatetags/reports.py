"""Filters for report figures: money, ROI ("—" without a cost), changes and rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from outlier.analytics.currencies import DECIMALS

register = template.Library()
DASH = "—"


@register.filter
def money(value: Any, currency: str = "") -> str:
    if value is None or value == "":
        return DASH
    places = DECIMALS.get(currency, 2)
    amount = Decimal(value).quantize(Decimal(1).scaleb(-places))
    text = f"{amount:,.{places}f}"
    return f"{text} {currency}".strip()


@register.filter
def roi(value: Any) -> str:
    """A ratio as a signed percentage; None (no cost) as a dash."""
    if value is None or value == "":
        return DASH
    return f"{Decimal(value) * 100:+,.1f}%"


@register.filter
def change(value: Any) -> str:
    if value is None:
        return DASH
    return f"{float(value) * 100:+.0f}%"


@register.filter
def rate(value: Any) -> str:
    if value is None:
        return DASH
    return f"{float(value) * 100:.1f}%"


@register.filter
def number(value: Any) -> str:
    if value is None or value == "":
        return DASH
    return f"{value:,}"
