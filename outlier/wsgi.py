"""The WSGI application: Django, with tracked-link redirects (`/l/<code>`) answered in front of
it by `outlier.links.redirect.LinkRedirects`, before any middleware (see that module)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outlier.settings")
django_application = get_wsgi_application()

from outlier.links.redirect import LinkRedirects  # noqa: E402 (needs Django set up)

application = LinkRedirects(django_application)
