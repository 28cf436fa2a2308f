"""A fake Mastodon server on 127.0.0.1: recorded answers in the shapes of Mastodon's API.

No Mastodon can run here, so the adapter is tested against a real local HTTP server that
answers with responses recorded from the API documentation (docs.joinmastodon.org: statuses,
media, notifications, instance v2, apps, oauth) and checks what Outlier sent: the bearer
token, the Idempotency-Key, the multipart upload and its description, the form fields. The
whole path runs: Mastodon.py → the safe requests transport → safe_http → a socket.

It keeps just enough state to behave like Mastodon where the adapter depends on it: statuses
it created (and the Idempotency-Keys that created them: a repeated key within the hour returns
the same status), media being processed (202, then 206 while processing, then 200; video and
audio are always processed in the background, like Mastodon's transcoding, and refused with
422 beyond `video_size_limit`, images beyond `image_size_limit`, any type the instance does not
list in `supported_mime_types`), the
notifications (filtered by `types[]`, paged by `min_id`), the apps registered and the codes
handed out by the consent page, and favourites and boosts (POST /api/v1/statuses/:id/favourite
and /reblog: idempotent as on Mastodon, a boost being a status of its own whose `reblog` is
the original; a private or direct status cannot be boosted, 403 "This action is not allowed").

People and listening: the account's followers and the accounts it follows (GET
/api/v1/accounts/:id/followers and /following, newest follow first, paged by max_id over
the follows' own ids with a Link header whenever a page is full, as Mastodon does), one
account by id or by `acct` (/api/v1/accounts/:id, /api/v1/accounts/lookup; a remote account by
a search with resolve=true), an account's own statuses (/api/v1/accounts/:id/statuses, without
boosts and replies when asked, paged like the lists), a hashtag's
timeline (/api/v1/timelines/tag/:tag, paged like the lists) and /api/v2/search (statuses whose
text holds the query, newest first, by max_id; accounts by their exact URI or URL).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import ipaddress
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "tok-9a8b7c6d5e4f3a2b1c0d"
ACCOUNT_ID = "109348751"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Seen:
    """One request the fake server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lowercased names
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def one(self, name: str) -> str:
        values = self.form.get(name) or self.query.get(name) or [""]
        return values[0]


@dataclass
class Canned:
    """An answer given instead of the recorded one, to the next matching request."""

    method: str
    path: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0
    close: bool = False


@dataclass
class FakeMastodon:
    base: str
    token: str = TOKEN
    revoked: bool = False
    app_name: str = "Outlier"
    seen: list[Seen] = field(default_factory=list)
    canned: list[Canned] = field(default_factory=list)
    instance: dict[str, Any] = field(default_factory=lambda: fixture("instance_v2.json"))
    account: dict[str, Any] = field(default_factory=lambda: fixture("account.json"))
    notifications: list[dict[str, Any]] = field(
        default_factory=lambda: fixture("notifications.json")
    )
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, str] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    processing_polls: int = 0  # GETs answered 206 before an upload is processed
    transcode_polls: int = 1  # at least this many for a video or audio file (always 202)
    media_failure: str = ""  # when set, processing ends in 422 with this error
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    followers: list[dict[str, Any]] = field(default_factory=lambda: fixture("followers.json"))
    following: list[dict[str, Any]] = field(default_factory=lambda: fixture("following.json"))
    tagged: list[dict[str, Any]] = field(default_factory=lambda: fixture("tag_timeline.json"))
    searchable: list[dict[str, Any]] = field(
        default_factory=lambda: fixture("search_statuses.json")["statuses"]
    )
    # Other accounts' own statuses, by account id (GET /api/v1/accounts/:id/statuses), and
    # accounts the server only finds by resolving them (a search with resolve=true).
    authored: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resolvable: list[dict[str, Any]] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(110000000000000200))
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- What tests set up ---------------------------------------------------------------

    def config(self, **overrides: Any) -> dict[str, Any]:
        return {"instance_url": self.base, "access_token": self.token, "visibility": "public",
                **overrides}  # fmt: skip

    def answer(self, method: str, path: str, status: int, body: Any = None, **kw: Any) -> None:
        self.canned.append(Canned(method, path, status, body, **kw))

    def add_status(self, **values: Any) -> dict[str, Any]:
        status = copy.deepcopy(fixture("status.json"))
        status.update(values)
        status_id = str(status["id"])
        status["uri"] = f"https://social.example/users/acme/statuses/{status_id}"
        status["url"] = f"https://social.example/@acme/{status_id}"
        self.statuses[status_id] = status
        return status

    def approve(self, authorize_url: str) -> str:
        """What the consent page does when the person allows: the code for the redirect."""
        query = parse_qs(urlsplit(authorize_url).query)
        code = f"code-{len(self.codes) + 1}"
        self.codes[code] = {
            "client_id": query["client_id"][0],
            "redirect_uri": query["redirect_uri"][0],
            "challenge": query.get("code_challenge", [""])[0],
        }
        return code

    def requests_to(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path.rstrip("/") == path]

    # -- Serving ---------------------------------------------------------------------------

    def handle(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        path = seen.path.rstrip("/")
        method = seen.method
        if path == "/api/v2/instance" and method == "GET":
            return 200, self.instance, {}
        if path == "/api/v1/apps" and method == "POST":
            return self._register(seen)
        if path == "/oauth/token" and method == "POST":
            return self._token(seen)
        if path == "/.well-known/oauth-authorization-server":
            return 404, {"error": "Not Found"}, {}
        denied = self._check_token(seen)
        if denied is not None:
            return denied
        if path == "/api/v1/accounts/verify_credentials" and method == "GET":
            return 200, self.account, {}
        if path == "/api/v1/apps/verify_credentials" and method == "GET":
            return 200, {"name": self.app_name, "website": "http://testserver",
                         "scopes": ["read", "write"]}, {}  # fmt: skip
        if path == "/api/v2/media" and method == "POST":
            return self._upload(seen)
        if path.startswith("/api/v1/media/") and method == "GET":
            return self._media(path.rsplit("/", 1)[1])
        if path == "/api/v1/statuses" and method == "POST":
            return self._post_status(seen)
        if path == "/api/v1/statuses" and method == "GET":
            wanted = seen.query.get("id[]", [])
            return 200, [self.statuses[i] for i in wanted if i in self.statuses], {}
        if path.startswith("/api/v1/statuses/") and method == "POST":
            status_id, _, action = path.removeprefix("/api/v1/statuses/").partition("/")
            if action in ("favourite", "reblog"):
                return self._engage(status_id, action)
        if path.startswith("/api/v1/statuses/"):
            status_id = path.rsplit("/", 1)[1]
            if status_id not in self.statuses:
                return 404, {"error": "Record not found"}, {}
            if method == "DELETE":
                return 200, {**self.statuses.pop(status_id), "text": "deleted"}, {}
            return 200, self.statuses[status_id], {}
        if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            return self._account_statuses(seen)
        if path == "/api/v1/notifications" and method == "GET":
            return self._notifications(seen)
        if method == "GET":
            found = self._people_routes(seen, path)
            if found is not None:
                return found
        return 404, {"error": "Record not found"}, {}

    # -- People and listening ----------------------------------------------------------------

    def _known(self) -> list[dict[str, Any]]:
        return [self.account, *self.followers, *self.following,
                *(s["account"] for s in [*self.tagged, *self.searchable])]  # fmt: skip

    def _page(self, seen: Seen, rows: list[tuple[int, Any]], default: int, most: int,
              path: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        """Rows (id, item) newest first below max_id, a Link header when the page is full."""
        limit = min(int(seen.one("limit") or default), most)
        max_id = seen.one("max_id")
        if max_id:
            rows = [row for row in rows if row[0] < int(max_id)]
        page = rows[:limit]
        headers = {}
        if page and len(page) == limit:
            url = f"{self.base}{path}?limit={limit}"
            headers["Link"] = (f'<{url}&max_id={page[-1][0]}>; rel="next", '
                               f'<{url}&min_id={page[0][0]}>; rel="prev"')  # fmt: skip
        return 200, [item for _, item in page], headers

    def _people_routes(self, seen: Seen, path: str) -> tuple[int, Any, dict[str, str]] | None:
        if path == "/api/v1/accounts/lookup":
            acct = seen.one("acct").lower()
            for account in self._known():
                if acct in {account["acct"].lower(), f"{account['acct']}@social.example".lower()}:
                    return 200, account, {}
            return 404, {"error": "Record not found"}, {}
        for which in ("followers", "following"):
            if path == f"/api/v1/accounts/{ACCOUNT_ID}/{which}":
                accounts = getattr(self, which)
                rows = [(9000 - n, account) for n, account in enumerate(accounts)]  # follow ids
                return self._page(seen, rows, 40, 80, path)
        if path.startswith("/api/v1/accounts/") and path.count("/") == 4:
            wanted = path.rsplit("/", 1)[1]
            account = next((a for a in self._known() if a["id"] == wanted), None)
            if account is None:
                return 404, {"error": "Record not found"}, {}
            return 200, account, {}
        if path.startswith("/api/v1/timelines/tag/"):
            tag = unquote(path.rsplit("/", 1)[1]).lower()
            statuses = [s for s in self.tagged if tag in {t["name"].lower() for t in s["tags"]}]
            rows = sorted(((int(s["id"]), s) for s in statuses), key=lambda r: -r[0])
            return self._page(seen, rows, 20, 40, path)
        if path == "/api/v2/search":
            return self._search(seen)
        return None

    def _search(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        query = seen.one("q")
        answer: dict[str, Any] = {"accounts": [], "statuses": [], "hashtags": []}
        if seen.one("type") in ("", "accounts"):
            answer["accounts"] = [a for a in self._known() if query in (a["uri"], a["url"])][:1]
            if seen.one("resolve") in ("1", "true"):
                acct = query.removeprefix("@").lower()
                answer["accounts"] += [a for a in [*self._known(), *self.resolvable]
                                       if a["acct"].lower() == acct][:1]  # fmt: skip
        if seen.one("type") in ("", "statuses"):
            words = query.lower()
            found = sorted((s for s in self.searchable if words in s["content"].lower()),
                           key=lambda s: -int(s["id"]))  # fmt: skip
            max_id = seen.one("max_id")
            if max_id:
                found = [s for s in found if int(s["id"]) < int(max_id)]
            answer["statuses"] = found[: min(int(seen.one("limit") or 20), 40)]
        return 200, answer, {}

    def _check_token(self, seen: Seen) -> tuple[int, Any, dict[str, str]] | None:
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "The access token is invalid"}, {}
        if self.revoked:
            return 401, {"error": "The access token was revoked"}, {}
        return None

    def _register(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        redirect_uri = seen.one("redirect_uris")
        if not redirect_uri.startswith(("http://", "https://")):
            return 422, {"error": "Validation failed: Redirect URI must be an absolute URI."}, {}
        app = fixture("app.json")
        number = len(self.apps) + 1
        app.update(name=seen.one("client_name"), website=seen.one("website") or None,
                   scopes=seen.one("scopes").split(), redirect_uri=redirect_uri,
                   redirect_uris=[redirect_uri], client_id=f"client-{number}",
                   client_secret=f"secret-{number}")  # fmt: skip
        self.apps[app["client_id"]] = app
        return 200, app, {}

    def _token(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        invalid_grant = {
            "error": "invalid_grant",
            "error_description": "The provided authorization grant is invalid, expired, revoked, "
            "does not match the redirection URI used in the authorization request, or was "
            "issued to another client.",
        }
        app = self.apps.get(seen.one("client_id"))
        if app is None or app["client_secret"] != seen.one("client_secret"):
            return 401, {"error": "invalid_client", "error_description": "Client "
                         "authentication failed due to unknown client."}, {}  # fmt: skip
        grant = self.codes.pop(seen.one("code"), None)
        if grant is None or seen.one("grant_type") != "authorization_code":
            return 400, invalid_grant, {}
        if grant["client_id"] != app["client_id"] or grant["redirect_uri"] != seen.one(
            "redirect_uri"
        ):
            return 400, invalid_grant, {}
        if grant["challenge"]:
            digest = hashlib.sha256(seen.one("code_verifier").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return 400, invalid_grant, {}
        token = fixture("token.json")
        token["access_token"] = self.token
        return 200, token, {}

    def _attachment(
        self, media_id: str, description: str, processed: bool, kind: str = "image"
    ) -> dict[str, Any]:
        attachment = fixture("media_attachment.json")
        attachment["id"] = media_id
        attachment["type"] = kind
        attachment["description"] = description or None
        attachment["preview_url"] = f"https://files.social.example/small/{media_id}.png"
        extension = {"image": "png", "video": "mp4", "audio": "mp3"}[kind]
        attachment["url"] = (
            f"https://files.social.example/original/{media_id}.{extension}" if processed else None
        )
        if kind != "image":
            attachment["meta"] = {"length": "0:00:01.00", "duration": 1.0}
        return attachment

    def _upload(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        upload = seen.files.get("file")
        media = self.instance["configuration"]["media_attachments"]
        if upload is None or upload.content_type not in media["supported_mime_types"]:
            return 422, {"error": "Validation failed: File content type is invalid, File is "
                         "invalid"}, {}  # fmt: skip
        kind = upload.content_type.split("/")[0]
        kind = kind if kind in ("video", "audio") else "image"
        limit = media["image_size_limit"] if kind == "image" else media["video_size_limit"]
        if len(upload.data) > limit:
            return 422, {"error": "Validation failed: File file size must be less than "
                         f"{limit} Bytes"}, {}  # fmt: skip
        media_id = str(next(self.ids))
        polls = self.processing_polls if kind == "image" else max(self.processing_polls,
                                                                  self.transcode_polls)  # fmt: skip
        self.media[media_id] = {
            "description": seen.one("description"),
            "polls_left": polls,
            "upload": upload,
            "kind": kind,
        }
        if polls or self.media_failure:
            return 202, self._attachment(media_id, seen.one("description"), False, kind), {}
        return 200, self._attachment(media_id, seen.one("description"), True, kind), {}

    def _media(self, media_id: str) -> tuple[int, Any, dict[str, str]]:
        state = self.media.get(media_id)
        if state is None:
            return 404, {"error": "Record not found"}, {}
        if state["polls_left"] > 0:
            state["polls_left"] -= 1
            return 206, self._attachment(media_id, state["description"], False, state["kind"]), {}
        if self.media_failure:
            return 422, {"error": self.media_failure}, {}
        return 200, self._attachment(media_id, state["description"], True, state["kind"]), {}

    def _post_status(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        key = seen.headers.get("idempotency-key", "")
        if key and key in self.idempotency:
            return 200, self.statuses[self.idempotency[key]], {}
        text = seen.one("status")
        media_ids = seen.form.get("media_ids[]", [])
        if not text.strip() and not media_ids:
            return 422, {"error": "Validation failed: Text can't be blank"}, {}
        limit = self.instance["configuration"]["statuses"]["max_characters"]
        if len(text) > limit:
            return 422, {"error": f"Validation failed: Text character limit of {limit} "
                         "exceeded"}, {}  # fmt: skip
        kinds = [self.media[m]["kind"] for m in media_ids if m in self.media]
        if len(kinds) > 1 and any(kind != "image" for kind in kinds):
            return 422, {"error": "Validation failed: Media attachments Cannot attach a video "
                         "to a post that already contains images"}, {}  # fmt: skip
        for media_id in media_ids:
            state = self.media.get(media_id)
            if state is None:
                return 422, {"error": "Validation failed: Media attachments is invalid"}, {}
            if state["polls_left"] > 0:
                return 422, {"error": "Cannot attach files that have not finished processing. "
                             "Try again in a moment!"}, {}  # fmt: skip
        reply_to = seen.one("in_reply_to_id")
        if (
            reply_to and reply_to not in self.statuses
        ):  # Mastodon's statuses.errors.in_reply_not_found
            return 404, {"error": "The post you are trying to reply to does not appear to "
                         "exist."}, {}  # fmt: skip
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p)
        status = self.add_status(
            id=str(next(self.ids)),
            created_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            content=paragraphs,
            spoiler_text=seen.one("spoiler_text"),
            sensitive=bool(seen.one("spoiler_text")) or seen.one("sensitive") in ("1", "true"),
            visibility=seen.one("visibility") or "public",
            in_reply_to_id=reply_to or None,
            in_reply_to_account_id=ACCOUNT_ID if reply_to else None,
            application={"name": self.app_name, "website": "http://testserver"},
            media_attachments=[
                self._attachment(m, self.media[m]["description"], True, self.media[m]["kind"])
                for m in media_ids
            ],
        )
        if key:
            self.idempotency[key] = status["id"]
        return 200, status, {}

    def _engage(self, status_id: str, action: str) -> tuple[int, Any, dict[str, str]]:
        status = self.statuses.get(status_id)
        if status is None or status.get("reblog"):
            return 404, {"error": "Record not found"}, {}
        if action == "favourite":
            if not status["favourited"]:
                status.update(favourited=True, favourites_count=status["favourites_count"] + 1)
            return 200, status, {}
        if status["visibility"] in ("private", "direct"):
            return 403, {"error": "This action is not allowed"}, {}
        existing = next((s for s in self.statuses.values()
                         if (s.get("reblog") or {}).get("id") == status_id), None)  # fmt: skip
        if existing is not None:
            return 200, existing, {}
        status.update(reblogged=True, reblogs_count=status["reblogs_count"] + 1)
        boost = self.add_status(id=str(next(self.ids)), reblog=copy.deepcopy(status),
                                content="", reblogged=True)  # fmt: skip
        return 200, boost, {}

    def _account_statuses(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        account_id = seen.path.split("/")[4]
        if account_id in self.authored:  # someone else's: filtered and paged like Mastodon's
            rows = sorted(((int(s["id"]), s) for s in self.authored[account_id]
                           if not (seen.one("exclude_reblogs") in ("1", "true") and s["reblog"])
                           and not (seen.one("exclude_replies") in ("1", "true")
                                    and s["in_reply_to_id"])), key=lambda r: -r[0])  # fmt: skip
            return self._page(seen, rows, 20, 40, seen.path.rstrip("/"))
        ordered = sorted(self.statuses.values(), key=lambda s: int(s["id"]), reverse=True)
        if seen.one("exclude_reblogs") in ("1", "true"):
            ordered = [s for s in ordered if not s.get("reblog")]
        max_id = seen.one("max_id")
        if max_id:
            ordered = [s for s in ordered if int(s["id"]) < int(max_id)]
        limit = int(seen.one("limit") or 20)
        return 200, ordered[:limit], {}

    def _notifications(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        types = seen.query.get("types[]")
        found = [n for n in self.notifications if not types or n["type"] in types]
        found.sort(key=lambda n: int(n["id"]), reverse=True)
        limit = min(int(seen.one("limit") or 40), 80)
        min_id = seen.one("min_id")
        if min_id:  # the page immediately newer than min_id, newest first
            newer = [n for n in found if int(n["id"]) > int(min_id)]
            page = sorted(newer, key=lambda n: int(n["id"]))[:limit]
            return 200, sorted(page, key=lambda n: int(n["id"]), reverse=True), {}
        return 200, found[:limit], {}


def _parse(method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Seen:
    parts = urlsplit(raw_path)
    seen = Seen(method, parts.path, parse_qs(parts.query, keep_blank_values=True), headers, body)
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        seen.form = parse_qs(body.decode(), keep_blank_values=True)
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename():
                seen.files[str(name)] = Upload(
                    part.get_filename() or "", part.get_content_type(), data
                )
            else:
                seen.form.setdefault(str(name), []).append(data.decode())
    elif content_type.startswith("application/json") and body:
        document = json.loads(body)
        seen.form = {k: v if isinstance(v, list) else [str(v)] for k, v in document.items()}
    return seen


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout tests) is expected


def _serve(fake_holder: dict[str, FakeMastodon]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            fake = fake_holder["fake"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            seen = _parse(self.command, self.path, headers, body)
            with fake.lock:
                fake.seen.append(seen)
                canned = next(
                    (c for c in fake.canned
                     if c.method == seen.method and c.path == seen.path.rstrip("/")),
                    None,
                )  # fmt: skip
                if canned is not None:
                    fake.canned.remove(canned)
                    status, document, extra = canned.status, canned.body, canned.headers
                else:
                    status, document, extra = fake.handle(seen)
            if canned is not None and canned.close:
                self.close_connection = True
                return
            if canned is not None and canned.sleep:
                time.sleep(canned.sleep)
            if isinstance(document, bytes | str):
                data = document.encode() if isinstance(document, str) else document
                extra = {"Content-Type": "text/html; charset=utf-8", **extra}
            else:
                data = json.dumps(document).encode() if document is not None else b""
                extra = {"Content-Type": "application/json; charset=utf-8", **extra}
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("X-RateLimit-Limit", "300")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _handle  # noqa: N815
        do_POST = _handle  # noqa: N815
        do_PUT = _handle  # noqa: N815
        do_DELETE = _handle  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]


@pytest.fixture
def mastodon(loopback_allowed: None) -> Iterator[FakeMastodon]:
    holder: dict[str, FakeMastodon] = {}
    httpd = _QuietServer(("127.0.0.1", 0), _serve(holder))
    holder["fake"] = FakeMastodon(base=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield holder["fake"]
    httpd.shutdown()
    httpd.server_close()
