"""vCard syntax (RFC 6350), written and read: escaping of text values, parameter values
(quoted, with RFC 6868's caret escapes), content lines folded at 75 octets, and the reverse —
unfolding, splitting a card into properties, unescaping. It knows nothing of contacts; what the
properties mean is `exchange.py`'s business.

Writing follows vCard 4.0 exactly: CRLF line ends; a line longer than 75 octets (UTF-8, line
break excluded) continues on the next line after one space, never cutting a multi-byte
character; in text values backslash, comma, semicolon and newline are escaped (`\\\\`, `\\,`,
`\\;`, `\\n`). Reading is lenient where real address books are sloppy: LF or CRLF, a folded
line continued by a space or a tab, vCard 3.0 and 2.1 cards (bare `;HOME` parameters,
`ENCODING=QUOTED-PRINTABLE` with its soft line breaks), lower-case names.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_OCTETS = 75

_NAME = re.compile(r"(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)")
_PARAM_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_VALUE = re.compile(r'[^";:,]*')
_BAD_BYTES = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def escape_text(value: str) -> str:
    """A TEXT value: backslash, comma, semicolon and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\n", "\\n"))  # fmt: skip


def text_list(values: list[str]) -> str:
    """A list of TEXT values (CATEGORIES): each escaped, joined by commas."""
    return ",".join(escape_text(v) for v in values)


def structured(components: list[str]) -> str:
    """A structured value (like N): each component escaped, joined by semicolons."""
    return ";".join(escape_text(c) for c in components)


def param_value(value: str) -> str:
    """A parameter value: quoted when it holds `;`, `:` or `,`; carets, newlines and double
    quotes written as RFC 6868 says (`^^`, `^n`, `^'`)."""
    value = value.replace("^", "^^").replace("\r\n", "^n").replace("\n", "^n")
    value = value.replace('"', "^'")
    return f'"{value}"' if any(ch in value for ch in ";:,") else value


def fold(line: str) -> str:
    """The content line folded at 75 octets, with its CRLF."""
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return line + "\r\n"
    parts: list[bytes] = []
    start, limit = 0, MAX_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a UTF-8 character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, MAX_OCTETS - 1  # the continuation's leading space is an octet
    return "\r\n ".join(p.decode("utf-8") for p in parts) + "\r\n"


def line(name: str, value: str, params: list[tuple[str, str]] | None = None,
         group: str = "") -> str:  # fmt: skip
    """One folded content line; `value` is already escaped as its type needs."""
    head = f"{group}.{name}" if group else name
    for key, raw in params or []:
        head += f";{key}={param_value(raw)}"
    return fold(f"{head}:{value}")


# Reading


@dataclass
class Property:
    group: str  # lower case; "" when none
    name: str  # upper case
    params: dict[str, list[str]]  # names upper case
    value: str  # as written: still escaped
    line: int  # where it starts in the file

    def param(self, name: str) -> str:
        """The parameter's first value, lower case ("" when absent)."""
        values = self.params.get(name.upper(), [])
        return values[0].lower() if values else ""

    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}

    def text(self) -> str:
        return unescape(self.decoded())

    def decoded(self) -> str:
        """The value with a vCard 2.1 quoted-printable encoding undone."""
        if self.param("ENCODING") in ("quoted-printable", "q"):
            charset = self.param("CHARSET") or "utf-8"
            raw = quopri.decodestring(self.value.encode("utf-8", "surrogateescape"))
            try:
                return raw.decode(charset, "surrogateescape")
            except LookupError:
                return raw.decode("utf-8", "surrogateescape")
        return self.value


@dataclass
class Card:
    number: int  # 1 for the file's first card
    line: int  # where its BEGIN is
    properties: list[Property] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong)

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def first(self, name: str) -> Property | None:
        found = self.all(name)
        return found[0] if found else None


def unfold(text: str) -> Iterator[tuple[int, str]]:
    """The logical lines of the text with the number of the physical line each starts on."""
    current: str | None = None
    start = 0
    soft = False  # the previous line ended a quoted-printable value with "="
    for number, raw in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if current is not None and (raw[:1] in (" ", "\t") or soft):
            current = current[:-1] + raw if soft else current + raw[1:]
        else:
            if current is not None:
                yield start, current
            current, start = raw, number
        soft = current.endswith("=") and "QUOTED-PRINTABLE" in current.split(":", 1)[0].upper()
    if current is not None:
        yield start, current


def parse_line(text: str, number: int = 0) -> Property | None:
    """One content line as a property; None when it is not one."""
    found = _NAME.match(text)
    if found is None:
        return None
    group, name = (found.group(1) or "").lower(), found.group(2).upper()
    at = found.end()
    params: dict[str, list[str]] = {}
    while at < len(text) and text[at] == ";":
        at += 1
        key = _PARAM_NAME.match(text, at)
        if key is None:
            return None
        pname, at = key.group(0).upper(), key.end()
        values: list[str] = []
        if at < len(text) and text[at] == "=":
            at += 1
            while True:
                if at < len(text) and text[at] == '"':
                    end = text.find('"', at + 1)
                    if end < 0:
                        return None
                    values.append(_caret(text[at + 1 : end]))
                    at = end + 1
                else:
                    bare = _PARAM_VALUE.match(text, at)
                    assert bare is not None  # the pattern matches the empty string
                    values.append(_caret(bare.group(0)))
                    at = bare.end()
                if at < len(text) and text[at] == ",":
                    at += 1
                    continue
                break
        elif pname in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"):
            pname, values = "ENCODING", [pname]  # vCard 2.1: a bare encoding
        else:
            pname, values = "TYPE", [pname]  # vCard 2.1: a bare type ("TEL;HOME:")
        params.setdefault(pname, []).extend(values)
    if at >= len(text) or text[at] != ":":
        return None
    return Property(group, name, params, text[at + 1 :], number)


def _caret(value: str) -> str:
    return re.sub(r"\^([\^n'])", lambda m: {"^": "^", "n": "\n", "'": '"'}[m.group(1)], value)


def cards(text: str) -> Iterator[Card | tuple[int, str]]:
    """The cards of a file in order; a line outside any card that is not blank comes as
    (line, text) so the caller can say it was skipped."""
    card: Card | None = None
    count = 0
    for number, content in unfold(text):
        if not content.strip():
            continue
        upper = content.strip().upper()
        if upper == "BEGIN:VCARD":
            if card is not None:
                card.errors.append((number, "the card has no END:VCARD before the next card"))
                yield card
            count += 1
            card = Card(count, number)
            continue
        if card is None:
            yield number, content
            continue
        if upper == "END:VCARD":
            yield card
            card = None
            continue
        if _BAD_BYTES.search(content):
            card.errors.append((number, "this line is not UTF-8 text; save the file as UTF-8"))
            continue
        prop = parse_line(content, number)
        if prop is None:
            card.errors.append((number, "this line is not a vCard property (NAME:value)"))
        else:
            card.properties.append(prop)
    if card is not None:
        card.errors.append((card.line, "the card has no END:VCARD"))
        yield card


def unescape(value: str) -> str:
    r"""A TEXT value unescaped: `\\`, `\,`, `\;`, `\n` and `\N`; any other backslash stays."""
    out: list[str] = []
    at = 0
    while at < len(value):
        ch = value[at]
        if ch == "\\" and at + 1 < len(value):
            nxt = value[at + 1]
            if nxt in "nN":
                out.append("\n")
            elif nxt in "\\,;:":
                out.append(nxt)
            else:
                out.append(ch + nxt)
            at += 2
            continue
        out.append(ch)
        at += 1
    return "".join(out)


def split(value: str, separator: str) -> list[str]:
    """A list or structured value split at the separators that are not escaped, each part
    unescaped."""
    parts: list[str] = []
    current: list[str] = []
    at = 0
    while at < len(value):
        ch = value[at]
        if ch == "\\" and at + 1 < len(value):
            current.append(value[at : at + 2])
            at += 2
            continue
        if ch == separator:
            parts.append(unescape("".join(current)))
            current = []
        else:
            current.append(ch)
        at += 1
    parts.append(unescape("".join(current)))
    return parts
