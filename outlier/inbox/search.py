"""Full-text search of the inbox: SQLite FTS5 or PostgreSQL's full text (migration 0003).

Words a person types are searched as words (all of them, the last also as a prefix, so
results come while typing); quotes, operators and other syntax of either engine are taken as
plain characters, never as query syntax.
"""

from __future__ import annotations

import regex
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from outlier.inbox.models import Interaction

MAX_WORDS = 12
_WORD = regex.compile(r"[\p{L}\p{N}_]+")
POSTGRES_DOCUMENT = (
    "to_tsvector('simple'::regconfig, coalesce(inbox_interaction.text, '') || ' ' || "
    "inbox_interaction.author_handle || ' ' || inbox_interaction.author_name)"
)


def words(query: str) -> list[str]:
    return _WORD.findall(query.casefold())[:MAX_WORDS]


def matching(rows: QuerySet[Interaction], query: str) -> QuerySet[Interaction]:
    """`rows` whose text or author has every word of `query`; all rows for no words."""
    found = words(query)
    if not found:
        return rows
    if connection.vendor == "postgresql":
        terms = " & ".join(f"{w}:*" if i == len(found) - 1 else w for i, w in enumerate(found))
        return rows.extra(  # noqa: S610 (the terms are bound parameters; words are \w+ only)
            where=[f"{POSTGRES_DOCUMENT} @@ to_tsquery('simple'::regconfig, %s)"], params=[terms]
        )
    terms = " ".join(f'"{w}"*' if i == len(found) - 1 else f'"{w}"' for i, w in enumerate(found))
    return rows.filter(
        pk__in=RawSQL("SELECT rowid FROM inbox_search WHERE inbox_search MATCH %s", (terms,))
    )
