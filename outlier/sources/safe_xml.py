"""The one XML parser for documents from elsewhere (feeds, OPML): hardened, never trusting.

Accepted: any well-formed XML document in any encoding its BOM or XML declaration names, with
or without a DOCTYPE that only names a DTD (as RSS 0.91 feeds do; the DTD is never loaded).

Refused, with `XmlError`:
- a DOCTYPE whose internal subset declares entities (`<!ENTITY ...>`): that is how
  "billion laughs" expansion bombs and external entities (`SYSTEM "file:///etc/passwd"`,
  `SYSTEM "http://..."`) are built, and no honest feed needs one. The document is looked at
  before parsing, and the parsed tree's DTD is checked again after, in case the first look was
  fooled;
- a document that is not well-formed (unless the caller asks for `recover`, see below).

The parser itself resolves no entity, loads no DTD, opens no network connection, and keeps
libxml2's limits on depth and text size (no `huge_tree`). Comments and processing instructions
are dropped.

`recover=True` is for feeds, which in the wild often hold a bare "&" or an HTML entity: after
a strict attempt fails, bare ampersands are escaped and libxml2's recovery mode reads what it
can. Entity declarations are refused before either attempt.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

__all__ = ["XmlError", "declares_entities", "parse_xml"]

_PROLOG_SKIP = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(?P<subset>.*?)\]\s*>", re.S)
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")

ENTITIES_REFUSED = (
    "it declares XML entities in its DOCTYPE, which is how entity-expansion bombs and "
    "external-entity attacks (reading local files or other servers) are made"
)


class XmlError(ValueError):
    """The document was refused or cannot be read; str() says why, for a person."""


def parse_xml(
    body: bytes | str, *, base_url: str | None = None, recover: bool = False
) -> etree._Element:
    """The root element of `body`, parsed without entities, DTDs or network access.

    `base_url` is the address the document came from: `element.base` then resolves
    `xml:base` against it. Raises `XmlError` for entity declarations or malformed XML."""
    data, encoding = _as_bytes(body)
    if declares_entities(data):
        raise XmlError(f"The document was refused: {ENTITIES_REFUSED}.")
    try:
        root = etree.fromstring(data, _parser(encoding), base_url=base_url)
    except etree.XMLSyntaxError as error:
        if not recover:
            raise XmlError(f"The document is not well-formed XML ({_where(error)}).") from error
        root = _recover(data, encoding, base_url, error)
    _check_no_entities(root)
    return root


def declares_entities(data: bytes) -> bool:
    """True when the DOCTYPE before the root element has an internal subset with an entity
    declaration. Only the prolog is looked at: an article about XXE may quote one in its text."""
    prolog = _ascii_view(data)
    position = 0
    if prolog.startswith(codecs.BOM_UTF8):
        position = len(codecs.BOM_UTF8)
    while match := _PROLOG_SKIP.match(prolog, position):
        position = match.end()
    if not prolog.startswith(b"<!DOCTYPE", position):
        return False
    doctype = _DOCTYPE_SUBSET.match(prolog, position)
    if doctype is None:  # an unterminated subset: say yes if it mentions an entity at all
        return b"<!ENTITY" in prolog[position:]
    return b"<!ENTITY" in doctype.group("subset")


def _as_bytes(body: bytes | str) -> tuple[bytes, str | None]:
    """Bytes for libxml2, and the encoding to impose (text given as str is UTF-8 now, whatever
    its declaration says)."""
    if isinstance(body, str):
        return body.encode("utf-8"), "utf-8"
    return body, None


def _ascii_view(data: bytes) -> bytes:
    """The document's bytes with ASCII characters as single bytes (UTF-16 and UTF-32 are
    re-encoded as UTF-8); other encodings are left as they are, which is enough to find
    markup."""
    codec = _wide_codec(data)
    if codec is None:
        return data
    return data.decode(codec, "replace").encode("utf-8", "replace")


def _wide_codec(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 codec `data` starts in (by its BOM or its first "<"), if any."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((b"<\x00\x00\x00", b"\x00\x00\x00<")):
        return "utf-32-le" if data.startswith(b"<") else "utf-32-be"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if data.startswith((b"<\x00", b"\x00<")):
        return "utf-16-le" if data.startswith(b"<") else "utf-16-be"
    return None


def _parser(encoding: str | None, recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _recover(
    data: bytes, encoding: str | None, base_url: str | None, error: Exception
) -> etree._Element:
    """A second, lenient reading: bare "&" escaped, then libxml2's recovery mode."""
    fixed = _BARE_AMPERSAND.sub(b"&amp;", data)
    try:
        root = etree.fromstring(fixed, _parser(encoding, recover=True), base_url=base_url)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise XmlError(f"The document is not well-formed XML ({_where(error)}).") from error
    return root


def _check_no_entities(root: etree._Element) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):
        raise XmlError(f"The document was refused: {ENTITIES_REFUSED}.")


def _where(error: Exception) -> str:
    message = str(getattr(error, "msg", "") or error).strip()
    line = getattr(error, "lineno", None)
    return message if not line or f"line {line}" in message else f"line {line}: {message}"
