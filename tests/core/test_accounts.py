"""Logging in and out, passwords, the first owner, rate-limited attempts."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from outlier.core import setup_link
from outlier.core.models import Membership, Role, User
from tests.conftest import PASSWORD


def test_log_in_and_out(team):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "editor@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/app/", follow=True).redirect_chain[-1][0] == "/app/acme/"
    client.post("/accounts/logout/")
    assert client.get("/app/acme/").status_code == 302


def test_passwords_are_hashed_with_argon2_in_production():
    from outlier import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_repeated_failures_lock_the_login(team, settings):
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        response = client.post(
            "/accounts/login/", {"username": "editor@acme.test", "password": "no"}
        )
        assert (
            b"correct email" in response.content.lower()
            or b"enter a correct" in response.content.lower()
        )
    locked = client.post("/accounts/login/", {"username": "editor@acme.test", "password": PASSWORD})
    assert locked.status_code == 200
    assert b"Too many failed attempts" in locked.content
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(team):
    client = Client()
    client.post("/accounts/password/reset/", {"email": "viewer@acme.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", mail.outbox[0].body)
    assert link
    path = link.group(0).split("testserver", 1)[1]
    form = client.get(path, follow=True)
    new = "a new long passphrase 42"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert User.objects.get(email="viewer@acme.test").check_password(new)


def test_password_change(team):
    client = team.client(team.viewer)
    new = "another long passphrase 7"
    response = client.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})  # fmt: skip
    assert response.status_code == 302
    assert User.objects.get(email="viewer@acme.test").check_password(new)


def test_bootstrap_creates_the_first_owner_from_env(db, monkeypatch):
    monkeypatch.setenv("OUTLIER_ADMIN_EMAIL", "Boss@Example.org")
    monkeypatch.setenv("OUTLIER_ADMIN_PASSWORD", "a strong admin passphrase")
    call_command("bootstrap")
    user = User.objects.get()
    assert user.email == "boss@example.org" and user.is_superuser
    assert Membership.objects.get(user=user).role == Role.OWNER
    call_command("bootstrap")  # safe to re-run
    assert User.objects.count() == 1


def test_bootstrap_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("OUTLIER_ADMIN_EMAIL", "boss@example.org")
    monkeypatch.setenv("OUTLIER_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("bootstrap")
    assert not User.objects.exists()


def test_the_one_time_setup_link_creates_the_owner_once(db, capsys):
    call_command("bootstrap")
    url = re.search(r"http://testserver(/setup/\S+/)", capsys.readouterr().out)
    assert url
    client = Client()
    assert client.get(url.group(1)).status_code == 200
    response = client.post(url.group(1), {"email": "me@example.org",
                                          "password": "my own passphrase", "workspace": "Studio"})  # fmt: skip
    assert response.status_code == 302
    assert User.objects.get().email == "me@example.org"
    assert Client().get(url.group(1)).status_code == 404
    assert not setup_link.is_valid("forged-token")
