"""Load: a mixed load on gunicorn (2 workers, bench settings) under wrk, with a real Celery worker
beside it, and the baseline view at the same concurrency for the same time.

The mixed load is what a working day looks like: page views of the six pages of bench/pages.py,
each by a session of the role that opens it (leader, manager, champion), and one request in ten a
write, rotating over three kinds:

- a support session logged by the champion (the champion's "log a session" form, each POST with a
  fresh idempotency token);
- a worksheet section ("Operating model") saved by the manager, with its current values; the bench
  rollout's worksheet is signed off (locked), so this is the draft worksheet of a rollout of the
  organization still in planning, as a manager edits a strategy before sign-off;
- a question marked answered by the champion, each once, from the rollout's open questions read
  before the run (topped up with new open questions, copies of its latest ones, when the rollout
  has fewer left than twice the warm-up's rate would use; a wrk thread that runs out logs a session
  instead, counted as `writes_sent.fallback` and in `writes_sent.session`).

Each write marks its rollout's stored figures out of date, and the Celery worker (concurrency 1, on
the default queue, purged first) recomputes them (rollout/figures.py): that work is part of what is
measured. Before the clock starts every page answers 200 for its session and each kind of write
answers 302 and really writes its row. The rows each kind added are counted from the database once
gunicorn has answered the requests still in flight when wrk stopped; `writes_sent` are the writes
wrk sent, `writes_redirected` the 302s it got back (a write refused would show as a 200 with the
form again, or as fewer rows than redirects). The baseline runs first, before the worker starts.

`results["load"]["mixed"]` has the figures of the mixed run; the flat keys of `results["load"]`
repeat them (for older readers), and `baseline_*` are the baseline run's."""

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from rollout import enterprise
from rollout.models import Role

from .digest import _wait_for_worker, free_port
from .pages import client_for, page_urls

ROOT = Path(__file__).resolve().parent.parent
REQUESTS_PER_CYCLE = 10
WRITES_PER_CYCLE = 1
WRITE_KINDS = ("session", "worksheet", "answer")
WORKER_CONCURRENCY = 1
ANSWER_URL = "https://example.com/bench-load/answer"
# wrk's Lua. Each wrk thread runs its own copy: `id` (1, 2, ...) is set by setup(). request() walks
# the descriptors; a session log gets a fresh token, a "mark answered" the thread's next question
# (threads take every nthreads-th of the list, so no question is posted twice), or a session log
# when the thread has none left. done() prints the figures as one JSON line.
SCRIPT = """
local entries = {%(entries)s}
local questions = {%(questions)s}
local nthreads = %(threads)d
local token_prefix = "%(token_prefix)s"
local fallback_entry = %(fallback)s
id = 1
sent_session, sent_worksheet, sent_answer, sent_fallback = 0, 0, 0, 0
statuses = {}
local i, answered, tokens = 0, 0, 0

local threads, created = {}, 0
setup = function(thread)
  created = created + 1
  thread:set("id", created)
  table.insert(threads, thread)
end

local function headers_of(entry)
  local headers = {["Cookie"] = entry.cookie, ["Host"] = "127.0.0.1"}
  if entry.method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-CSRFToken"] = entry.csrf
  end
  return headers
end

request = function()
  i = i %% #entries + 1
  local entry, path, body = entries[i], entries[i].path, entries[i].body
  if entry.kind == "answer" then
    local index = id + answered * nthreads
    if index <= #questions then
      answered = answered + 1
      sent_answer = sent_answer + 1
      path = string.gsub(path, "@@QUESTION@@", questions[index])
    else
      sent_fallback = sent_fallback + 1
      entry, path, body = fallback_entry, fallback_entry.path, fallback_entry.body
    end
  elseif entry.kind == "worksheet" then
    sent_worksheet = sent_worksheet + 1
  end
  if entry.kind == "session" then
    tokens = tokens + 1
    sent_session = sent_session + 1
    body = string.gsub(body, "@@TOKEN@@", string.format("%%s%%04x-%%012x", token_prefix, id, tokens))
  end
  return wrk.format(entry.method, path, headers_of(entry), body)
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local e = summary.errors
  local sent = {session = 0, worksheet = 0, answer = 0, fallback = 0}
  local counts = {}
  for _, thread in ipairs(threads) do
    for kind, _ in pairs(sent) do
      sent[kind] = sent[kind] + (thread:get("sent_" .. kind) or 0)
    end
    for status, n in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%%d": %%d', status, n))
  end
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "errors": %%d, "status_errors": %%d, ' ..
    '"socket_errors": {"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}, ' ..
    '"p50": %%f, "p95": %%f, "p99": %%f, ' ..
    '"sent": {"session": %%d, "worksheet": %%d, "answer": %%d, "fallback": %%d}, "statuses": {%%s}}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    sent.session, sent.worksheet, sent.answer, sent.fallback, table.concat(parts, ", ")))
end
"""


def _lua(value):
    """A Lua literal of a str, int, None, list or dict (of ASCII strings: JSON's escapes are Lua's)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not value.isascii() or any(ord(c) < 32 for c in value):
            raise ValueError(f"not a plain ASCII string for wrk's Lua: {value!r}")
        return json.dumps(value)
    if isinstance(value, list):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_lua(item)}" for key, item in value.items()) + "}"
    raise TypeError(type(value))


# The sessions and the writes -----------------------------------------------------------------


class Session:
    """A signed-in browser of one role: its cookie header and CSRF token (the cookie's value, the
    unmasked secret, which Django accepts in X-CSRFToken)."""

    def __init__(self, role, organization, first_url):
        client = client_for(role, organization)
        client.get(first_url)  # a browser has its CSRF cookie after its first page: so has wrk
        names = [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME]
        self.cookie = "; ".join(f"{name}={client.cookies[name].value}" for name in names)
        self.csrf = client.cookies[settings.CSRF_COOKIE_NAME].value


def _draft_worksheet(organization):
    """The draft (editable) worksheet of a rollout of the organization, the one with the lowest pk."""
    from strategy.models import Worksheet

    worksheet = (
        Worksheet.objects.filter(rollout__organization=organization, status=Worksheet.Status.DRAFT)
        .order_by("rollout_id")
        .first()
    )
    if worksheet is None:
        raise RuntimeError("load: no rollout of the organization has a draft worksheet to save a section of")
    return worksheet


def _operating_body(worksheet):
    """The "Operating model" section's form, filled with the worksheet's current values."""
    from strategy.forms import OperatingForm

    return urllib.parse.urlencode(
        [
            (name, "" if getattr(worksheet, name) is None else str(getattr(worksheet, name)))
            for name in OperatingForm._meta.fields
        ]
    )


def _session_body(organization):
    """The champion's "log a session" form; @@TOKEN@@ stands for the fresh token of each POST."""
    from champions.models import Skill, SupportSession

    topic = Skill.objects.filter(organization=organization, active=True).order_by("pk").first()
    when = timezone.localtime() - timedelta(minutes=5)  # logged just after it happened
    fields = [
        ("token", "@@TOKEN@@"),
        ("happened_at", when.strftime("%Y-%m-%dT%H:%M")),
        ("minutes", "15"),
        ("people_helped", "1"),
        ("topics", str(topic.pk)) if topic else ("other_topic", "Getting started"),
        ("channel", SupportSession.Channel.CHAT),
        ("outcome", SupportSession.Outcome.RESOLVED),
        ("follow_up_on", ""),
        ("helped_unit", ""),
        ("helped_email", ""),
    ]
    return urllib.parse.urlencode(fields, safe="@")


def _open_questions(rollout, champion_user):
    """The rollout's open questions the champion may mark answered (nobody's, or theirs)."""
    from django.db.models import Q

    from conversations.selectors import questions

    return (
        questions(rollout)
        .filter(first_response_at__isnull=True)
        .filter(Q(claimed_by__isnull=True) | Q(claimed_by=champion_user))
        .order_by("created_at", "pk")
    )


def _top_up_questions(rollout, champion_user, needed):
    """At least `needed` open questions for the champion: new ones (copies of the rollout's latest
    questions, asked in the last hours) when the rollout has fewer left. How many were made."""
    from conversations.models import Message
    from rollout.data_versions import new_data_version

    missing = needed - _open_questions(rollout, champion_user).count()
    if missing <= 0:
        return 0
    models = list(Message.objects.filter(rollout=rollout, is_question=True).order_by("-created_at")[:50])
    if not models:
        raise RuntimeError("load: the rollout has no question to model new open questions on")
    now, run = timezone.now(), uuid.uuid4().hex[:8]
    Message.objects.bulk_create(
        Message(
            thread_id=model.thread_id,
            rollout=rollout,
            external_id=f"bench-load-{run}-{n}",
            author_key=model.author_key,
            author_name=model.author_name,
            author_id=model.author_id,
            unit_id=model.unit_id,
            created_at=now - timedelta(minutes=5 * (missing - n)),
            text=model.text,
            is_question=True,
        )
        for n, model in enumerate(models[n % len(models)] for n in range(missing))
    )
    new_data_version(rollout.organization_id, rollout=rollout.pk)  # bulk_create sends no signal
    return missing


class Counts:
    """The rows the three kinds of write add, counted from the database."""

    def __init__(self, champion, worksheet, question_ids):
        self.champion, self.worksheet, self.question_ids = champion, worksheet, list(question_ids)

    def now(self):
        from champions.models import SupportSession
        from conversations.models import Message

        return {
            "session": SupportSession.objects.filter(champion=self.champion).count(),
            "worksheet": self.worksheet.history.count(),
            "answer": Message.objects.filter(
                pk__in=self.question_ids, first_response_at__isnull=False
            ).count(),
        }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(base, path, session, body=None):
    """The status of one request as wrk would send it (no redirect followed)."""
    headers = {"Cookie": session.cookie}
    if body is not None:
        headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": session.csrf}
    request = urllib.request.Request(
        base + path, data=None if body is None else body.encode(), headers=headers
    )
    try:
        return urllib.request.build_opener(_NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


def _check_writes(base, writes, counts):
    """Each kind of write answers with its redirect and adds its row (a refusal would be a
    redirect too, or a 200 with the form again)."""
    for kind, (path, session, body) in writes.items():
        before = counts.now()[kind]
        status = _status(base, path, session, body)
        added = counts.now()[kind] - before
        if status != 302 or added != 1:
            raise RuntimeError(
                f"load: the {kind} write {path} answered {status} and added {added} rows, not 302 and 1"
            )


# wrk, gunicorn, Celery -----------------------------------------------------------------------


def _wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {url}")


def _wrk(base, entries, seconds, users, questions=(), fallback=None):
    threads = min(2, users)
    script_text = SCRIPT % {
        "entries": ", ".join(_lua(entry) for entry in entries),
        "questions": ", ".join(_lua(str(pk)) for pk in questions),
        "threads": threads,
        "token_prefix": str(uuid.uuid4())[:19],  # xxxxxxxx-xxxx-xxxx-: Lua adds the thread and a count
        "fallback": _lua(fallback),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    command = ["wrk", "-t", str(threads), "-c", str(users), "-d", f"{seconds}s", "--timeout", "10s"]
    try:
        output = subprocess.run(
            [*command, "-s", script.name, base], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    return figures


def _start_worker(env, run, log):
    """A real Celery worker on the default queue, purged first; its own process group."""
    celery = str(Path(sys.executable).with_name("celery"))
    subprocess.run(
        [celery, "-A", "config", "purge", "-f"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    name = f"bench-load-{run}@{socket.gethostname()}"
    command = [celery, "-A", "config", "worker", "--concurrency", str(WORKER_CONCURRENCY)]
    worker = subprocess.Popen(
        [*command, "--loglevel", "warning", "--hostname", name],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_worker(worker, name)
    except Exception:
        _stop_worker(worker)
        raise
    return worker


def _stop_worker(worker, seconds=60):
    """A warm shutdown: the worker finishes the task it is running (a SIGTERM to its pool process
    too would cut that task short), then its whole process group goes."""
    if worker.poll() is None:
        os.kill(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)  # a pool process left behind, if any


def _queued():
    """Tasks waiting in the default queue (the worker's backlog)."""
    import redis

    with redis.Redis.from_url(settings.CELERY_BROKER_URL) as client:
        return client.llen("celery")


def _caught_up(rollout_ids, limit=120):
    """Seconds until the worker has recomputed the figures of `rollout_ids` (None past `limit`)."""
    from rollout.models import RolloutFigures

    started = time.monotonic()
    while time.monotonic() - started < limit:
        rows = RolloutFigures.objects.filter(rollout_id__in=rollout_ids)
        if not any(row.stale for row in rows):
            return round(time.monotonic() - started, 1)
        time.sleep(0.2)
    return None


def _settled(counts, quiet=2.0, limit=30):
    """The counts once they have not changed for `quiet` seconds (at most `limit` seconds)."""
    started = time.monotonic()
    last, since = counts.now(), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() - started < limit:
        time.sleep(0.25)
        current = counts.now()
        if current != last:
            last, since = current, time.monotonic()
    return last


def _worker_errors(log):
    log.seek(0)
    text = log.read().decode(errors="replace")
    lines = [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line]
    return len(lines), text[-4000:]


def _get(path, session):
    return {"kind": "get", "method": "GET", "path": path, "cookie": session.cookie, "csrf": session.csrf}


def _post(kind, path, session, body):
    return {
        "kind": kind,
        "method": "POST",
        "path": path,
        "body": body,
        "cookie": session.cookie,
        "csrf": session.csrf,
    }


def _mixed_entries(pages, writes):
    """One request in REQUESTS_PER_CYCLE a write (its kind rotating), the others the pages in turn:
    as many cycles as it takes for each page and each kind to come equally often."""
    reads = REQUESTS_PER_CYCLE - WRITES_PER_CYCLE
    cycles = math.lcm(len(writes), len(pages) // math.gcd(reads, len(pages)))
    entries, page = [], 0
    for cycle in range(cycles):
        for _ in range(reads):
            entries.append(pages[page % len(pages)])
            page += 1
        entries.append(writes[cycle % len(writes)])
    return entries


def measure(results, seconds=60, users=32):
    if not shutil.which("wrk"):
        results["notes"].append("load: wrk is not installed (apt-get install -y wrk); not measured")
        return results
    from champions.models import Champion

    organization, rollout, urls = page_urls()
    sessions = {}
    for role, url in urls.values():
        if role not in sessions:
            sessions[role] = Session(role, organization, url)
    pages = [_get(url, sessions[role]) for role, url in urls.values()]
    manager, champion = sessions[Role.MANAGER], sessions[Role.CHAMPION]
    champion_row = Champion.objects.select_related("user").get(
        rollout=rollout, user__email=enterprise.login_email(Role.CHAMPION)
    )
    worksheet = _draft_worksheet(organization)
    log_path = reverse("champions:log", args=[rollout.pk])
    section_path = reverse("strategy:section", args=[worksheet.rollout_id, "operating"])
    answer_path = reverse("engage:queue_answered", args=[rollout.pk, 0]).replace("/0/", "/@@QUESTION@@/")
    answer_body = urllib.parse.urlencode({"url": ANSWER_URL})
    session_write = _post("session", log_path, champion, _session_body(organization))
    writes = [
        session_write,
        _post("worksheet", section_path, manager, _operating_body(worksheet)),
        _post("answer", answer_path, champion, answer_body),
    ]
    mixed_entries = _mixed_entries(pages, writes)

    port, run = free_port(), uuid.uuid4().hex[:8]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.wsgi:application",
            *("--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    worker = None
    with tempfile.TemporaryFile() as log:
        try:
            _wait_until_up(base + "/bench/baseline/")
            for role, path in urls.values():  # every page answers 200 for its session before the clock
                status = _status(base, path, sessions[role])
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} under gunicorn")
            warm = _wrk(base, pages, 3, users)  # warms both workers; its rate sizes the questions
            baseline = _wrk(base, [_get("/bench/baseline/", manager)], seconds, users)

            worker = _start_worker(env, run, log)
            # Each kind of write is accepted and writes, before the clock starts.
            _top_up_questions(rollout, champion_row.user, 1)
            first = _open_questions(rollout, champion_row.user).first()
            checks = {
                "session": (
                    log_path,
                    champion,
                    session_write["body"].replace("@@TOKEN@@", str(uuid.uuid4())),
                ),
                "worksheet": (section_path, manager, writes[1]["body"]),
                "answer": (answer_path.replace("@@QUESTION@@", str(first.pk)), champion, answer_body),
            }
            _check_writes(base, checks, Counts(champion_row, worksheet, [first.pk]))

            # Enough questions for the run at twice the warm-up's rate, each posted once.
            needed = math.ceil(2 * warm["rps"] * seconds / REQUESTS_PER_CYCLE / len(writes)) + 10
            created = _top_up_questions(rollout, champion_row.user, needed)
            questions = list(_open_questions(rollout, champion_row.user).values_list("pk", flat=True))
            counts = Counts(champion_row, worksheet, questions)
            before = counts.now()
            mixed = _wrk(base, mixed_entries, seconds, users, questions=questions, fallback=session_write)
            backlog = _queued()
            after = _settled(counts)  # once gunicorn has answered the requests still in flight
            caught_up = _caught_up([rollout.pk, worksheet.rollout_id])
        finally:
            if worker is not None:
                _stop_worker(worker)
            server.terminate()
            server.wait(timeout=30)
        worker_errors, worker_output = _worker_errors(log)
    if worker_errors:
        print(f"The load's Celery worker said:\n{worker_output}", flush=True)
        results["notes"].append(f"load: the Celery worker logged {worker_errors} error lines")
    if mixed["errors"]:
        results["notes"].append(
            f"load: mixed run statuses {mixed['statuses']}, socket {mixed['socket_errors']}"
        )
    added = {kind: after[kind] - before[kind] for kind in WRITE_KINDS}
    results["load"] = _figures(mixed, baseline, seconds, users) | {
        "paths": [entry["path"] for entry in pages],
        "mixed": _figures(mixed, None, seconds, users)
        | {
            "baseline_rps": baseline["rps"],
            "requests": mixed["requests"],
            "requests_per_cycle": REQUESTS_PER_CYCLE,
            "writes_per_cycle": WRITES_PER_CYCLE,
            "writes_sent": mixed["sent"],
            "writes_redirected": mixed["statuses"].get("302", 0),
            "support_sessions_added": added["session"],
            "questions_answered": added["answer"],
            "worksheet_history_added": added["worksheet"],
            "statuses": mixed["statuses"],
            "socket_errors": mixed["socket_errors"],
            "worker_concurrency": WORKER_CONCURRENCY,
            "worker_error_lines": worker_errors,
            "tasks_queued_at_end": backlog,
            "figures_caught_up_s": caught_up,
            "rollout": rollout.pk,
            "worksheet_rollout": worksheet.rollout_id,
            "questions_available": len(questions),
            "questions_created": created,
        },
    }
    return results


def _figures(run, baseline, seconds, users):
    figures = {
        "rps": run["rps"],
        "errors": run["errors"],
        "p50_ms": round(run["p50"], 1),
        "p95_ms": round(run["p95"], 1),
        "p99_ms": round(run["p99"], 1),
        "seconds": seconds,
        "users": users,
    }
    if baseline is not None:
        figures |= {
            "baseline_rps": baseline["rps"],
            "baseline_errors": baseline["errors"],
            "baseline_p50_ms": round(baseline["p50"], 1),
            "baseline_p95_ms": round(baseline["p95"], 1),
            "baseline_p99_ms": round(baseline["p99"], 1),
        }
    return figures
