"""The WSGI application: Django, with tracked-link redirects (`/l/<code>`) answered in front of
it by `outlier.links.redirect.LinkRedirects`, before any middleware (see that module)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outlier.settings")
django_application = get_wsgi_application()

from outlier.links.redirect import LinkRedirects  # noqa: E402 (needs Django set up)

application = LinkRedirects(django_application)

# What the first request would load (the URLconf and every view module, ~80,000 objects) is
# loaded now, and everything so far, which lives as long as the process, is kept out of the
# collector's way: a full collection over Django's ~157,000 objects took 116 ms on this machine
# class (busy), and the clicks waiting in the buffer make full collections frequent; frozen, one
# takes a few microseconds.
get_resolver().url_patterns  # noqa: B018 (imports the views)
gc.collect()
gc.freeze()
