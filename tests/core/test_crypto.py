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


def test_channel_credentials_are_stored_encrypted_and_rotate(db, settings):
    from django.core.management import call_command
    from django.db import connection

    from outlier.core.models import Workspace
    from outlier.publishing.models import Channel

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    workspace = Workspace.objects.create(name="W", slug="w")
    channel = Channel.objects.create(workspace=workspace, network="webhook", name="Hook",
                                     credentials={"secret": "hunter2"})  # fmt: skip

    def stored() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT credentials FROM publishing_channel WHERE id = %s", [channel.pk])
            return str(cursor.fetchone()[0])

    assert "hunter2" not in stored()
    settings.ENCRYPTION_KEYS = [new, old]
    call_command("rotate_keys")
    settings.ENCRYPTION_KEYS = [new]
    assert Channel.objects.get(pk=channel.pk).credentials == {"secret": "hunter2"}
    assert "hunter2" not in stored()
