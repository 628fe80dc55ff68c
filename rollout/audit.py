"""The audit trail: one function, `record()`, writes every security-relevant event.

Who did what, to which object, from which address and when; admins read their organization's
trail on Settings → Audit trail (/settings/audit/), operators in the Django admin. Sign-in events
come from Django's auth signals and django-axes (connected in `RolloutConfig.ready()`).
"""

import ipaddress

from django.conf import settings

from .i18n import Phrase
from .models import AuditEvent, User

Action = AuditEvent.Action


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind DJANGO_PROXY_COUNT proxies the X-Forwarded-For
    entry that many places from the right (the one the outermost trusted proxy appended; entries
    further left come from the client and can be forged). Also django-axes' AXES_CLIENT_IP_CALLABLE.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def _organization_of(request, target):
    organization_id = getattr(target, "organization_id", None)
    if organization_id is not None:
        return organization_id
    scope = getattr(request, "scope", None)
    organization = getattr(scope, "organization", None) if scope is not None else None
    return organization.pk if organization is not None else None


def record(request, action, target=None, summary="", *, organization=None, actor=None):
    """Write one audit event.

    `target` is the model instance concerned (its organization is the event's, else the
    request's current one). `actor` defaults to the signed-in user; `organization` may be
    given explicitly (a sign-in event passes `organization=False` for none). A `Phrase` summary
    is kept as its message and values too, and read in each reader's language; its English text
    is the `summary` that search, exports and erasure use.
    """
    if organization is False:
        organization_id = None
    elif organization is not None:
        organization_id = organization.pk
    else:
        organization_id = _organization_of(request, target)
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        organization_id=organization_id,
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        summary=(str.__str__(summary) if isinstance(summary, Phrase) else str(summary))[:500],
        summary_phrase=summary.dump() if isinstance(summary, Phrase) else None,
        ip=client_ip(request),
    )


def events_for(organization):
    """An organization's trail: its own events and the sign-in events of its members."""
    from django.db.models import Exists, OuterRef, Q

    from .models import Membership

    member = Membership.objects.filter(organization=organization, user=OuterRef("actor"))
    return AuditEvent.objects.filter(
        Q(organization=organization)
        | (Q(organization__isnull=True, action__in=AuditEvent.SIGN_IN_ACTIONS) & Exists(member))
    ).select_related("actor")


# --- Sign-in events (receivers connected in RolloutConfig.ready) ------------------------------


def on_logged_in(sender, request, user, **kwargs):
    summary = Phrase.gettext("%(email)s logged in", email=user.email)
    record(request, Action.LOGIN, user, summary, organization=False, actor=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        summary = Phrase.gettext("%(email)s logged out", email=user.email)
        record(request, Action.LOGOUT, user, summary, organization=False, actor=user)


def _user_named(username):
    if not username:
        return None
    return User.objects.filter(email__iexact=str(username)).first()


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or credentials.get("email") or "")[:254]
    user = _user_named(username)
    record(
        request,
        Action.LOGIN_FAILED,
        user,
        Phrase.gettext("Failed login for %(email)s", email=username or Phrase.gettext("an empty email")),
        organization=False,
        actor=user,
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    user = _user_named(username)
    record(
        request,
        Action.LOCKED_OUT,
        user,
        Phrase.gettext(
            "%(email)s locked out after %(limit)s failed logins",
            email=str(username),
            limit=settings.AXES_FAILURE_LIMIT,
        ),
        organization=False,
        actor=user,
    )
