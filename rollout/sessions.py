"""Django's database sessions (SESSION_ENGINE), read with one hand-written statement.

Every signed-in request reads its session first. Through the ORM (`Session.objects.get(...)`)
building that query takes longer than PostgreSQL takes to answer it; the statement below is the
same query. Writing, expiring and deleting sessions are Django's own.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "
                f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's: a missing or expired session starts afresh
            return None
        return model(session_key=self.session_key, session_data=row[0])
