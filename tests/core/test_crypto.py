"""Secrets at rest are encrypted with Fernet and survive a key rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from outlier.core import crypto


def test_round_trip_and_ciphertext_hides_the_value():
    token = crypto.encrypt("app-password-123")
    assert "app-password" not in token
    assert crypto.decrypt(token) == "app-password-123"


def test_rotation_old_key_still_decrypts_then_rotate_moves_to_new_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("s3cret")
    settings.ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "s3cret"
    fresh = crypto.rotate(token)
    settings.ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(fresh) == "s3cret"
    with pytest.raises(crypto.DecryptionError, match="OUTLIER_ENCRYPTION_KEYS"):
        crypto.decrypt(token)


def test_a_malformed_key_is_a_clear_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet"):
        crypto.encrypt("x")
