"""Helpers of the failure drills (tests/test_failure_drills.py): a private Redis server that a test
may stop and start, the Celery app pointed at it, a worker process that a test may SIGKILL, and a
large activity file."""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from config.celery_app import app
from engage.importers import generic

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds=30, step=0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


class RedisServer:
    """A redis-server of the test's own on a free port, with no persistence: stopping it (SIGKILL)
    loses everything, as a crashed or restarted Redis without AOF does."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    @staticmethod
    def available():
        return shutil.which("redis-server") is not None

    def start(self):
        # Same port every time: clients reconnect to the address they know.
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            + [
                "--dir",
                str(self.folder),
                "--loglevel",
                "warning",
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert wait_for(self.ping, 10), f"redis-server did not start on port {self.port}"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def client(self):
        return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)

    def ping(self):
        try:
            return self.client().ping()
        except redis.RedisError:
            return False


def broker_transport_options():
    """The production options of the Redis transport (with their timeouts), even where this test
    run has no REDIS_URL and the app is configured for the filesystem transport."""
    if settings.REDIS_URL:
        return dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    return {"visibility_timeout": 3600, **settings.REDIS_TIMEOUTS}


@contextmanager
def use_broker(url):
    """Point the Celery app (publishers, and workers started inside) at the broker `url`."""
    saved = app.conf.broker_url, app.conf.broker_transport_options, app._pool, app.amqp._producer_pool
    app._pool = app.amqp._producer_pool = None
    app.conf.broker_url, app.conf.broker_transport_options = url, broker_transport_options()
    try:
        yield
    finally:
        for pool in (app.amqp._producer_pool, app._pool):
            if pool is not None:
                pool.force_close_all(close_pool=False)
        app.conf.broker_url, app.conf.broker_transport_options, app._pool, app.amqp._producer_pool = saved


def redis_cache(url):
    """settings.CACHES for the production cache backend on `url` (no key prefix, as a worker has)."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": dict(settings.REDIS_CACHE_OPTIONS),
        }
    }


def database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class WorkerProcess:
    """`celery -A config worker` in a process group of its own, on the test database and the
    given Redis, with production settings (not the test settings)."""

    def __init__(self, redis_url, var_dir, **env):
        self.log = Path(var_dir) / f"worker-{time.monotonic_ns()}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "worker-drill-secret-key-" + "x" * 40,
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "ROLLOUT_VAR_DIR": str(var_dir),
            "DJANGO_DEBUG": "0",
            **env,
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1"]
                + ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT,
                env=environment,
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self):
        """SIGKILL the whole process group: the worker and its pool child die at once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def write_activity_file(path, people, days=1):
    """Rollout's activity template: `people` distinct people for each of `days` days, one row each.
    Returns the file's SHA-256."""
    digest = hashlib.sha256()
    start = date(2026, 5, 1)
    with open(path, "wb") as out:
        lines = [generic.HEADER.encode() + b"\r\n"]
        for day in range(days):
            when = (start + timedelta(days=day)).isoformat()
            lines.extend(
                f"p{n}@drill.example,,,{when},1,{n % 3},{n % 2},{n % 7},{day % 2}\r\n".encode()
                for n in range(people)
            )
        for line in lines:
            out.write(line)
            digest.update(line)
    return digest.hexdigest()
