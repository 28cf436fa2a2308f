"""The two links a subscriber gets: the confirmation link and the unsubscribe link.

- Confirmation: `<id>.<random>:<timestamp>:<signature>`, signed with the secret key (a forged
  one fails the signature), dated (expired after `CONFIRM_DAYS`), and single-use: the row keeps
  only the SHA-256 of the random part, cleared once used, so a used or replaced link matches
  nothing.
- Unsubscribe: `<id>.<HMAC of id and the row's nonce>`, valid as long as the row exists, so
  that every digest ever sent keeps a working `List-Unsubscribe`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import salted_hmac

from outlier.digests.models import Subscription

CONFIRM_DAYS = 7
_CONFIRM_SALT = "outlier.digests.confirm"
_UNSUBSCRIBE_SALT = "outlier.digests.unsubscribe"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_confirmation(subscription_id: int) -> tuple[str, str]:
    """A fresh confirmation token for the link, and the hash the row keeps."""
    raw = secrets.token_urlsafe(24)
    signed = signing.TimestampSigner(salt=_CONFIRM_SALT).sign(f"{subscription_id}.{raw}")
    return signed, token_hash(raw)


class BadToken(Exception):
    """A link that is forged, malformed, expired or used: `status` and a sentence to show."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Confirmation:
    subscription_id: int
    hash: str


def read_confirmation(token: str) -> Confirmation:
    """What a confirmation token names, or BadToken (404 forged, 410 expired)."""
    signer = signing.TimestampSigner(salt=_CONFIRM_SALT)
    try:
        value = signer.unsign(token, max_age=CONFIRM_DAYS * 24 * 3600)
    except signing.SignatureExpired as exc:
        raise BadToken("This confirmation link has expired: subscribe again on the topic's "
                       "page to get a new one.", 410) from exc  # fmt: skip
    except signing.BadSignature as exc:
        raise BadToken("This is not a valid confirmation link: copy the whole link from the "
                       "e-mail, or subscribe again.", 404) from exc  # fmt: skip
    pk, _, raw = value.partition(".")
    if not pk.isdigit() or not raw:
        raise BadToken("This is not a valid confirmation link.", 404)
    return Confirmation(int(pk), token_hash(raw))


def unsubscribe_token(subscription: Subscription) -> str:
    mac = salted_hmac(_UNSUBSCRIBE_SALT, f"{subscription.pk}.{subscription.unsubscribe_nonce}",
                      algorithm="sha256").hexdigest()[:40]  # fmt: skip
    return f"{subscription.pk}.{mac}"


def read_unsubscribe(token: str) -> Subscription:
    """The subscription an unsubscribe token names, or BadToken (404)."""
    pk, _, mac = token.partition(".")
    found = Subscription.objects.select_related("topic").filter(pk=int(pk)).first() if (
        pk.isdigit() and len(pk) < 19) else None  # fmt: skip
    if found is None or not hmac.compare_digest(unsubscribe_token(found), token):
        raise BadToken("This unsubscribe link matches no subscription: it may have been "
                       "removed already, or the link was cut. Nothing was changed.", 404)  # fmt: skip
    return found
