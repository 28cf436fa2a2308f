"""What an SMTP failure means for a delivery.

Each recipient gets a message of their own (see `outlier.networks.email.adapter`), so the
table below is about one message; the adapter adds up what became of each (`per_recipient`,
`refused_everyone`).

what happened                                               kind       unknown_outcome
SMTPAuthenticationError, a 530/534/535/538 reply,           AUTH       no
  no usable AUTH at login
every recipient refused (SMTPRecipientsRefused)             TRANSIENT if all replies
                                                            are 4xx, else PERMANENT; no
any other reply code: 4xx                                   TRANSIENT  no (it answered)
any other reply code: 5xx                                   PERMANENT  no
refused connection, DNS failure, timeout or disconnect      TRANSIENT  no
  before the whole message was sent
timeout or disconnect after the whole message and its       TRANSIENT  yes
  final "." were sent (`Phase.SENT`)
certificate not verified, forbidden (private) host,         PERMANENT  no
  STARTTLS or another needed extension missing
any failure of a non-SMTP backend (no phase known)          TRANSIENT  yes
"""

from __future__ import annotations

import smtplib
import socket
import ssl

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.email.transport import ForbiddenHost, Phase

__all__ = ["AUTH_CODES", "classify", "per_recipient", "refused_everyone"]

AUTH_CODES = frozenset({530, 534, 535, 538})  # RFC 4954: authentication needed or refused
_MAY_HAVE_ARRIVED = " The message may have been delivered all the same."


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    said = " ".join(said.split())
    return f"{code} {said}".strip()


def _kind(code: int) -> ErrorKind:
    if code in AUTH_CODES:
        return ErrorKind.AUTH
    if 400 <= code < 500:
        return ErrorKind.TRANSIENT
    return ErrorKind.PERMANENT if 500 <= code < 600 else ErrorKind.TRANSIENT


def per_recipient(exc: BaseException, address: str) -> tuple[int, str] | None:
    """The reply that refused one recipient's message, when it concerns that recipient alone:
    RCPT TO refused, or the message refused after DATA (a full mailbox, a filter). None for
    anything else (the connection, the login, the sender), which stops the whole round."""
    code: int
    text: bytes | str
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = exc.recipients
        found = replies.get(address) or next(iter(replies.values()), None)
        if found is None:
            return None
        code, text = found
    elif isinstance(exc, smtplib.SMTPDataError):
        code, text = exc.smtp_code, exc.smtp_error
    else:
        return None
    if code in AUTH_CODES:
        return None  # the server wants a login: nobody can be reached
    return code, _reply(code, text)


def refused_everyone(replies: dict[str, tuple[int, str]]) -> PublishError:
    """Every recipient was refused (`per_recipient` replies): TRANSIENT when all were only
    deferred (4xx), else PERMANENT."""
    listing = "; ".join(f"{address} ({said})" for address, (_, said) in replies.items())
    codes = [code for code, _ in replies.values()]
    kind = ErrorKind.TRANSIENT if all(400 <= c < 500 for c in codes) else ErrorKind.PERMANENT
    return PublishError(f"The mail server refused every recipient: {listing}.", kind)


def _refused_recipients(exc: smtplib.SMTPRecipientsRefused) -> PublishError:
    replies = exc.recipients
    listing = "; ".join(
        f"{address} ({_reply(code, text)})" for address, (code, text) in replies.items()
    )
    codes = [code for code, _ in replies.values()]
    if any(code in AUTH_CODES for code in codes):
        kind = ErrorKind.AUTH
    elif codes and all(400 <= code < 500 for code in codes):
        kind = ErrorKind.TRANSIENT
    else:
        kind = ErrorKind.PERMANENT
    return PublishError(f"The mail server refused every recipient: {listing}.", kind)


def _response(exc: smtplib.SMTPResponseException, phase: Phase | None) -> PublishError:
    reply = _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        what = f"refused the sender address {exc.sender}"
    elif isinstance(exc, smtplib.SMTPDataError):
        what = "refused the message"
    elif isinstance(exc, smtplib.SMTPConnectError):
        what = "refused the connection"
    elif isinstance(exc, smtplib.SMTPHeloError):
        what = "refused Outlier's greeting"
    elif phase is Phase.LOGIN:
        what = "refused the login"
    else:
        what = "answered"
    return PublishError(f"The mail server {what}: {reply}.", _kind(exc.smtp_code))


def classify(exc: BaseException, phase: Phase | None) -> PublishError:
    """The PublishError for `exc`, raised while a message was at `phase` (None: not SMTP)."""
    if phase is None:
        return PublishError(
            f"Sending the e-mail failed: {exc}." + _MAY_HAVE_ARRIVED,
            ErrorKind.TRANSIENT,
            unknown_outcome=True,
        )
    sent = phase is Phase.SENT
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return PublishError(
            f"The mail server refused the user name or password: "
            f"{_reply(exc.smtp_code, exc.smtp_error)}.",
            ErrorKind.AUTH,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _refused_recipients(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _response(exc, phase)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        kind = ErrorKind.AUTH if phase is Phase.LOGIN else ErrorKind.PERMANENT
        return PublishError(f"The mail server cannot do what is needed: {exc}", kind)
    if isinstance(exc, ForbiddenHost):
        return PublishError(f"{exc}.", ErrorKind.PERMANENT)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PublishError(
            f"The mail server's certificate could not be verified ({exc.verify_message}).",
            ErrorKind.PERMANENT,
        )
    if isinstance(exc, socket.gaierror):
        return PublishError(f"{str(exc).rstrip('.')}.", ErrorKind.TRANSIENT)
    if isinstance(exc, smtplib.SMTPServerDisconnected | TimeoutError | ConnectionError):
        if sent:
            return PublishError(
                "The connection to the mail server broke off after the message was sent, "
                f"before the server confirmed it ({exc})." + _MAY_HAVE_ARRIVED,
                ErrorKind.TRANSIENT,
                unknown_outcome=True,
            )
        where = "connecting to" if phase in (Phase.CONNECT, Phase.STARTTLS) else "talking to"
        return PublishError(
            f"The connection broke off while {where} the mail server ({exc}).",
            ErrorKind.TRANSIENT,
        )
    if isinstance(exc, smtplib.SMTPException) and phase is Phase.LOGIN:
        return PublishError(f"The mail server offers no usable login ({exc}).", ErrorKind.AUTH)
    if isinstance(exc, OSError):
        return PublishError(
            f"The mail server could not be reached or stopped answering ({exc})."
            + (_MAY_HAVE_ARRIVED if sent else ""),
            ErrorKind.TRANSIENT,
            unknown_outcome=sent,
        )
    return PublishError(
        f"Sending the e-mail failed: {exc}." + (_MAY_HAVE_ARRIVED if sent else ""),
        ErrorKind.TRANSIENT,
        unknown_outcome=sent,
    )
