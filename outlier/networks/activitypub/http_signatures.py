"""HTTP signatures, the way the fediverse authenticates server-to-server requests.

Outgoing requests are signed with draft-cavage-http-signatures-12 (`rsa-sha256` over
`(request-target) host date digest content-type`), which every ActivityPub server reads.

Incoming requests are checked in two steps, so that the cheap checks come before any key is
fetched:

1. `parse_signature` reads either scheme — draft-cavage (`Signature: keyId=…`) or RFC 9421
   (`Signature-Input` + `Signature`, `rsa-v1_5-sha256` or `ed25519`) — and refuses a request
   whose signature does not cover the method, target, host and (when there is a body) the
   digest, whose Date / `created` is outside the window (`MAX_PAST`, `MAX_FUTURE`) or that has
   expired, and whose Digest / Content-Digest does not match the body. It returns what was
   signed and by which key id.
2. `verify_signature` checks the signature against the key's public PEM (RSA or Ed25519).

Both raise `SignatureError`; the caller answers 401, which also makes a peer that signs with
RFC 9421 first but could fall back (Fedify's "double knock") retry with draft-cavage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from outlier.networks.activitypub.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    parse_dictionary,
    serialize_inner_list,
)

__all__ = [
    "CAVAGE",
    "MAX_FUTURE",
    "MAX_PAST",
    "RFC9421",
    "SignatureError",
    "SignedMessage",
    "authority",
    "digest_header",
    "generate_key_pair",
    "parse_signature",
    "sign_request",
    "verify_signature",
]

CAVAGE = "draft-cavage-http-signatures-12"
RFC9421 = "rfc9421"
MAX_PAST = timedelta(hours=1)
MAX_FUTURE = timedelta(minutes=5)

_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
_CAVAGE_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([0-9.]+))\s*(?:,|$)')
_CAVAGE_ALGORITHMS = {"rsa-sha256", "hs2019", "ed25519"}
_RFC9421_ALGORITHMS = {"rsa-v1_5-sha256", "ed25519"}


class SignatureError(Exception):
    """The request's signature is missing, malformed, stale, or does not verify."""


@dataclass(frozen=True)
class SignedMessage:
    """A parsed signature: which key claims to have signed which bytes."""

    scheme: str  # CAVAGE or RFC9421
    key_id: str
    algorithm: str  # as declared ("" when not declared)
    message: bytes  # the signing string / signature base
    signature: bytes
    covered: tuple[str, ...]


# -- keys ---------------------------------------------------------------------------------------


def generate_key_pair(bits: int = 2048) -> tuple[str, str]:
    """A new RSA key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@lru_cache(maxsize=64)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("Only RSA keys sign outgoing requests.")
    return key


@lru_cache(maxsize=512)
def _public_key(pem: str) -> rsa.RSAPublicKey | ed25519.Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise SignatureError("The signing key is not a valid public key.") from exc
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise SignatureError("The signing key is neither RSA nor Ed25519.")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 1024:
        raise SignatureError("The signing RSA key is too short.")
    return key


# -- shared helpers -----------------------------------------------------------------------------


def authority(url: str) -> str:
    """host[:port] of `url` as sent in the Host header: lowercased, default port left out."""
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme.lower() == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _path_and_query(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path or "/", parts.query


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def _b64decode(value: str) -> bytes:
    value = value.strip()
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("The signature is not valid base64.") from exc


def _check_time(when: datetime, now: datetime, what: str) -> None:
    if when < now - MAX_PAST:
        raise SignatureError(f"The request's {what} is too old ({when.isoformat()}).")
    if when > now + MAX_FUTURE:
        raise SignatureError(f"The request's {what} is in the future ({when.isoformat()}).")


def _check_date_header(headers: Mapping[str, str], now: datetime) -> None:
    raw = headers.get("date")
    if raw is None:
        raise SignatureError("The request has no Date header.")
    try:
        date = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError) as exc:
        raise SignatureError("The request's Date header is not a valid date.") from exc
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    _check_time(date, now, "Date")


def _epoch(value: object, what: str) -> datetime:
    try:
        number = int(str(value))
        return datetime.fromtimestamp(number, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureError(f"The signature's {what} is not a valid time.") from exc


def _check_digest(headers: Mapping[str, str], body: bytes) -> None:
    """Digest: SHA-256=<b64>[, SHA-512=<b64>]; every known algorithm must match."""
    raw = headers.get("digest")
    if raw is None:
        raise SignatureError("The request has a body but no Digest header.")
    matched = False
    for member in raw.split(","):
        name, _, value = member.strip().partition("=")
        algorithm = _DIGESTS.get(name.strip().lower())
        if algorithm is None:
            continue
        if not hmac.compare_digest(_b64decode(value), algorithm(body).digest()):
            raise SignatureError("The Digest header does not match the body.")
        matched = True
    if not matched:
        raise SignatureError("The Digest header has no SHA-256 or SHA-512 digest.")


def _check_content_digest(headers: Mapping[str, str], body: bytes) -> None:
    """Content-Digest (RFC 9530): sha-256=:<b64>:; every known algorithm must match."""
    raw = headers.get("content-digest")
    if raw is None:
        raise SignatureError("The request has a body but no Content-Digest header.")
    try:
        members = parse_dictionary(raw)
    except StructuredFieldError as exc:
        raise SignatureError(f"The Content-Digest header is malformed: {exc}") from exc
    matched = False
    for name, member in members.items():
        algorithm = _DIGESTS.get(name)
        if algorithm is None:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise SignatureError("The Content-Digest header is malformed.")
        if not hmac.compare_digest(member.value, algorithm(body).digest()):
            raise SignatureError("The Content-Digest header does not match the body.")
        matched = True
    if not matched:
        raise SignatureError("The Content-Digest header has no sha-256 or sha-512 digest.")


# -- signing ------------------------------------------------------------------------------------


def sign_request(
    method: str,
    url: str,
    body: bytes | None,
    *,
    key_id: str,
    private_key_pem: str,
    content_type: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign this request (draft-cavage, rsa-sha256): Host, Date, Signature,
    and Digest and Content-Type when there is a body. Send them exactly as returned."""
    now = now or datetime.now(UTC)
    path, query = _path_and_query(url)
    headers = {"Host": authority(url), "Date": format_datetime(now.astimezone(UTC), usegmt=True)}
    lines = [
        f"(request-target): {method.lower()} {path}{'?' + query if query else ''}",
        f"host: {headers['Host']}",
        f"date: {headers['Date']}",
    ]
    names = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = digest_header(body)
        lines.append(f"digest: {headers['Digest']}")
        names.append("digest")
    if content_type is not None:
        headers["Content-Type"] = content_type
        lines.append(f"content-type: {content_type}")
        names.append("content-type")
    signature = _private_key(private_key_pem).sign(
        "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


# -- parsing incoming signatures ----------------------------------------------------------------


def parse_signature(
    method: str,
    target_uri: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime | None = None,
) -> SignedMessage:
    """Read and pre-check the signature of an incoming request (see the module docstring).

    `target_uri` is the absolute URI the request was sent to (our public origin + path).
    """
    now = now or datetime.now(UTC)
    lowered = {name.lower(): value for name, value in headers.items()}
    if "signature-input" in lowered:
        return _parse_rfc9421(method, target_uri, lowered, body, now)
    raw = lowered.get("signature")
    if raw is None:
        authorization = lowered.get("authorization", "")
        if authorization[:10].lower() == "signature ":
            raw = authorization[10:]
    if raw is None:
        raise SignatureError("The request is not signed.")
    return _parse_cavage(method, target_uri, lowered, body, raw, now)


def _parse_cavage(
    method: str,
    target_uri: str,
    headers: Mapping[str, str],
    body: bytes,
    raw: str,
    now: datetime,
) -> SignedMessage:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        found = _CAVAGE_PARAM.match(raw, pos)
        if found is None:
            raise SignatureError("The Signature header is malformed.")
        params[found.group(1)] = found.group(2) if found.group(2) is not None else found.group(3)
        pos = found.end()
    key_id = params.get("keyId", "")
    signature = params.get("signature", "")
    if not key_id or not signature:
        raise SignatureError("The Signature header lacks keyId or signature.")
    algorithm = params.get("algorithm", "").lower()
    if algorithm and algorithm not in _CAVAGE_ALGORITHMS:
        raise SignatureError(f"Unsupported signature algorithm {algorithm!r}.")
    covered = tuple(params.get("headers", "date").lower().split())
    if len(set(covered)) != len(covered):
        raise SignatureError("The signature lists a header twice.")
    if "(request-target)" not in covered or "host" not in covered:
        raise SignatureError("The signature must cover (request-target) and host.")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("The signature must cover date or (created).")
    has_body = bool(body) or method.upper() not in ("GET", "HEAD")
    if has_body and "digest" not in covered:
        raise SignatureError("The signature must cover the digest of the body.")

    if "date" in covered or "date" in headers:
        _check_date_header(headers, now)
    if "(created)" in covered:
        _check_time(_epoch(params.get("created"), "created"), now, "signature time")
    if "expires" in params and _epoch(params["expires"], "expires") < now:
        raise SignatureError("The signature has expired.")
    if has_body:
        _check_digest(headers, body)

    path, query = _path_and_query(target_uri)
    lines = []
    for name in covered:
        if name == "(request-target)":
            value = f"{method.lower()} {path}{'?' + query if query else ''}"
        elif name in ("(created)", "(expires)"):
            value = params.get(name[1:-1], "")
            if not value:
                raise SignatureError(f"The signature covers {name} but does not carry it.")
        else:
            header = headers.get(name)
            if header is None:
                raise SignatureError(f"The signed header {name!r} is missing.")
            value = header.strip()
        lines.append(f"{name}: {value}")
    return SignedMessage(
        scheme=CAVAGE,
        key_id=key_id,
        algorithm=algorithm,
        message="\n".join(lines).encode(),
        signature=_b64decode(signature),
        covered=covered,
    )


def _derived(name: str, method: str, target_uri: str) -> str | None:
    parts = urlsplit(target_uri)
    path = parts.path or "/"
    if name == "@method":
        return method.upper()
    if name == "@target-uri":
        return target_uri
    if name == "@authority":
        return authority(target_uri)
    if name == "@scheme":
        return parts.scheme.lower()
    if name == "@path":
        return path
    if name == "@query":
        return "?" + parts.query
    if name == "@request-target":
        return path + ("?" + parts.query if parts.query else "")
    return None


def _parse_rfc9421(
    method: str,
    target_uri: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> SignedMessage:
    try:
        inputs = parse_dictionary(headers["signature-input"])
        signatures = parse_dictionary(headers.get("signature", ""))
    except StructuredFieldError as exc:
        raise SignatureError(
            f"The Signature-Input or Signature header is malformed: {exc}"
        ) from exc
    label, inner = next(
        (
            (label, inner)
            for label, inner in inputs.items()
            if isinstance(inner, InnerList)
            and isinstance(signatures.get(label), Item)
            and str(inner.params.get("alg", "rsa-v1_5-sha256")) in _RFC9421_ALGORITHMS
        ),
        (None, None),
    )
    if label is None or inner is None:
        raise SignatureError("No signature with a supported algorithm was found.")
    signature_item = signatures[label]
    assert isinstance(signature_item, Item)
    if not isinstance(signature_item.value, bytes) or not signature_item.value:
        raise SignatureError("The Signature header does not carry a byte sequence.")
    key_id = inner.params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("The signature has no keyid.")
    if "created" not in inner.params:
        raise SignatureError("The signature has no created time.")
    _check_time(_epoch(inner.params["created"], "created"), now, "signature time")
    if "expires" in inner.params and _epoch(inner.params["expires"], "expires") < now:
        raise SignatureError("The signature has expired.")

    names: list[str] = []
    for component in inner.items:
        if not isinstance(component.value, str) or component.params:
            raise SignatureError("Unsupported covered component in the signature.")
        if component.value != component.value.lower() or component.value in names:
            raise SignatureError("Invalid covered component in the signature.")
        names.append(component.value)
    covered = set(names)
    if "@method" not in covered:
        raise SignatureError("The signature must cover @method.")
    target = "@target-uri" in covered or (
        bool(covered & {"@path", "@request-target"}) and bool(covered & {"@authority", "host"})
    )
    if not target:
        raise SignatureError("The signature must cover the target URI.")
    has_body = bool(body) or method.upper() not in ("GET", "HEAD")
    if has_body and "content-digest" not in covered:
        raise SignatureError("The signature must cover the Content-Digest of the body.")
    if "date" in headers:
        _check_date_header(headers, now)
    if has_body:
        _check_content_digest(headers, body)

    lines = []
    for name in names:
        value = _derived(name, method, target_uri)
        if value is None:
            if name.startswith("@"):
                raise SignatureError(f"Unsupported derived component {name!r}.")
            header = headers.get(name)
            if header is None:
                raise SignatureError(f"The signed header {name!r} is missing.")
            value = header.strip()
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {serialize_inner_list(inner)}')
    return SignedMessage(
        scheme=RFC9421,
        key_id=key_id,
        algorithm=str(inner.params.get("alg", "")),
        message="\n".join(lines).encode(),
        signature=signature_item.value,
        covered=tuple(names),
    )


# -- verifying ----------------------------------------------------------------------------------


def verify_signature(signed: SignedMessage, public_key_pem: str) -> None:
    """Raise `SignatureError` unless `signed` was signed by the key `public_key_pem`."""
    key = _public_key(public_key_pem)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if signed.algorithm in ("ed25519",):
                raise SignatureError("The signature's algorithm does not match the RSA key.")
            key.verify(signed.signature, signed.message, padding.PKCS1v15(), hashes.SHA256())
        else:
            if signed.algorithm in ("rsa-sha256", "rsa-v1_5-sha256"):
                raise SignatureError("The signature's algorithm does not match the Ed25519 key.")
            key.verify(signed.signature, signed.message)
    except InvalidSignature as exc:
        raise SignatureError("The signature does not verify with the actor's key.") from exc
