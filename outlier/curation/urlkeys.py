"""URL checks and the normalised form used to find the same article twice."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError

TRACKING_PARAMS = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid"}
MAX_URL_LENGTH = 2000


def check_http_url(raw: str, field: str = "url") -> str:
    """A trimmed absolute http(s) URL, or a ValidationError saying what is wrong."""
    url = (raw or "").strip()
    if not url:
        raise ValidationError({field: "Enter the address of the article."})
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError({field: f"The address is longer than {MAX_URL_LENGTH} characters."})
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationError({field: "The address must not contain spaces."})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError({field: f"This is not a valid address: {exc}."}) from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError({field: "Only http:// and https:// addresses can be scooped."})
    if not parts.hostname:
        raise ValidationError({field: "The address has no host name."})
    if parts.username or parts.password:
        raise ValidationError({field: "Addresses with a user name or password are not accepted."})
    del port
    return url


def url_key(url: str) -> str:
    """The same article under small spelling differences gets the same key.

    Scheme, host case, default ports, fragments, ``www.`` and tracking parameters
    (utm_* and click ids) do not count; the order of the other parameters does not either.
    """
    if not url:
        return ""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    scheme = parts.scheme.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit(("", host, path, urlencode(query), ""))[:MAX_URL_LENGTH]
