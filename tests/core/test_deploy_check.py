"""Production settings pass Django's deployment checklist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_check_deploy_is_clean_for_production_settings(tmp_path: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "outlier.settings",
        "OUTLIER_DATA_DIR": str(tmp_path),
        "OUTLIER_BASE_URL": "https://outlier.example.org",
        "OUTLIER_DEBUG": "false",
    }
    env.pop("OUTLIER_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    key = tmp_path / "secret_key"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"


def test_a_bad_setting_is_a_clear_error(tmp_path: Path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "outlier.settings",
           "OUTLIER_DATA_DIR": str(tmp_path), "OUTLIER_ALLOWED_PRIVATE_NETWORKS": "not-a-network"}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "django", "check"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0
    assert "OUTLIER_ALLOWED_PRIVATE_NETWORKS" in result.stderr
