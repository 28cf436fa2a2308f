"""The audit log is append-only at the database too: a trigger refuses every UPDATE of
moderation_auditentry, on SQLite and on PostgreSQL, save one: the UPDATE Django issues when a
user is deleted, which sets actor_id to NULL and changes nothing else (the actor FK's
SET_NULL). DELETE stays allowed so that deleting a workspace deletes its log (the
workspace FK's CASCADE); the model and its queryset refuse deletes in Python.

Adding a column to AuditEntry means listing it in SQLITE's WHEN clause below (PostgreSQL's
check compares whole rows and needs no change)."""

from django.db import migrations

_MESSAGE = "moderation audit entries are append-only"
_COLUMNS = ["id", "workspace_id", "at", "action", "case_id", "rule_id", "label", '"before"',
            '"after"', "batch"]  # fmt: skip
_SAME = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in _COLUMNS)

SQLITE = [
    f"""CREATE TRIGGER moderation_auditentry_append_only
        BEFORE UPDATE ON moderation_auditentry
        WHEN NOT (NEW.actor_id IS NULL AND {_SAME})
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS moderation_auditentry_append_only"]
POSTGRES = [
    f"""CREATE FUNCTION moderation_auditentry_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.actor_id IS NULL
               AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END $$""",
    """CREATE TRIGGER moderation_auditentry_append_only
        BEFORE UPDATE ON moderation_auditentry
        FOR EACH ROW EXECUTE FUNCTION moderation_auditentry_append_only()""",
]
POSTGRES_UNDO = [
    "DROP TRIGGER IF EXISTS moderation_auditentry_append_only ON moderation_auditentry",
    "DROP FUNCTION IF EXISTS moderation_auditentry_append_only()",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"No append-only trigger for the {vendor} database.")
        for sql in statements[vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        ),
    ]
