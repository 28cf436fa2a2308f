"""A real web server, started as `outlier serve` starts it (granian, or gunicorn with its
`worker_exit` hook), serves redirects while holding their clicks in memory; SIGTERM makes every
worker write them before it exits: the clicks stored equal the redirects served."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from outlier.core.management.commands.serve import web_command
from outlier.core.models import Workspace
from outlier.links.models import Click
from tests.networks.conftest import free_port

from .conftest import FIREFOX, make_link

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
VISITS = 240


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def visit(url: str) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": FIREFOX})
    try:
        with OPENER.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            OPENER.open(url, timeout=2)
        except urllib.error.HTTPError:
            return  # it answers (404 for this probe)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not start:\n{log.read_text()}")


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
def test_sigterm_writes_every_buffered_click(server_name, settings, tmp_path):
    port = free_port()
    settings.BIND = f"127.0.0.1:{port}"
    link = make_link(Workspace.objects.create(name="Acme", slug="acme"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "OUTLIER_TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "OUTLIER_CLICK_FLUSH_MS": "600000",  # nothing is written until the stop
        "OUTLIER_CLICK_BATCH": "100000",
        "OUTLIER_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    command = web_command(server_name, workers=2, threads=4, access_log=False)
    assert command[:3] == [sys.executable, "-m", server_name]
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/l/probe00", server, log)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(visit, [f"{base}/l/{link.code}"] * VISITS))
        assert statuses == [302] * VISITS
        assert Click.objects.count() == 0  # all still in the workers' memory
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert Click.objects.filter(link=link).count() == VISITS, log.read_text()
    served = [line for line in log.read_text().splitlines() if "links: served" in line]
    assert served, log.read_text()
