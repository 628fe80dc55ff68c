"""A person's data on request (GDPR articles 15, 17 and 20): export everything Rollout holds about
one person in an organization, and erase them. Every step contributes through the registry
(`Step.personal_records`, `Step.erase_person`); this module adds the centre's own records and
records both in the audit trail, without the personal data."""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from . import audit, user_sessions
from .connections.models import Connection, ConnectionRun
from .data_versions import new_data_version
from .directory.models import PeopleImport
from .i18n import Phrase
from .models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    Notification,
    Organization,
    User,
    UserSession,
    WebhookDelivery,
)
from .people.download import records_zip
from .people.selectors import personal_records
from .retention import remove_file
from .steps import PersonalRecords, Pseudonym, registry

ERASED_DOMAIN = "erased.invalid"  # .invalid is reserved: no mail can ever reach it


def pseudonym_for(user) -> Pseudonym:
    """The person's stable pseudonym: the same for the same user wherever and whenever it is asked
    for, and not reversible without the installation's SECRET_KEY."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"erased-person:{user.pk}".encode(), hashlib.sha256)
    tag = digest.hexdigest()[:10]
    personal = tuple(text for text in (user.email, user.full_name) if text)
    return Pseudonym(
        name=f"Former member {tag}",
        email=f"former-{tag}@{ERASED_DOMAIN}",
        key=f"former-{tag}",
        personal=personal,
    )


# Export ----------------------------------------------------------------------------------------


def centre_records(membership: Membership) -> list[PersonalRecords]:
    """What the centre holds about the person in the membership's organization."""
    user, organization = membership.user, membership.organization
    # Column headings are lazy: the CSV reads them in the reader's language, the JSON keeps English
    # keys (rollout/people/download.py).
    account = PersonalRecords(
        "account",
        gettext_lazy("Account and membership"),
        (
            gettext_lazy("Email"),
            gettext_lazy("Name"),
            gettext_lazy("Organization"),
            gettext_lazy("Role"),
            gettext_lazy("Unit"),
            gettext_lazy("Location"),
            gettext_lazy("Shift"),
            gettext_lazy("Manager"),
            gettext_lazy("Source"),
            gettext_lazy("Member since"),
            gettext_lazy("Last sign-in"),
            gettext_lazy("Weekly digest"),
            gettext_lazy("News for employees"),
        ),
        (
            (
                user.email,
                user.full_name,
                organization.name,
                membership.get_role_display(),
                membership.unit.name if membership.unit else None,
                membership.location.name if membership.location else None,
                membership.get_shift_display() or None,
                str(membership.manager) if membership.manager else None,
                membership.get_source_display(),
                membership.created_at,
                user.last_login,
                membership.weekly_digest,
                membership.announcements,
            ),
        ),
    )
    emails = Notification.objects.filter(organization=organization, recipient=user).order_by("-scheduled_for")
    audit_events = AuditEvent.objects.filter(organization=organization, actor=user).order_by("-created_at")
    tokens = ApiToken.objects.filter(organization=organization, user=user).order_by("-created_at")
    return [
        account,
        PersonalRecords(
            "emails",
            gettext_lazy("Emails sent to you"),
            (
                gettext_lazy("Kind"),
                gettext_lazy("Subject"),
                gettext_lazy("Scheduled"),
                gettext_lazy("Status"),
                gettext_lazy("Sent"),
            ),
            tuple(emails.values_list("kind", "subject", "scheduled_for", "status", "sent_at")),
        ),
        PersonalRecords(
            "audit",
            gettext_lazy("Your actions in the audit trail"),
            (gettext_lazy("When"), gettext_lazy("Action"), gettext_lazy("Summary"), gettext_lazy("Address")),
            tuple(
                (event.created_at, event.action, str(event.shown_summary), event.ip)
                for event in audit_events.only("created_at", "action", "summary", "summary_phrase", "ip")
            ),
        ),
        PersonalRecords(
            "api-tokens",
            gettext_lazy("Your API tokens (without their secret)"),
            (
                gettext_lazy("Name"),
                gettext_lazy("Access"),
                gettext_lazy("Created"),
                gettext_lazy("Last used"),
                gettext_lazy("Revoked"),
            ),
            tuple(tokens.values_list("name", "scope", "created_at", "last_used_at", "revoked_at")),
        ),
        PersonalRecords(
            "sessions",
            gettext_lazy("Your signed-in sessions"),
            (gettext_lazy("Since"), gettext_lazy("Address"), gettext_lazy("Browser")),
            tuple(UserSession.objects.filter(user=user).values_list("created_at", "ip", "user_agent")),
        ),
    ]


def export_person(membership: Membership, by: User, request=None) -> bytes:
    """The ZIP of everything Rollout holds about the person in the membership's organization (the
    centre's records and every step's), recorded in the audit trail without the personal data."""
    tables = [("rollout", centre_records(membership))]
    tables += [(step.key, found) for step, found in personal_records(membership)]
    body = records_zip(membership, tables)
    audit.record(
        request,
        AuditEvent.Action.PERSON_EXPORTED,
        membership,
        Phrase.gettext(
            "Exported the records of member #%(member)s (subject-access request)", member=str(membership.pk)
        ),
        organization=membership.organization,
        actor=by,
    )
    return body


# Erase -----------------------------------------------------------------------------------------


def erase_person(membership: Membership, by: User, request=None) -> dict[str, int]:
    """Erase the person from the membership's organization: every step erases its records
    (`Step.erase_person`), then the centre: their invitations, emails, tokens and sessions deleted;
    their name and email scrubbed from the audit trail, the webhook log, import and connection logs;
    the membership deactivated and emptied; and, when they belong to no other organization, the
    account itself pseudonymised, its sign-in methods removed. {what: rows changed}.

    Recorded in the audit trail as the pseudonym, never the name or email."""
    user, organization = membership.user, membership.organization
    pseudonym = pseudonym_for(user)
    elsewhere = Membership.all_objects.filter(user=user).exclude(organization=organization).exists()
    changed: dict[str, int] = {}
    with transaction.atomic():
        for step in registry.steps():
            changed[step.key] = step.erase_person(membership, pseudonym)
        changed["rollout"] = _erase_centre(membership, pseudonym, elsewhere)
        if not elsewhere:
            changed["account"] = _erase_account(user, pseudonym)
        audit.record(
            request,
            AuditEvent.Action.PERSON_ERASED,
            None,
            Phrase.gettext(
                "Erased member #%(member)s: now “%(pseudonym)s”; %(count)s records changed",
                member=str(membership.pk),
                pseudonym=pseudonym.name,
                count=sum(changed.values()),
            ),
            organization=organization,
            actor=by,
        )
    new_data_version(organization.pk)
    return changed


def _erase_centre(membership: Membership, pseudonym: Pseudonym, elsewhere: bool) -> int:
    user, organization = membership.user, membership.organization
    n = 0
    # Copies of personal data that serve nobody else: deleted.
    n += Invitation.objects.filter(organization=organization, email__iexact=user.email).delete()[0]
    theirs = Notification.objects.filter(organization=organization, recipient=user)
    for path in theirs.exclude(sent_file="").values_list("sent_file", flat=True):
        remove_file(path)  # the embedded mode's copy of the sent email
    n += theirs.delete()[0]
    # What they wrote to others (a message to a champion) is their own words: it goes.
    written = list(Notification.objects.filter(organization=organization, payload__sender=user.pk))
    for notification in written:
        notification.payload = {**notification.payload, "sender": None, "message": ""}
        notification.subject = ""
    n += Notification.objects.bulk_update(written, ["payload", "subject"])
    n += ApiToken.objects.filter(organization=organization, user=user).delete()[0]
    # The audit trail keeps what happened and when; the person's address goes, and their name and
    # email in any summary become the pseudonym's.
    events = AuditEvent.objects.filter(organization=organization)
    n += events.filter(actor=user).exclude(ip=None).update(ip=None)
    n += pseudonym.scrub(events, "summary", "summary_phrase")
    n += pseudonym.scrub(
        Notification.objects.filter(organization=organization), "subject", "last_error", "payload", "cc"
    )
    n += pseudonym.scrub(
        WebhookDelivery.objects.filter(endpoint__organization=organization), "payload", "last_error"
    )
    n += pseudonym.scrub(PeopleImport.objects.filter(organization=organization), "summary", "problems")
    n += pseudonym.scrub(
        ConnectionRun.objects.filter(connection__organization=organization), "detail", "cursor"
    )
    n += pseudonym.scrub(Connection.objects.filter(organization=organization), "last_error", "notice")
    n += _delete_uploaded_people_files(organization, user.email)
    # Others' records that named them as manager.
    n += Membership.all_objects.filter(organization=organization, manager=user).update(manager=None)
    # The membership stays, deactivated and emptied, so counts of the past stay true.
    n += Membership.all_objects.filter(pk=membership.pk).update(
        is_active=False,
        deactivated_at=timezone.now(),
        external_id="",
        manager=None,
        location=None,
        shift="",
        weekly_digest=False,
        announcements=False,
    )
    if not elsewhere:
        n += user_sessions.end_all(user)
    return n


def _delete_uploaded_people_files(organization: Organization, email: str) -> int:
    """HR files of the organization that list the person: the file goes, the import's record stays."""
    removed = 0
    for people_import in PeopleImport.objects.filter(organization=organization).exclude(file=""):
        try:
            with people_import.file.open("rb") as handle:
                listed = email.encode() in handle.read().lower()
        except (FileNotFoundError, OSError):
            continue
        if listed:
            people_import.file.delete(save=False)
            PeopleImport.objects.filter(pk=people_import.pk).update(file="")
            removed += 1
    return removed


def _erase_account(user: User, pseudonym: Pseudonym) -> int:
    """A person who belongs to no other organization: their account keeps its id (other people's
    records point at it) but nothing of them; they can no longer sign in."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    n = 0
    for model in (EmailAddress, SocialAccount, StaticDevice, TOTPDevice, UserSession):
        n += model.objects.filter(user=user).delete()[0]
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        n += model.objects.filter(username__iexact=user.email).delete()[0]
    user.email, user.full_name = pseudonym.email, pseudonym.name
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "is_active", "password"])
    return n + 1
