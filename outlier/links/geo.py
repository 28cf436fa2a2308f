"""The visitor's country, when the operator provides a GeoLite2 (or GeoIP2) Country or City
database: `OUTLIER_GEOIP_DB=/path/GeoLite2-Country.mmdb`. Without one, or when the
`maxminddb` reader is missing or the file cannot be read, the country stays empty.

MaxMind's licence does not let Outlier ship the database; the operator downloads it and
keeps it up to date (their `geoipupdate` does). The file is opened once per process, on
first use, and read through a memory map; a lookup takes a few microseconds and runs in
the click writer's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_opened: dict[str, Any] = {}  # path -> reader, or None when it could not be opened


def _reader(path: str) -> Any:
    with _lock:
        if path in _opened:
            return _opened[path]
        reader = None
        try:
            import maxminddb

            reader = maxminddb.open_database(path)
        except ImportError:
            logger.warning("OUTLIER_GEOIP_DB is set but the maxminddb package is missing.")
        except Exception as exc:  # missing, unreadable or not a MaxMind DB file
            logger.warning("Cannot open the GeoIP database %s: %s", path, exc)
        _opened[path] = reader
        return reader


def locator() -> Callable[[str], str]:
    """`country` under the settings of this moment, reading them once (the click writer asks
    once per batch: a settings lookup costs as much as the rest of a click's row)."""
    path = getattr(settings, "GEOIP_DB", "")
    reader = _reader(str(path)) if path else None
    if reader is None:
        return _unknown
    return lambda address: _country(reader, address)


def country(address: str) -> str:
    """ISO 3166 alpha-2 code of the address's country, or "" when not known."""
    return locator()(address)


def _unknown(address: str) -> str:
    return ""


def _country(reader: Any, address: str) -> str:
    if not address:
        return ""
    try:
        record = reader.get(address)
    except (ValueError, TypeError, RuntimeError):  # not an IP address; a corrupt file
        return ""
    if not isinstance(record, dict):
        return ""
    for key in ("country", "registered_country"):
        place = record.get(key)
        if isinstance(place, dict) and isinstance(place.get("iso_code"), str):
            return str(place["iso_code"])[:2].upper()
    return ""


def close() -> None:
    """Forget opened databases (tests, or after the operator replaced the file)."""
    with _lock:
        for reader in _opened.values():
            if reader is not None:
                reader.close()
        _opened.clear()
