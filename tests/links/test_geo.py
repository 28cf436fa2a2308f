"""The click's country from the operator's GeoLite2-format database (a tiny one is generated
here with mmdb-writer), and an empty country without one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from outlier.links import geo
from outlier.links.clicks import buffer
from outlier.links.models import Click

from .conftest import follow, make_link


@pytest.fixture(autouse=True)
def _closed() -> Iterator[None]:
    geo.close()
    yield
    geo.close()


@pytest.fixture
def country_db(tmp_path: Path) -> str:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "FR"}})
    writer.insert_network(IPSet(["2001:db8::/32"]), {"registered_country": {"iso_code": "de"}})
    path = tmp_path / "GeoLite2-Country.mmdb"
    writer.to_db_file(str(path))
    return str(path)


def test_country_from_the_database(settings, country_db):
    settings.GEOIP_DB = country_db
    assert geo.country("203.0.113.7") == "FR"
    assert geo.country("2001:db8::1") == "DE"
    assert geo.country("198.51.100.1") == ""  # not in the database
    assert geo.country("not an address") == ""


def test_no_database_means_no_country(settings):
    settings.GEOIP_DB = ""
    assert geo.country("203.0.113.7") == ""


def test_an_unreadable_database_means_no_country(settings, tmp_path):
    settings.GEOIP_DB = str(tmp_path / "missing.mmdb")
    assert geo.country("203.0.113.7") == ""
    (tmp_path / "broken.mmdb").write_bytes(b"not a database")
    settings.GEOIP_DB = str(tmp_path / "broken.mmdb")
    assert geo.country("203.0.113.7") == ""


@pytest.mark.django_db
def test_a_click_gets_its_country(settings, country_db, workspace):
    settings.GEOIP_DB = country_db
    link = make_link(workspace)
    follow(link.code, address="203.0.113.50")
    buffer.flush()
    assert Click.objects.get().country == "FR"
