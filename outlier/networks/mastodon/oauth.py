"""Connecting a Mastodon account with OAuth 2 (authorization code, with PKCE).

1. `register_app`: POST /api/v1/apps on the instance, with Outlier's callback as the only
   redirect URI and the scopes "read write". Each connection registers its own app: the
   instance may be any server, Outlier keeps no table of apps, and the pair is stored with the
   channel's token (encrypted) so that the token can be revoked later.
2. `authorize_url`: where to send the person, /oauth/authorize on the instance, with a `state`
   the caller binds to the person's session and a PKCE challenge (Mastodon 4.3 and later check
   it; older servers ignore it, and `state` still protects the exchange).
3. `exchange_code`: POST /oauth/token with the code from the callback; the access token.

These three requests go straight through `safe_http` (they are plain form posts); everything
after uses the adapter, i.e. Mastodon.py over the same safe client. Failures raise
`ConnectFailed` with a sentence for the person connecting.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings

from outlier.core.safe_http import FetchError, Response, fetch
from outlier.networks.http_outcomes import snippet

__all__ = [
    "SCOPES",
    "App",
    "ConnectFailed",
    "authorize_url",
    "exchange_code",
    "normalise_instance_url",
    "pkce_pair",
    "register_app",
]

SCOPES = "read write"
CLIENT_NAME = "Outlier"
DEADLINE = 20.0
MAX_ANSWER_BYTES = 256 * 1024


class ConnectFailed(Exception):
    """Connecting did not work; `str()` says why, for the person connecting."""


@dataclass(frozen=True)
class App:
    client_id: str
    client_secret: str


def normalise_instance_url(value: str) -> str:
    """ "mastodon.social", "https://mastodon.social/@alice" → "https://mastodon.social".

    ValueError with a readable message when it cannot be an instance's address.
    """
    text = (value or "").strip()
    if not text:
        raise ValueError("Enter the address of the Mastodon server, e.g. mastodon.social.")
    if text.startswith("@") and text.count("@") == 2:  # @alice@example.social
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("This is not a valid server address.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or (scheme == "http" and not _local(parts.hostname)):
        raise ValueError("The server address must start with https://.")
    if "@" in parts.netloc:
        raise ValueError("Put no user name or password in the server address.")
    if not parts.hostname or port == 0:
        raise ValueError("The server address has no valid host name.")
    return urlunsplit((scheme, parts.netloc.lower(), "", "", ""))


def _local(host: str | None) -> bool:
    """Plain http only for an address the operator allowed (OUTLIER_ALLOWED_PRIVATE_NETWORKS:
    a test server, an intranet): tokens and secrets must not cross the internet in clear."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return any(address in network for network in settings.ALLOWED_PRIVATE_NETWORKS)


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _post(url: str, form: dict[str, str], what: str) -> tuple[Response, Any]:
    host = urlsplit(url).netloc
    try:
        response = fetch(
            url,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode(form).encode("ascii"),
            deadline=DEADLINE,
            max_bytes=MAX_ANSWER_BYTES,
            accept="application/json",
        )
    except FetchError as exc:
        raise ConnectFailed(f"Cannot reach the Mastodon server {host}: {exc}.") from exc
    if response.url != url:
        raise ConnectFailed(
            f"The Mastodon server {host} redirected {what} to {response.url}: enter that "
            "server's address instead."
        )
    try:
        answer = json.loads(response.body) if response.body.strip() else None
    except (ValueError, RecursionError):
        answer = None
    return response, answer


def _said(answer: Any, response: Response) -> str:
    if isinstance(answer, dict):
        for key in ("error_description", "error"):
            value = answer.get(key)
            if isinstance(value, str) and value.strip():
                return snippet(value.encode("utf-8"))
    return f"{response.status} " + snippet(response.body, 120)


def register_app(instance_url: str, redirect_uri: str, website: str = "") -> App:
    """Register Outlier on the instance; its client id and secret."""
    form = {"client_name": CLIENT_NAME, "redirect_uris": redirect_uri, "scopes": SCOPES}
    if website:
        form["website"] = website
    response, answer = _post(f"{instance_url}/api/v1/apps", form, "the registration")
    host = urlsplit(instance_url).netloc
    if response.status == 429:
        raise ConnectFailed(f"{host} is refusing new connections for now; try again later.")
    if not response.ok:
        raise ConnectFailed(f"{host} refused to register Outlier: {_said(answer, response)}.")
    client_id = answer.get("client_id") if isinstance(answer, dict) else None
    client_secret = answer.get("client_secret") if isinstance(answer, dict) else None
    if not (isinstance(client_id, str) and client_id and isinstance(client_secret, str)):
        raise ConnectFailed(
            f"{host} did not answer like a Mastodon server (no client id in its answer)."
        )
    return App(client_id=client_id, client_secret=client_secret)


def authorize_url(
    instance_url: str, app: App, redirect_uri: str, state: str, code_challenge: str
) -> str:
    """The instance's consent page for this app, coming back to `redirect_uri` with `state`."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{instance_url}/oauth/authorize?{query}"


def exchange_code(
    instance_url: str, app: App, redirect_uri: str, code: str, code_verifier: str
) -> str:
    """The access token the authorization `code` stands for."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "scope": SCOPES,
    }
    response, answer = _post(f"{instance_url}/oauth/token", form, "the sign-in")
    host = urlsplit(instance_url).netloc
    if response.status in (400, 401):
        error = answer.get("error") if isinstance(answer, dict) else None
        if error == "invalid_grant":
            raise ConnectFailed(
                f"{host} did not accept the authorization (it expired or was already used). "
                "Connect again."
            )
        raise ConnectFailed(f"{host} refused the authorization: {_said(answer, response)}.")
    if not response.ok:
        raise ConnectFailed(
            f"{host} could not complete the sign-in ({_said(answer, response)}); try again."
        )
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise ConnectFailed(f"{host} did not answer with an access token.")
    granted = answer.get("scope") if isinstance(answer, dict) else None
    if isinstance(granted, str) and not set(SCOPES.split()) <= set(granted.split()):
        raise ConnectFailed(
            f"{host} granted only “{granted}”; Outlier needs “{SCOPES}” to post and read replies."
        )
    return token.strip()
