from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from outlier.core.crypto import DecryptionError, EncryptedJSONField, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of OUTLIER_ENCRYPTION_KEYS, "
        "so that older keys can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        quote = connection.ops.quote_name
        with transaction.atomic():
            for model in apps.get_models():
                for field in model._meta.get_fields():
                    if not isinstance(field, EncryptedJSONField):
                        continue
                    table, column = quote(model._meta.db_table), quote(field.column)
                    pk = quote(model._meta.pk.column)  # type: ignore[union-attr]
                    with connection.cursor() as cursor:
                        # Raw SQL: the ciphertext itself, not the field's decrypted value.
                        cursor.execute(f"SELECT {pk}, {column} FROM {table}")  # noqa: S608
                        rows = [(key, value) for key, value in cursor.fetchall() if value]
                        for key, value in rows:
                            try:
                                fresh = rotate(value)
                            except DecryptionError as exc:
                                raise CommandError(f"{model.__name__} {key}: {exc}") from exc
                            cursor.execute(
                                f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                                [fresh, key],
                            )
                            total += 1
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {total} secret(s) with the current key.")
        )
