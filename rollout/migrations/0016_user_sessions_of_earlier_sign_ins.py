"""UserSession rows for the sessions signed in before they were recorded, so that ending a
person's sessions reads only their rows (rollout/user_sessions.py) and never every session."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def record_live_sessions(apps, schema_editor):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    UserSession = apps.get_model("rollout", "UserSession")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    users = set(User.objects.values_list("pk", flat=True))
    rows = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        user_id = SessionStore().decode(session.session_data).get(SESSION_KEY)
        if user_id and user_id.isdigit() and int(user_id) in users:
            rows.append(UserSession(user_id=int(user_id), session_key=session.session_key))
    UserSession.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0015_privacy_sessions_retention"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(record_live_sessions, migrations.RunPython.noop)]
