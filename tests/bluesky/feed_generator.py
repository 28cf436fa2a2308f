"""A Bluesky feed generator for the tests, on 127.0.0.1: the smallest real one.

A feed generator is a service with a DID whose document names it (`#bsky_fg`, type
BskyFeedGenerator, its URL); an account publishes an app.bsky.feed.generator record naming
that DID, and the AppView answers app.bsky.feed.getFeed for the record by asking the service
for app.bsky.feed.getFeedSkeleton (post URIs) and filling in the posts itself.

`FeedGenerator` registers a did:plc of its own in the local network's PLC directory (a
genesis operation signed with a fresh secp256k1 key, as the PLC spec has it) and serves the
skeleton of the URIs a test gives it, `page_size` at a time, with a cursor.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import libipld
from atproto_crypto.consts import SECP256K1_CURVE_ORDER
from atproto_crypto.did import format_did_key
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.peers.bluesky import Network


def plc_url(network: Network) -> str:
    """The network's PLC directory, as it printed it when it was ready."""
    for line in network.process.output().splitlines():
        if line.startswith("{") and '"plc"' in line:
            return str(json.loads(line)["plc"]).rstrip("/")
    raise RuntimeError("The local Bluesky network did not say where its PLC directory is")


def _sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    """A compact, low-S ECDSA signature (what atproto verifies), base64url without padding."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    if s > SECP256K1_CURVE_ORDER // 2:
        s = SECP256K1_CURVE_ORDER - s
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def register_did(plc: str, endpoint: str) -> str:
    """A new did:plc whose document names `endpoint` as a feed generator."""
    key = ec.generate_private_key(ec.SECP256K1())
    public = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)  # fmt: skip
    did_key = format_did_key("ES256K", public)
    operation: dict[str, Any] = {
        "type": "plc_operation",
        "rotationKeys": [did_key],
        "verificationMethods": {"atproto": did_key},
        "alsoKnownAs": [],
        "services": {"bsky_fg": {"type": "BskyFeedGenerator", "endpoint": endpoint}},
        "prev": None,
    }
    operation["sig"] = _sign(key, libipld.encode_dag_cbor(operation))
    digest = hashlib.sha256(libipld.encode_dag_cbor(operation)).digest()
    did = "did:plc:" + base64.b32encode(digest).decode().lower()[:24]
    answer = httpx.post(f"{plc}/{did}", json=operation, timeout=30, trust_env=False)
    if answer.status_code != 200:
        raise RuntimeError(f"PLC refused the feed generator's DID: {answer.status_code} "
                           f"{answer.text[:300]}")  # fmt: skip
    return did


class FeedGenerator:
    def __init__(self, network: Network, *, page_size: int = 50) -> None:
        self.uris: list[str] = []
        self.page_size = page_size
        self.asked: list[dict[str, list[str]]] = []
        generator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path != "/xrpc/app.bsky.feed.getFeedSkeleton":
                    self._send(404, {"error": "MethodNotImplemented"})
                    return
                query = parse_qs(parts.query)
                generator.asked.append(query)
                start = int((query.get("cursor") or ["0"])[0])
                end = start + generator.page_size
                body: dict[str, Any] = {"feed": [{"post": uri}
                                                 for uri in generator.uris[start:end]]}  # fmt: skip
                if end < len(generator.uris):
                    body["cursor"] = str(end)
                self._send(200, body)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)  # fmt: skip
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.did = register_did(plc_url(network), self.url)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
