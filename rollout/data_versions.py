"""Data versions: which cached values a write makes stale.

Values that only a write changes (a champion's coverage summary, the engage page's activity, a
digest section shared by every recipient with the same role) are cached under a key that carries
*data versions*: counters in the cache that writes bump, so values cached under the old numbers
are never read again (they expire). The counters:

- VERSION_KEY, bumped by a write whose organization is not known: every key carries it;
- per organization, `any`, bumped by every write to its data: the version of values of the whole
  organization (`remember(..., organization=id)`), and ANY_KEY, of values of no organization;
- per organization, `wide`, bumped by a write that names no rollout (a unit's headcount, the
  organization's settings, a person's name): it concerns every rollout;
- per rollout, one counter for the rollout itself (a write whose app is not known) and one per app
  (`strategy`, `champions`, ...): a value of one rollout names the apps it reads
  (`remember(..., organization=id, rollout=pk, apps={"engage", "strategy"})`) and stays cached
  while another step of the same rollout is written to (a champion's session leaves the engage
  page's activity alone). A model may name a narrower topic than its app (`DATA_TOPIC`, e.g.
  "champions.sessions"): a value that reads it names that topic among its apps.

The same writes mark the stored step figures of the rollout they touch as out of date
(rollout/figures.py): one receiver, `data_changed`, does both.
"""

import functools
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

CACHE_SECONDS = 600
VERSION_KEY = "rollout:data-version"
ANY_KEY = "rollout:data-version:any"
STEP_APPS = {"strategy", "incentives", "trust", "champions", "engage", "conversations", "reviews"}
CENTRE_MODELS = {"organization", "unit", "membership", "platform", "rollout"}
# How many foreign keys a write is followed up to find its rollout (a quiz choice: question, module).
OWNER_DEPTH = 3
# {counter key: number}, read once inside one_data_version()
_pinned: ContextVar[dict | None] = ContextVar("rollout_data_versions", default=None)


def _counters(organization=None, rollout=None, apps=(), wide=False):
    """The counter keys a value of `organization` (of its `rollout`, reading `apps`; with `wide`, of
    the organization alone: its units, platforms and settings) depends on."""
    if organization is None:
        return [VERSION_KEY, ANY_KEY]
    base = f"{VERSION_KEY}:{organization}"
    if wide:
        return [VERSION_KEY, f"{base}:wide"]
    if rollout is None or not apps:
        return [VERSION_KEY, f"{base}:any"]
    return [
        VERSION_KEY,
        f"{base}:wide",
        f"{base}:r{rollout}",
        *(f"{base}:r{rollout}:{app}" for app in sorted(apps)),
    ]


def _written(organization=None, rollout=None, app=None):
    """The counter keys a write to `organization` (to its `rollout`, by `app`) bumps."""
    if organization is None:
        return [VERSION_KEY]
    base = f"{VERSION_KEY}:{organization}"
    if rollout is None:
        return [ANY_KEY, f"{base}:any", f"{base}:wide"]
    return [ANY_KEY, f"{base}:any", f"{base}:r{rollout}" if app is None else f"{base}:r{rollout}:{app}"]


def data_version(organization=None, rollout=None, apps=(), wide=False):
    """The data version of the values of `organization` (an id; None: values of no organization in
    particular, which any write makes stale), of one `rollout` of it reading `apps`, or with `wide`
    of the organization's own data (units, platforms, settings, people's names). None while the
    cache cannot be reached."""
    keys = _counters(organization, rollout, apps, wide)
    pinned = _pinned.get()
    missing = keys if pinned is None else [key for key in keys if key not in pinned]
    found = cache.get_many(missing) if missing else {}
    versions = {key: _version(key, found.get(key)) for key in missing}
    if pinned is not None:
        pinned.update(versions)
        versions = {key: pinned[key] for key in keys}
    numbers = [versions[key] for key in keys]
    return None if None in numbers else ".".join(str(number) for number in numbers)


def _version(key, found):
    if found is None:
        # A missing version (first use, cache cleared or evicted) starts from a number never used
        # before, so that no entry cached under an earlier version can be read again.
        cache.add(key, time.time_ns(), timeout=None)
        found = cache.get(key)
    return found


def versioned_key(*parts, organization=None, rollout=None, apps=()):
    """A cache key that a write (a new data version, see data_version()) or a new day makes stale.
    None when the version cannot be read (the cache is down): nothing is then read from the cache
    or kept in it."""
    version = data_version(organization, rollout, apps)
    if version is None:
        return None
    # The day in the project's time zone, not the active one (a page activates the organization's).
    day = timezone.localdate(timezone=timezone.get_default_timezone())
    parts = (*parts, organization, rollout, version, day)
    # Dates and datetimes as ISO 8601: no spaces, which some cache backends refuse.
    return ":".join(part.isoformat() if hasattr(part, "isoformat") else str(part) for part in parts)


def cached(key):
    """The value cached under `key` (a versioned_key()), or None."""
    return None if key is None else cache.get(key)


def cache_value(key, value, timeout=CACHE_SECONDS):
    if key is not None:
        cache.set(key, value, timeout)


def remember(key, compute, timeout=CACHE_SECONDS, organization=None, rollout=None, apps=()):
    """compute() once per `key`, data version and day, shared by every process through the cache:
    for values that many requests or emails read alike and that only a write changes, e.g.
    `remember(("champion-coverage", rollout.pk), ..., organization=org.pk, rollout=rollout.pk,
    apps={"champions"})`. With `organization` (an id) only a write to that organization's data
    makes them stale; with `rollout` and `apps` too, only a write to that rollout's data of one of
    those apps, or one that concerns every rollout. Treat the value as read-only: it is shared."""
    full = versioned_key("values", *key, organization=organization, rollout=rollout, apps=apps)
    found = cached(full)
    if found is None:
        found = (compute(),)  # a tuple, so that a computed None is remembered too
        cache_value(full, found, timeout)
    return found[0]


@contextmanager
def one_data_version():
    """Read each data version once for the whole block (a request, a batch of emails) instead of
    once per cached value. A write inside the block un-pins them."""
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


# Writes --------------------------------------------------------------------------------------


def data_changed(sender, instance=None, **kwargs):
    """post_save / post_delete / m2m_changed receiver: a write to tenant data makes the cached
    values of its organization stale and the stored figures of its rollout out of date (of every
    rollout of the organization when the write names no rollout)."""
    meta = sender._meta
    tenant_data = meta.app_label in STEP_APPS or (
        meta.app_label == "rollout" and meta.model_name in CENTRE_MODELS
    )
    # simple_history's copies of worksheet rows are a record of the write, not data of their own.
    if not tenant_data or meta.model_name.startswith("historical"):
        return
    organization_id, rollout_id = owner_of(instance)
    new_data_version(
        organization_id, rollout=rollout_id, app=None if meta.app_label == "rollout" else topic_of(instance)
    )


def topic_of(instance):
    """What a write to `instance` concerns among its rollout's data: its app's label, or the
    narrower topic its model names as DATA_TOPIC (a champion's support session is "champions.sessions",
    so the champions' coverage, which does not read sessions, stays cached when one is logged).
    An m2m change is its instance's (a session's topics are the session's)."""
    return getattr(type(instance), "DATA_TOPIC", None) or instance._meta.app_label


SHOWN_USER_FIELDS = {"full_name", "email", "is_staff"}


def user_shown_changed(sender, instance, created=False, update_fields=None, **kwargs):
    """post_save receiver of User: a person's name and email are on pages and figures of each of their
    organizations (a rollout's owner, "uploaded by"), and a User is no tenant data. A save that may
    change them makes those organizations' values stale; a sign-in, which saves `last_login` alone,
    does not."""
    if created or (update_fields is not None and not SHOWN_USER_FIELDS & set(update_fields)):
        return
    from .models import Membership

    for organization_id in Membership.objects.filter(user=instance).values_list("organization_id", flat=True):
        new_data_version(organization_id)


def owner_of(instance, depth=OWNER_DEPTH):
    """(organization id, rollout id) whose data `instance` is; either is None when it does not say.
    A row that names neither is followed through its foreign keys (a worksheet row's worksheet, an
    acknowledgement's guideline version), at most `depth` of them deep."""
    from .models import Organization, Rollout, User

    if instance is None or isinstance(instance, User):
        return None, None
    if isinstance(instance, Organization):
        return instance.pk, None
    if isinstance(instance, Rollout):
        return instance.organization_id, instance.pk
    rollout_id = getattr(instance, "rollout_id", None)
    if rollout_id is not None:
        return _organization_of_rollout(instance, rollout_id), rollout_id
    organization_id = getattr(instance, "organization_id", None)
    if organization_id is not None or depth == 0:
        return organization_id, None
    for field in instance._meta.concrete_fields:
        if not field.many_to_one or field.related_model is User or getattr(instance, field.attname) is None:
            continue
        try:
            parent = getattr(instance, field.name)
        except ObjectDoesNotExist:  # deleted in the same cascade
            continue
        found = owner_of(parent, depth - 1)
        if found != (None, None):
            return found
    return None, None


def organization_of(instance):
    """The organization id a model instance belongs to, if it says so (directly, through its rollout
    or its parents)."""
    return owner_of(instance)[0]


def _organization_of_rollout(instance, rollout_id):
    from .models import Rollout

    rollout = instance._state.fields_cache.get("rollout")
    if rollout is not None and rollout.pk == rollout_id:
        return rollout.organization_id
    # Not loaded: a rolled-back rollout's id may be given to another one later, so ask.
    return Rollout.objects.filter(pk=rollout_id).values_list("organization_id", flat=True).first()


def new_data_version(organization=None, rollout=None, app=None):
    """A write to the data of `organization` (an id; None: of an organization not known), of its
    `rollout` if it names one, by `app` (an app label) if known: its cached values become stale
    (see the module docstring) and the rollout's stored figures out of date (all the
    organization's rollouts' when it names no rollout).

    The receiver above calls this for every save and delete. Writes that send no signal
    (`QuerySet.update()`, `bulk_create`, raw SQL) to data that figures read call it themselves.
    Inside a transaction the versions are bumped again on commit: a request that read the data
    between the write and the commit may have cached values without it.
    """
    from . import figures

    _pinned.set(None)
    keys = tuple(_written(organization, rollout, app))
    _bump(*keys)
    figures.mark_out_of_date(organization, rollout)
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        getattr(entry[1], "version_keys", None) == keys for entry in connection.run_on_commit
    ):
        after_commit = functools.partial(_bump, *keys)
        after_commit.version_keys = keys
        transaction.on_commit(after_commit)


def _bump(*keys):
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # the key expired or was never set
            cache.set(key, time.time_ns(), timeout=None)
