"""A private key never shows in a repr (a log line, a traceback's locals, a debugger)."""

from __future__ import annotations

from outlier.federation import dispatch
from outlier.networks.activitypub.http_signatures import generate_key_pair
from outlier.networks.activitypub.remote import Signer


def test_reprs_leave_the_private_key_out() -> None:
    private_pem, _ = generate_key_pair()
    assert "PRIVATE KEY" in private_pem
    signer = Signer("https://outlier.example/ap/actor#main-key", private_pem)
    job = dispatch._Job(1, "https://peer.example/inbox", b"{}", signer.key_id, private_pem)
    for value in (signer, job):
        assert "PRIVATE KEY" not in repr(value)
        assert "PRIVATE KEY" not in str(value)
    assert signer.key_id in repr(signer) and "peer.example/inbox" in repr(job)
    assert job.private_key_pem == signer.private_key_pem == private_pem
