"""The authentication backend: Django's ModelBackend, with the signed-in user of every request
read by one hand-written statement (rollout/rows.py) instead of the ORM's `get(pk=...)`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection

from . import rows


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        """As Django's: the user with this id, if they may sign in (active), else None."""
        model = get_user_model()
        fields, selected = rows.columns(model, "u")
        quote = connection.ops.quote_name
        table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {selected} FROM {table} u WHERE u.{key} = %s", [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = rows.instance(model, fields, row)
        return user if self.user_can_authenticate(user) else None
