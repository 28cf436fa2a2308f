from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from outlier import __version__


def outlier(request: HttpRequest) -> dict[str, Any]:
    return {"OUTLIER_VERSION": __version__, "BASE_URL": settings.BASE_URL}
