"""Uploaded files (topic covers, post images, post video and audio), served by the app itself.

Byte ranges are answered (one range per request, RFC 9110 §14): browsers ask for them to
play and seek video and audio, and Safari will not play a video served without them. A
request for several ranges, or with an `If-Range` that no longer matches the file, gets the
whole file; a range that starts past the end gets 416 with the file's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.views.static import serve

RANGE = re.compile(r"bytes=(\d*)-(\d*)")
CHUNK = 64 * 1024


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    served = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response: HttpResponseBase = served
    if isinstance(served, FileResponse) and served.status_code == 200:
        served["Accept-Ranges"] = "bytes"
        wanted = request.headers.get("Range", "")
        if wanted and _current(request, served):
            response = _partial(served, wanted)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _current(request: HttpRequest, response: HttpResponseBase) -> bool:
    """No `If-Range`, or one naming the file's Last-Modified as served now."""
    condition = request.headers.get("If-Range")
    return condition is None or condition == response.get("Last-Modified")


def _partial(response: FileResponse, wanted: str) -> HttpResponseBase:
    size = int(response["Content-Length"])
    found = RANGE.fullmatch(wanted.strip())
    if found is None or not (found[1] or found[2]):
        return response  # several ranges, another unit, or nonsense: the whole file
    if found[1]:
        start = int(found[1])
        end = min(int(found[2]), size - 1) if found[2] else size - 1
        if found[2] and int(found[2]) < start:
            return response  # not a valid range: ignored, as the RFC says
    else:  # the last N bytes
        start, end = max(0, size - int(found[2])), size - 1
    if start >= size or end < start:
        response.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    stream: BinaryIO = response.file_to_stream  # type: ignore[assignment]
    stream.seek(start)
    partial = StreamingHttpResponse(
        _read(stream, end - start + 1), status=206, content_type=response["Content-Type"]
    )
    partial["Content-Length"] = str(end - start + 1)
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Accept-Ranges"] = "bytes"
    for name in ("Last-Modified", "Content-Disposition"):
        if name in response:
            partial[name] = response[name]
    return partial


def _read(stream: BinaryIO, left: int) -> Iterator[bytes]:
    try:
        while left > 0:
            chunk = stream.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        stream.close()
