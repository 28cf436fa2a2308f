"""Which addresses a tracked link may send people to: absolute http(s) web addresses only.

`check_target` runs when a link is made (it also turns an IRI into plain ASCII: the host in
IDNA, the rest percent-encoded) and `redirect_target` runs again before every redirect
answered from a row, so that a row changed behind Outlier's back (a restore, a hand edit)
never becomes a `javascript:` link or a header injection. Refused, each with its reason:

- any scheme but http and https (`javascript:`, `data:`, `vbscript:`, `file:`, `ftp:`, …);
- scheme-relative and malformed forms (`//evil.example`, `https:/evil`, `https:evil`);
- user information before the host (`https://good.example@evil.example`), which shows
  one site and opens another;
- backslashes anywhere (browsers read `https:\\\\evil` and `\\@` as slashes);
- whitespace and control characters anywhere (they hide schemes and split headers);
- hosts that are not names or IP addresses, ports out of range, and addresses longer
  than the column (2,000 characters);
- Outlier's own `/l/` addresses (a link to a link loops).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.encoding import iri_to_uri

MAX_LENGTH = 2000
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_ASCII_VISIBLE = re.compile(r"^[\x21-\x7e]+$")


def _refuse(message: str) -> ValidationError:
    return ValidationError({"target": message})


def _check_host(host: str) -> str:
    """The host in lower case (IDNA for names); refuses what is neither a name nor an IP."""
    if host.startswith("["):
        if not host.endswith("]"):
            raise _refuse("The address has a malformed IPv6 host.")
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError as exc:
            raise _refuse("The address has a malformed IPv6 host.") from exc
        return host.lower()
    if not host:
        raise _refuse("The address has no host name.")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise _refuse("The address's host name is not a valid domain name.") from exc
    labels = ascii_host.rstrip(".").split(".")
    if not all(_HOST_LABEL.match(label) for label in labels):
        raise _refuse("The address's host name is not a valid domain name.")
    return ascii_host


def check_target(raw: str) -> str:
    """The target in the form it is stored and redirected to; ValidationError with a clear
    message when it is not an absolute http(s) address a visitor can safely be sent to."""
    if not isinstance(raw, str) or not raw:
        raise _refuse("Give the address to send visitors to.")
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in raw):
        raise _refuse("The address contains spaces or control characters.")
    if "\\" in raw:
        raise _refuse("The address contains a backslash.")
    if raw.startswith("//"):
        raise _refuse("The address must start with http:// or https:// (not //).")
    scheme = _SCHEME.match(raw)
    if scheme is None:
        raise _refuse("The address must start with http:// or https://.")
    if scheme.group(1).lower() not in {"http", "https"}:
        raise _refuse(f"Only http and https addresses can be tracked, not {scheme.group(1)}:.")
    if raw[scheme.end() : scheme.end() + 2] != "//":
        raise _refuse("The address must start with http:// or https://.")
    if len(raw) > MAX_LENGTH:
        raise _refuse(f"The address is longer than {MAX_LENGTH} characters.")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise _refuse("The address is malformed (its host or port cannot be read).") from exc
    if "@" in parts.netloc:
        raise _refuse("The address has a user name before its host (user@host), which hides "
                      "where it leads.")  # fmt: skip
    if port is not None and not 0 < port < 65536:
        raise _refuse("The address's port is out of range.")
    host_part = parts.netloc.rsplit(":", 1)[0] if parts.port is not None else parts.netloc
    if parts.netloc.endswith(":"):
        host_part = parts.netloc[:-1]
    host = _check_host(host_part)
    netloc = host if port is None else f"{host}:{port}"
    rest = raw[len(f"{scheme.group(1)}://{parts.netloc}") :]
    target = f"{parts.scheme.lower()}://{netloc}{iri_to_uri(rest)}"
    if not _ASCII_VISIBLE.match(target) or len(target) > MAX_LENGTH:
        raise _refuse(f"The address is longer than {MAX_LENGTH} characters once encoded.")
    if _is_own_redirect(host, port, target):
        raise _refuse("The address is itself a tracked link of this Outlier.")
    return target


def _is_own_redirect(host: str, port: int | None, target: str) -> bool:
    base = urlsplit(settings.BASE_URL)
    if (base.hostname or "").lower() != host or base.port != port:
        return False
    path = urlsplit(target).path
    prefix = base.path.rstrip("/") + "/l/"
    return path.startswith(prefix)


def redirect_target(stored: str) -> str | None:
    """The stored target when it may be redirected to as it is, else None.

    Stricter than needed on purpose: a row that `check_target` would not have produced
    unchanged (not ASCII, not normalised) is not followed.
    """
    try:
        return stored if check_target(stored) == stored else None
    except ValidationError:
        return None
