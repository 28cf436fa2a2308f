"""Rate limit on login attempts, per account and per client address, in the shared cache."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str) -> list[str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:email:{digest}", f"login-fail:ip:{ip}"]


def is_locked(email: str, ip: str) -> bool:
    limit = settings.LOGIN_MAX_FAILURES
    # The address gets more room than one account: several people may share it.
    counts = cache.get_many(_keys(email, ip))
    email_key, ip_key = _keys(email, ip)
    return counts.get(email_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 4


def record_failure(email: str, ip: str) -> None:
    for key in _keys(email, ip):
        if cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def reset(email: str) -> None:
    cache.delete(_keys(email, "")[0])
