"""Full-text search over the inbox: SQLite's FTS5 (an external-content index kept by triggers)
or PostgreSQL's full text (a GIN index on the same expression `outlier.inbox.search` queries).
The 'simple' configuration and unicode61 tokenizer: the inbox speaks every language, so words
are not stemmed for one."""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE inbox_search USING fts5(
        text, author_handle, author_name,
        content='inbox_interaction', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER inbox_search_insert AFTER INSERT ON inbox_interaction BEGIN
        INSERT INTO inbox_search(rowid, text, author_handle, author_name)
        VALUES (new.id, new.text, new.author_handle, new.author_name);
    END""",
    """CREATE TRIGGER inbox_search_delete AFTER DELETE ON inbox_interaction BEGIN
        INSERT INTO inbox_search(inbox_search, rowid, text, author_handle, author_name)
        VALUES ('delete', old.id, old.text, old.author_handle, old.author_name);
    END""",
    """CREATE TRIGGER inbox_search_update AFTER UPDATE OF text, author_handle, author_name
        ON inbox_interaction BEGIN
        INSERT INTO inbox_search(inbox_search, rowid, text, author_handle, author_name)
        VALUES ('delete', old.id, old.text, old.author_handle, old.author_name);
        INSERT INTO inbox_search(rowid, text, author_handle, author_name)
        VALUES (new.id, new.text, new.author_handle, new.author_name);
    END""",
    "INSERT INTO inbox_search(inbox_search) VALUES ('rebuild')",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS inbox_search_insert",
    "DROP TRIGGER IF EXISTS inbox_search_delete",
    "DROP TRIGGER IF EXISTS inbox_search_update",
    "DROP TABLE IF EXISTS inbox_search",
]
POSTGRES = [
    """CREATE INDEX inbox_search ON inbox_interaction USING gin (to_tsvector('simple'::regconfig,
        coalesce(text, '') || ' ' || author_handle || ' ' || author_name))""",
]
POSTGRES_UNDO = ["DROP INDEX IF EXISTS inbox_search"]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("inbox", "0002_work_items")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        ),
    ]
