"""Re-encrypt every stored secret with the newest key of ROLLOUT_ENCRYPTION_KEYS.

Put a new key first in ROLLOUT_ENCRYPTION_KEYS (keep the old ones after it), restart, run this,
then remove the old keys (docs/operations.md, "Encryption keys"). Safe to run again.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from rollout import secrets


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the newest key in ROLLOUT_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model, names in secrets.encrypted_fields():
            for name in names:
                total += self.rotate_column(model, name)
        self.stdout.write(f"Re-encrypted {total} stored secret(s) with the newest key.")

    def rotate_column(self, model, name):
        # The stored tokens themselves (Cast skips the field's decryption), rotated one row at a
        # time inside one transaction: either every secret moves to the newest key or none does.
        count = 0
        with transaction.atomic():
            rows = model._base_manager.select_for_update().annotate(stored=Cast(name, TextField()))
            for pk, token in rows.exclude(**{name: ""}).values_list("pk", "stored"):
                rotated = Value(secrets.rotate(token), output_field=TextField())
                model._base_manager.filter(pk=pk).update(**{name: rotated})
                count += 1
        return count
