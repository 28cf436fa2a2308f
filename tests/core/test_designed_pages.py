"""Account pages (password reset, invitations, password change) and error pages (403, 404,
500, a refused form) are in Outlier's own design, never the Django admin's or Django's bare
pages, with DEBUG off as in production."""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from outlier.core.models import Role, User
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def tree(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def words(node) -> str:
    return " ".join(node.text_content().split())


def assert_outlier_design(response) -> lxml.html.HtmlElement:
    """The project's base page: its style sheet and header, nothing of the admin's."""
    html = response.content.decode()
    assert "Django administration" not in html and "admin/css" not in html
    page = tree(response)
    assert page.xpath("//link[@rel='stylesheet']/@href") == ["/static/core/app.css"]
    assert page.xpath("//header[@class='top']/a[@class='brand']/text()") == ["Outlier"]
    return page


def reset_link(message) -> str:
    found = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


# --- password reset and invitations -----------------------------------------------------------


def test_the_password_reset_pages_are_outliers(team):
    User.objects.filter(email="viewer@acme.test").update(last_login="2030-01-01T00:00Z")
    client = Client()
    form = assert_outlier_design(client.get("/accounts/password/reset/"))
    assert words(form.xpath("//h1")[0]) == "Reset your password"
    sent = client.post("/accounts/password/reset/", {"email": "viewer@acme.test"}, follow=True)
    assert words(assert_outlier_design(sent).xpath("//h1")[0]) == "Check your e-mail"

    (message,) = mail.outbox
    assert message.subject == "Reset your Outlier password"
    assert message.body.startswith("Someone asked to reset the password of your Outlier account")

    choose = client.get(reset_link(message), follow=True)
    page = assert_outlier_design(choose)
    assert words(page.xpath("//h1")[0]) == "Choose a new password"
    new = "a new long passphrase 42"
    done = client.post(choose.redirect_chain[-1][0],
                       {"new_password1": new, "new_password2": new}, follow=True)  # fmt: skip
    assert words(assert_outlier_design(done).xpath("//h1")[0]) == "Your password is set"
    assert done.redirect_chain[-1][0] == "/accounts/password/reset/complete/"


def test_an_unknown_address_gets_the_same_answer_and_no_mail(team):
    sent = Client().post("/accounts/password/reset/", {"email": "nobody@acme.test"}, follow=True)
    assert words(assert_outlier_design(sent).xpath("//h1")[0]) == "Check your e-mail"
    assert mail.outbox == []


def test_a_bad_address_is_refused_beside_the_field(team):
    page = assert_outlier_design(Client().post("/accounts/password/reset/", {"email": "not mail"}))
    assert [words(e) for e in page.xpath("//*[@class='error']")] == ["Enter a valid email address."]
    assert mail.outbox == []


def test_an_invitation_opens_a_welcome_in_outliers_design(team):
    owner = team.client(team.owner)
    owner.post("/app/acme/members/", {"email": "new@acme.test", "role": Role.EDITOR})
    (message,) = mail.outbox
    client = Client()
    choose = client.get(reset_link(message), follow=True)
    page = assert_outlier_design(choose)
    assert words(page.xpath("//h1")[0]) == "Welcome to Outlier"
    assert "new@acme.test" in words(page.xpath("//main")[0])

    # Two different passwords: refused in the page, nothing set.
    refused = client.post(choose.redirect_chain[-1][0],
                          {"new_password1": "a long passphrase 1", "new_password2": "other one 2"})  # fmt: skip
    page = assert_outlier_design(refused)
    assert "The two password fields didn’t match." in words(page.xpath("//main")[0])
    assert not User.objects.get(email="new@acme.test").check_password("a long passphrase 1")

    new = "my own long passphrase 9"
    client.post(choose.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert client.post("/accounts/login/", {"username": "new@acme.test", "password": new}
                       ).status_code == 302  # fmt: skip


def test_a_used_or_forged_link_says_it_expired(team):
    page = assert_outlier_design(Client().get("/accounts/password/reset/MQ/forged-token/"))
    assert words(page.xpath("//h1")[0]) == "This link has expired"
    assert page.xpath("//main//a[@href='/accounts/password/reset/']")


def test_the_password_change_pages_are_outliers(team):
    client = team.client(team.viewer)
    assert_outlier_design(client.get("/accounts/password/change/"))
    wrong = client.post("/accounts/password/change/", {
        "old_password": "not it", "new_password1": "x long pass 12", "new_password2": "x long pass 12"})  # fmt: skip
    assert "Your old password was entered incorrectly" in words(assert_outlier_design(wrong))
    new = "another long passphrase 7"
    done = client.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True)  # fmt: skip
    assert words(assert_outlier_design(done).xpath("//h1")[0]) == "Password changed"


# --- error pages -----------------------------------------------------------------------------


def test_an_unknown_address_is_a_designed_404(db):
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    page = assert_outlier_design(response)
    assert words(page.xpath("//h1")[0]) == "Page not found"
    assert "/no/such/page/" in words(page.xpath("//main")[0])
    assert "Resolver404" not in response.content.decode()
    # A visitor is sent to the public home page, or to log in.
    assert page.xpath("//main//a/@href") == ["/", "/accounts/login/"]


def test_a_404_says_what_is_missing_and_links_a_member_home(team):
    response = team.client(team.editor).get("/app/acme/posts/999999/")
    assert response.status_code == 404
    page = assert_outlier_design(response)
    main = words(page.xpath("//main")[0])
    assert "No such post in this workspace." in main
    assert page.xpath("//main//a[@href='/app/']/text()") == ["Back to your workspaces"]
    # Another workspace is missing too (its existence does not leak), in the same page.
    other = team.client(team.editor).get("/app/rival/calendar/")
    assert other.status_code == 404 and "No such workspace." in words(tree(other))


def test_a_404_escapes_the_address_it_shows(db):
    response = Client().get("/t/<script>alert(1)</script>/")
    assert response.status_code == 404
    assert "<script>alert(1)" not in response.content.decode()
    assert_outlier_design(response)


def test_a_refused_role_is_a_designed_403_with_the_reason(team):
    response = team.client(team.viewer).get("/app/acme/approvals/")
    assert response.status_code == 403
    page = assert_outlier_design(response)
    assert words(page.xpath("//h1")[0]) == "You cannot open this page"
    main = words(page.xpath("//main")[0])
    assert "needs the editor role or higher" in main
    assert "You are logged in as viewer@acme.test" in main
    assert page.xpath("//main//a[@href='/app/']")


def test_a_form_sent_without_its_token_is_a_designed_403(team):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": "editor@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 403
    page = assert_outlier_design(response)
    assert words(page.xpath("//h1")[0]) == "This form could not be sent"
    assert "Nothing was changed." in words(page.xpath("//main")[0])


def test_the_500_page_needs_no_context(db):
    response = server_error(RequestFactory().get("/boom/"))
    assert response.status_code == 500
    page = assert_outlier_design(response)
    assert words(page.xpath("//h1")[0]) == "Something went wrong"
    assert page.xpath("//main//a/@href") == ["/app/", "/"]
