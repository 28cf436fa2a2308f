"""A did:web front for the local AppView, as a production AppView presents itself.

api.bsky.app's DID is did:web:api.bsky.app and it serves its DID document at
/.well-known/did.json; that is where Outlier learns which DID to ask the PDS to sign a
notifications token for. The AppView of @atproto/dev-env has a did:plc instead and serves no
DID document. This front, on 127.0.0.1, answers /.well-known/did.json with the local AppView's
DID (the network prints it when it is ready) and passes every other request to the AppView as it is,
so the channel talks to the real AppView through an address that says who it is.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.peers.bluesky import Network

_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
                "content-encoding"}  # fmt: skip


def appview_did(network: Network) -> str:
    """The local AppView's DID, as the network printed it when it was ready."""
    for line in network.process.output().splitlines():
        if line.startswith("{") and '"appview_did"' in line:
            return str(json.loads(line)["appview_did"])
    raise RuntimeError("The local Bluesky network did not say its AppView's DID")


class Front:
    def __init__(self, network: Network) -> None:
        self.did = appview_did(network)
        self.target = network.appview_url
        self.requests: list[str] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                front.requests.append(self.path)
                if self.path == "/.well-known/did.json":
                    body = json.dumps({"id": front.did}).encode()
                    self._answer(200, {"content-type": "application/json"}, body)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
                answer = httpx.get(front.target + self.path, headers=headers, timeout=30,
                                   trust_env=False)  # fmt: skip
                kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_HEADERS}
                self._answer(answer.status_code, kept, answer.content)

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
