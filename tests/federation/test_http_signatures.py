"""The signature code on its own: what Outlier signs verifies, and every way a request can be
wrong is refused — draft-cavage and RFC 9421 alike."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from outlier.networks.activitypub.http_signatures import (
    RFC9421,
    SignatureError,
    generate_key_pair,
    parse_signature,
    sign_request,
    verify_signature,
)

URL = "https://outlier.example/ap/topics/1/inbox"
BODY = b'{"type":"Follow"}'
KEY_ID = "https://peer.example/users/alice#main-key"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_key_pair()


def _signed(keys: tuple[str, str], **overrides: object) -> dict[str, str]:
    return sign_request("POST", URL, BODY, key_id=KEY_ID, private_key_pem=keys[0],
                        content_type="application/activity+json", **overrides)  # type: ignore[arg-type]  # fmt: skip


def test_round_trip(keys: tuple[str, str]) -> None:
    headers = _signed(keys)
    assert headers["Host"] == "outlier.example"
    assert (
        headers["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    )
    signed = parse_signature("POST", URL, headers, BODY)
    assert signed.key_id == KEY_ID
    assert signed.covered == ("(request-target)", "host", "date", "digest", "content-type")
    verify_signature(signed, keys[1])


def test_wrong_key_body_date_or_target(keys: tuple[str, str]) -> None:
    headers = _signed(keys)
    with pytest.raises(SignatureError):
        verify_signature(parse_signature("POST", URL, headers, BODY), generate_key_pair()[1])
    with pytest.raises(SignatureError, match="Digest"):
        parse_signature("POST", URL, headers, BODY + b" ")
    with pytest.raises(SignatureError):
        verify_signature(parse_signature("POST", URL + "x", headers, BODY), keys[1])
    old = _signed(keys, now=datetime.now(UTC) - timedelta(hours=1, minutes=1))
    with pytest.raises(SignatureError, match="too old"):
        parse_signature("POST", URL, old, BODY)
    fresh_enough = _signed(keys, now=datetime.now(UTC) - timedelta(minutes=59))
    parse_signature("POST", URL, fresh_enough, BODY)
    future = _signed(keys, now=datetime.now(UTC) + timedelta(minutes=6))
    with pytest.raises(SignatureError, match="future"):
        parse_signature("POST", URL, future, BODY)
    with pytest.raises(SignatureError, match="not signed"):
        parse_signature("POST", URL, {}, BODY)


def test_signature_must_cover_what_matters(keys: tuple[str, str]) -> None:
    headers = _signed(keys)
    headers["Signature"] = headers["Signature"].replace(
        'headers="(request-target) host date digest content-type"',
        'headers="(request-target) host date"',
    )
    with pytest.raises(SignatureError, match="digest"):
        parse_signature("POST", URL, headers, BODY)
    headers = _signed(keys)
    headers["Signature"] = headers["Signature"].replace(
        'algorithm="rsa-sha256"', 'algorithm="hmac-sha256"'
    )
    with pytest.raises(SignatureError, match="Unsupported"):
        parse_signature("POST", URL, headers, BODY)


def _rfc9421(
    private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    components: str,
    alg: str,
    created: int,
    body: bytes = BODY,
) -> dict[str, str]:
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    headers = {"Content-Digest": f"sha-256=:{digest}:", "Content-Type": "application/activity+json"}
    params = f'({components});alg="{alg}";keyid="{KEY_ID}";created={created}'
    values = {
        "@method": "POST", "@target-uri": URL, "@authority": "outlier.example", "@path": "/ap/topics/1/inbox",
        "content-digest": headers["Content-Digest"], "content-type": headers["Content-Type"],
    }  # fmt: skip
    lines = [f'"{name}": {values[name]}' for name in components.replace('"', "").split()]
    base = "\n".join([*lines, f'"@signature-params": {params}']).encode()
    if isinstance(private, rsa.RSAPrivateKey):
        signature = private.sign(base, padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = private.sign(base)
    headers["Signature-Input"] = f"sig1={params}"
    headers["Signature"] = f"sig1=:{base64.b64encode(signature).decode()}:"
    return headers


def _pem(private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_rfc9421_rsa_and_ed25519() -> None:
    now = int(datetime.now(UTC).timestamp())
    components = '"@method" "@authority" "@path" "content-digest" "content-type"'
    for private, alg in ((rsa.generate_private_key(public_exponent=65537, key_size=2048), "rsa-v1_5-sha256"),
                         (ed25519.Ed25519PrivateKey.generate(), "ed25519")):  # fmt: skip
        headers = _rfc9421(private, components, alg, now)
        signed = parse_signature("POST", URL, headers, BODY)
        assert signed.scheme == RFC9421
        verify_signature(signed, _pem(private))
        with pytest.raises(SignatureError):
            verify_signature(
                signed,
                generate_key_pair()[1]
                if alg == "ed25519"
                else _pem(ed25519.Ed25519PrivateKey.generate()),
            )


def test_rfc9421_refusals() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(datetime.now(UTC).timestamp())
    full = '"@method" "@target-uri" "content-digest"'
    with pytest.raises(SignatureError, match="too old"):
        parse_signature("POST", URL, _rfc9421(key, full, "rsa-v1_5-sha256", now - 7200), BODY)
    with pytest.raises(SignatureError, match="Content-Digest"):
        parse_signature(
            "POST", URL, _rfc9421(key, '"@method" "@target-uri"', "rsa-v1_5-sha256", now), BODY
        )
    with pytest.raises(SignatureError, match="target"):
        parse_signature(
            "POST", URL, _rfc9421(key, '"@method" "content-digest"', "rsa-v1_5-sha256", now), BODY
        )
    with pytest.raises(SignatureError, match="supported algorithm"):
        parse_signature("POST", URL, _rfc9421(key, full, "hmac-sha256", now), BODY)
    with pytest.raises(SignatureError, match="does not match"):
        parse_signature("POST", URL, _rfc9421(key, full, "rsa-v1_5-sha256", now), BODY + b"!")
    malformed = _rfc9421(key, full, "rsa-v1_5-sha256", now)
    malformed["Signature-Input"] = "sig1=(unterminated"
    with pytest.raises(SignatureError, match="malformed"):
        parse_signature("POST", URL, malformed, BODY)
    # Signed for another server: @target-uri differs.
    signed = parse_signature(
        "POST", "https://elsewhere.example/inbox", _rfc9421(key, full, "rsa-v1_5-sha256", now), BODY
    )
    with pytest.raises(SignatureError):
        verify_signature(signed, _pem(key))
