"""Background entry points of curation. Each takes ids and is safe to run twice."""

from __future__ import annotations

import logging

from django_tasks import task

from outlier.core import safe_http
from outlier.curation import actions
from outlier.curation.extract import Article, ExtractionError, extract_article
from outlier.curation.models import Scoop, ScoopState

logger = logging.getLogger(__name__)

HTML_TYPES = {"text/html", "application/xhtml+xml"}


def read_article(url: str) -> Article:
    """The article at `url`, fetched through the safe client and extracted. Raises FetchError
    or ExtractionError with a sentence for the curator."""
    response = safe_http.fetch(url, accept="text/html,application/xhtml+xml;q=0.9")
    if not response.ok:
        raise safe_http.FetchError(f"The site answered HTTP {response.status}.")
    if response.content_type not in HTML_TYPES:
        kind = response.content_type or "no content type"
        raise safe_http.FetchError(f"The address is not a web page ({kind}).")
    return extract_article(response.body, response.url, response.charset)


@task()
def fetch_scoop(scoop_id: int) -> str:
    """Fetch a scoop's page through the safe client and fill it, or record why not."""
    scoop = Scoop.objects.filter(pk=scoop_id).only("url", "state").first()
    if scoop is None or scoop.state != ScoopState.FETCHING:
        return "skipped"
    try:
        article = read_article(scoop.url)
    except (safe_http.FetchError, ExtractionError) as exc:
        actions.do_fail_fetch(scoop_id, str(exc))
        return "failed"
    except Exception:
        logger.exception("Reading scoop %s failed", scoop_id)
        actions.do_fail_fetch(
            scoop_id, "The page could not be read (an internal error was logged)."
        )
        return "failed"
    actions.do_fill_scoop(scoop_id, article)
    return "filled"
