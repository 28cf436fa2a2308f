"""What the contact list needs at 100,000 contacts (bench/contacts.py):

- the search (`queries.contacts` with `q`: a contact's name, or an identity's handle or name,
  containing the text) through trigram indexes: SQLite's FTS5 with the trigram tokenizer
  (SQLite 3.34 or later; external-content indexes kept by triggers, as the inbox's search), or
  PostgreSQL's pg_trgm GIN indexes on the `upper(...)` expressions Django's `icontains` compares;
- "follows you": the identities that follow us, by contact (a partial index), so the count of
  the list probes a small index instead of every contact's identities;
- "going cold": the starred contacts by strength (a partial index).

The two partial indexes are model indexes: `identity_follows_you` of Identity, `contact_starred`
of Contact.
"""

from django.db import migrations, models

SQLITE = [
    """CREATE VIRTUAL TABLE relationships_contact_search USING fts5(
        name, content='relationships_contact', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER relationships_contact_search_insert AFTER INSERT ON relationships_contact
    BEGIN
        INSERT INTO relationships_contact_search(rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER relationships_contact_search_delete AFTER DELETE ON relationships_contact
    BEGIN
        INSERT INTO relationships_contact_search(relationships_contact_search, rowid, name)
        VALUES ('delete', old.id, old.name);
    END""",
    """CREATE TRIGGER relationships_contact_search_update AFTER UPDATE OF name
        ON relationships_contact BEGIN
        INSERT INTO relationships_contact_search(relationships_contact_search, rowid, name)
        VALUES ('delete', old.id, old.name);
        INSERT INTO relationships_contact_search(rowid, name) VALUES (new.id, new.name);
    END""",
    "INSERT INTO relationships_contact_search(relationships_contact_search) VALUES ('rebuild')",
    """CREATE VIRTUAL TABLE relationships_identity_search USING fts5(
        handle, name, content='relationships_identity', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER relationships_identity_search_insert AFTER INSERT ON relationships_identity
    BEGIN
        INSERT INTO relationships_identity_search(rowid, handle, name)
        VALUES (new.id, new.handle, new.name);
    END""",
    """CREATE TRIGGER relationships_identity_search_delete AFTER DELETE ON relationships_identity
    BEGIN
        INSERT INTO relationships_identity_search(relationships_identity_search, rowid, handle,
                                                  name)
        VALUES ('delete', old.id, old.handle, old.name);
    END""",
    """CREATE TRIGGER relationships_identity_search_update AFTER UPDATE OF handle, name
        ON relationships_identity BEGIN
        INSERT INTO relationships_identity_search(relationships_identity_search, rowid, handle,
                                                  name)
        VALUES ('delete', old.id, old.handle, old.name);
        INSERT INTO relationships_identity_search(rowid, handle, name)
        VALUES (new.id, new.handle, new.name);
    END""",
    "INSERT INTO relationships_identity_search(relationships_identity_search) VALUES ('rebuild')",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS relationships_contact_search_insert",
    "DROP TRIGGER IF EXISTS relationships_contact_search_delete",
    "DROP TRIGGER IF EXISTS relationships_contact_search_update",
    "DROP TABLE IF EXISTS relationships_contact_search",
    "DROP TRIGGER IF EXISTS relationships_identity_search_insert",
    "DROP TRIGGER IF EXISTS relationships_identity_search_delete",
    "DROP TRIGGER IF EXISTS relationships_identity_search_update",
    "DROP TABLE IF EXISTS relationships_identity_search",
]
# pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner may
# create it. Left in place when undone: something else may use it.
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX contact_search_name ON relationships_contact
        USING gin ((UPPER(name::text)) gin_trgm_ops)""",
    """CREATE INDEX identity_search_handle ON relationships_identity
        USING gin ((UPPER(handle::text)) gin_trgm_ops)""",
    """CREATE INDEX identity_search_name ON relationships_identity
        USING gin ((UPPER(name::text)) gin_trgm_ops)""",
]
POSTGRES_UNDO = [
    "DROP INDEX IF EXISTS contact_search_name",
    "DROP INDEX IF EXISTS identity_search_handle",
    "DROP INDEX IF EXISTS identity_search_name",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("relationships", "0005_streams")]

    operations = [
        migrations.AddIndex(
            model_name="identity",
            index=models.Index(
                fields=["contact"],
                condition=models.Q(follows_you=True),
                name="identity_follows_you",
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["workspace", "-rank"],
                condition=models.Q(starred=True),
                name="contact_starred",
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        ),
    ]
