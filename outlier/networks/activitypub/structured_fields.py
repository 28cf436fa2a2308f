"""The parts of Structured Field Values (RFC 8941) that RFC 9421 signatures need.

`parse_dictionary` reads a Dictionary header such as Signature-Input, Signature or
Content-Digest; `serialize_inner_list` writes an inner list with its parameters back in the
canonical form RFC 9421 signs as "@signature-params". Anything malformed raises
`StructuredFieldError`; nothing is guessed.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "BareItem",
    "InnerList",
    "Item",
    "Parameters",
    "StructuredFieldError",
    "Token",
    "parse_dictionary",
    "serialize_inner_list",
    "serialize_item",
]


class StructuredFieldError(ValueError):
    """The header is not a valid structured field."""


class Token(str):
    """An sf-token (written without quotes), as opposed to an sf-string."""


BareItem = int | Decimal | str | Token | bytes | bool
Parameters = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Parameters = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Parameters = field(default_factory=dict)


_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,3})?")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


class _Reader:
    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise StructuredFieldError("a structured field must be ASCII")
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, chars: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise StructuredFieldError(f"expected {char!r} at {self.pos}")
        self.pos += 1

    def match(self, pattern: re.Pattern[str]) -> str:
        found = pattern.match(self.text, self.pos)
        if found is None:
            raise StructuredFieldError(f"unexpected {self.peek()!r} at {self.pos}")
        self.pos = found.end()
        return found.group(0)

    def key(self) -> str:
        return self.match(_KEY)

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            self.pos += 1
            value = self.peek()
            if value not in ("0", "1"):
                raise StructuredFieldError(f"invalid boolean at {self.pos}")
            self.pos += 1
            return value == "1"
        if char == "-" or char.isdigit():
            number = self.match(_NUMBER)
            return Decimal(number) if "." in number else int(number)
        if char.isalpha() or char == "*":
            return Token(self.match(_TOKEN))
        raise StructuredFieldError(f"unexpected {char!r} at {self.pos}")

    def string(self) -> str:
        self.expect('"')
        out: list[str] = []
        while True:
            char = self.peek()
            if char == "":
                raise StructuredFieldError("unterminated string")
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\"):
                    raise StructuredFieldError(f"invalid escape at {self.pos}")
                self.pos += 1
                out.append(escaped)
            elif ord(char) < 0x20 or ord(char) == 0x7F:
                raise StructuredFieldError(f"control character in string at {self.pos}")
            else:
                out.append(char)

    def byte_sequence(self) -> bytes:
        self.expect(":")
        end = self.text.find(":", self.pos)
        if end < 0:
            raise StructuredFieldError("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        if not _BASE64.fullmatch(encoded):
            raise StructuredFieldError("invalid byte sequence")
        self.pos = end + 1
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise StructuredFieldError("invalid byte sequence") from exc

    def parameters(self) -> Parameters:
        params: Parameters = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            name = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[name] = value
        return params

    def item_or_inner_list(self) -> Item | InnerList:
        if self.peek() != "(":
            value = self.bare_item()
            return Item(value, self.parameters())
        self.pos += 1
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parameters())
            value = self.bare_item()
            items.append(Item(value, self.parameters()))
            if self.peek() not in (" ", ")"):
                raise StructuredFieldError(f"unexpected {self.peek()!r} in inner list")


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse an sf-dictionary; later duplicates of a key win, as RFC 8941 says."""
    reader = _Reader(text)
    members: dict[str, Item | InnerList] = {}
    reader.skip(" \t")
    if reader.peek() == "":
        return members
    while True:
        name = reader.key()
        if reader.peek() == "=":
            reader.pos += 1
            members[name] = reader.item_or_inner_list()
        else:
            members[name] = Item(True, reader.parameters())
        reader.skip(" \t")
        if reader.peek() == "":
            return members
        reader.expect(",")
        reader.skip(" \t")
        if reader.peek() == "":
            raise StructuredFieldError("trailing comma")


def _serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode() + ":"
    if isinstance(value, Decimal):
        text = format(value.quantize(Decimal("0.001")).normalize(), "f")
        return text if "." in text else text + ".0"
    return str(value)


def _serialize_params(params: Parameters) -> str:
    return "".join(
        f";{name}" if value is True else f";{name}={_serialize_bare(value)}"
        for name, value in params.items()
    )


def serialize_item(item: Item) -> str:
    return _serialize_bare(item.value) + _serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return (
        "(" + " ".join(serialize_item(item) for item in inner.items) + ")"
        + _serialize_params(inner.params)
    )  # fmt: skip
