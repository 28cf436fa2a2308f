"""Unique visitors without addresses: a keyed hash of IP address and user agent per day.

As Plausible does (with SipHash there): `visitor = BLAKE2b(address + user agent)` keyed
with the salt of the day (BLAKE2's keyed mode is a MAC, as HMAC is, in one C call: 1 µs per
click against HMAC-SHA256's 2.4–3.9 µs), 16 bytes as 32 hex characters. The salt is 32
random bytes made the first time a day's click is written, stored in `VisitorSalt`, and
deleted the day after next (by the click writer and by the worker's sweep), so hashes count
unique visitors within a day and cannot be traced back to an address afterwards, nor linked
across days. The address itself is never stored: it lives in the click buffer in memory
until the batch is written (see `outlier.links.clicks`).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from outlier.links.models import VisitorSalt

_salts: dict[date, bytes] = {}
_lock = threading.Lock()


def client_address(environ: Mapping[str, object]) -> str:
    """The visitor's address as `outlier.core.client_ip` reads it, from a WSGI environ."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = str(environ.get("HTTP_X_FORWARDED_FOR") or "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return str(environ.get("REMOTE_ADDR") or "")


def salt_for(day: date) -> bytes:
    """The day's salt, made (and the old ones dropped) the first time it is asked for."""
    known = _salts.get(day)
    if known is not None:
        return known
    row = VisitorSalt.objects.filter(day=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = VisitorSalt.objects.create(day=day, salt=secrets.token_hex(32))
        except IntegrityError:  # another process made it first
            row = VisitorSalt.objects.get(day=day)
        sweep_salts(day)
    salt = bytes.fromhex(row.salt)
    with _lock:
        for old in [d for d in _salts if d < day - timedelta(days=1)]:
            del _salts[old]
        _salts[day] = salt
    return salt


def sweep_salts(today: date | None = None) -> int:
    """Delete the salts of the days before yesterday (a worker sweep, and on a new day)."""
    today = today or datetime.now(UTC).date()
    deleted, _ = VisitorSalt.objects.filter(day__lt=today - timedelta(days=1)).delete()
    return deleted


def visitor_hash(salt: bytes, address: str, agent: str) -> str:
    message = f"{address}\0{agent}".encode("utf-8", "surrogateescape")
    return hashlib.blake2b(message, key=salt, digest_size=16).hexdigest()


def forget_cached_salts() -> None:
    """For tests: the next lookup reads the database again."""
    with _lock:
        _salts.clear()
