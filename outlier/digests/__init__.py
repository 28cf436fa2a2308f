"""E-mail digests of a topic: visitors subscribe by e-mail and get, daily or weekly at an hour of
their own time zone, the topic's scoops published since their last digest.

The life of a subscriber (`models.Subscription`):

- subscribing (`actions.do_subscribe`, from the public form) stores the address, its schedule
  and "a confirmation is wanted"; the answer is the same whether or not the address was
  already there. The worker then draws a confirmation token, stores only its hash, and mails
  the signed link (`sending.send_confirmations`): the request itself sends nothing, so its
  timing tells nothing either;
- confirming (a POST from the link's page: mail scanners that GET links confirm nothing) makes
  the subscription active, due at its next local slot (`schedule.next_send`); a subscription
  never confirmed is deleted after `CONFIRM_DAYS` (`sending.sweep`);
- at each slot the worker makes that subscriber's digest of the scoops published since the
  last one (first digest: since confirming); none new, no e-mail, the schedule moves on;
- unsubscribing (`List-Unsubscribe` one-click POST, RFC 8058, or the page the body links to)
  stops it; the row stays, unsubscribed, so the link keeps answering.

Why a digest is a row of its own (`models.DigestSend`) and not a publishing `Delivery`: a
Delivery is one post to one channel, and the e-mail channel sends the same message to a
fixed list of recipients. A digest is a different message for each subscriber (what is new
since *their* last one), addressed to people who are no members and no channel's config.
Making it a Delivery would take a Post and a Channel per subscriber and digest, which would
fill the calendar, the post list and the reports with rows nobody composed. So the digest has
its own row, which follows the delivery engine's discipline point by point: claimed under a
lease with row locks (`core.leases`: SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL), made once
per subscriber and slot (a unique constraint), `sending` committed *before* the SMTP call,
the outcome after; one Message-ID per digest, the same on every attempt; the e-mail transport
and the reading of SMTP failures are the e-mail network's (`outlier.networks.email`).

What exactly-once can and cannot promise, said plainly: a digest whose send was cut off after
the message was handed to the server (a timeout or a broken connection after the final ".",
or a worker that died while sending) becomes `unconfirmed` and is never sent again: the
subscriber may have it, or may miss that one digest; the next digest starts after it either
way. A deferral (4xx) is retried later with backoff; a refusal for good (5xx) of the address
counts towards `BOUNCE_LIMIT`, after which the subscriber is marked bouncing and gets nothing
more.

Every link to an article in a digest is the scoop's tracked link for e-mail (`tracking`),
attributed to the scoop and its topic in the reports; links inside a curator's insight are
shown as text. A scoop whose tracking is turned off links to the article itself, as on the
topic page. The confirmation and unsubscribe links are not tracked.
"""
