"""The WSGI application: Django, with tracked-link redirects (`/l/<code>`) answered in front of
it by `outlier.links.redirect.LinkRedirects`, before any middleware (see that module)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outlier.settings")
django_application = get_wsgi_application()

from outlier.links.redirect import LinkRedirects  # noqa: E402 (needs Django set up)

application = LinkRedirects(django_application)

# Everything loaded so far lives as long as the process: keep it out of the collector's way. A
# full collection over Django's ~74,000 objects takes about 40 ms on this machine class, and the
# clicks waiting in the buffer make them frequent; frozen, it takes well under 1 ms.
gc.collect()
gc.freeze()
