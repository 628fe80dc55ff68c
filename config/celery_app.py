"""The Celery application. Workers start it with `celery -A config worker`."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rollout")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def beat_once_on_start(sender, **kwargs):
    # Beat's first heartbeat comes a minute after it starts; send one now so /healthz
    # turns green as soon as a worker is up.
    sender.app.send_task("rollout.tasks.heartbeat")
