"""The audit trail: which events are recorded, and who reads them (Settings → Audit trail)."""

from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from rollout import audit
from rollout.i18n import Phrase
from rollout.models import AuditEvent, Membership, Role
from rollout.paging import PAGE_SIZE

from .factories import MembershipFactory, UnitFactory

PASSWORD = "correct horse battery staple"  # tests/factories.py


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


def test_logins_failed_logins_and_logouts_are_recorded_with_the_address(personas):
    client = Client(REMOTE_ADDR="198.51.100.4")
    email = personas.manager.email
    client.post(reverse("login"), {"username": email, "password": "wrong"})
    client.post(reverse("login"), {"username": "nobody@nowhere.example", "password": "wrong"})
    client.post(reverse("login"), {"username": email, "password": PASSWORD})
    client.post(reverse("logout"))
    recorded = [(e.action, e.actor, e.ip) for e in events(action__in=AuditEvent.SIGN_IN_ACTIONS)]
    assert recorded == [
        ("login_failed", personas.manager, "198.51.100.4"),
        ("login_failed", None, "198.51.100.4"),
        ("login", personas.manager, "198.51.100.4"),
        ("logout", personas.manager, "198.51.100.4"),
    ]
    assert "nobody@nowhere.example" in events(action="login_failed")[1].summary


def test_role_changes_and_removals_are_recorded(client_as, personas):
    client = client_as(personas.admin)
    membership = Membership.objects.get(user=personas.member, organization=personas.org)
    client.post(
        reverse("rollout:member_edit", args=[membership.pk]), {"role": Role.MANAGER, "unit": personas.unit.pk}
    )
    (changed,) = events(action="member_changed")
    assert changed.organization == personas.org and changed.actor == personas.admin
    assert changed.target_type == "rollout.membership" and changed.target_id == str(membership.pk)
    assert "role Member → Manager" in changed.summary

    client.post(reverse("rollout:member_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    (removed,) = events(action="member_removed")
    assert personas.member.email in removed.summary and removed.target_id == str(membership.pk)


def test_saving_unchanged_member_or_settings_records_nothing(client_as, personas):
    client = client_as(personas.admin)
    membership = Membership.objects.get(user=personas.member, organization=personas.org)
    client.post(
        reverse("rollout:member_edit", args=[membership.pk]), {"role": Role.MEMBER, "unit": personas.unit.pk}
    )
    assert events(action="member_changed") == []


def test_invitations_settings_tokens_and_exports_are_recorded(client_as, personas):
    client = client_as(personas.admin)
    client.post(reverse("rollout:invitation_create"), {"email": "new.person@acme.example", "role": "member"})
    (invited,) = events(action="invited")
    assert "new.person@acme.example" in invited.summary and invited.organization == personas.org
    client.post(reverse("rollout:invitation_revoke", args=[invited.target_id]))
    assert len(events(action="invitation_revoked")) == 1

    form = client.get(reverse("rollout:settings")).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data["response_target_hours"] = 12
    client.post(reverse("rollout:settings"), data)
    (changed,) = events(action="settings_changed")
    assert "response_target_hours" in changed.summary

    client.post(reverse("rollout:api_tokens"), {"name": "Nightly import", "scope": "read"})
    (created,) = events(action="token_created")
    client.post(reverse("rollout:api_token_revoke", args=[created.target_id]))
    assert len(events(action="token_revoked")) == 1

    client.get(reverse("rollout:portfolio_csv"))
    client.get(reverse("champions:report_csv", args=[personas.rollout.pk]))
    exports = events(action="exported")
    assert [e.organization for e in exports] == [personas.org, personas.org]
    assert "Portfolio" in exports[0].summary and "Champion activity" in exports[1].summary


def test_a_deleted_unit_is_recorded_and_a_unit_in_use_is_not(client_as, personas):
    client = client_as(personas.admin)
    parent = UnitFactory(organization=personas.org, name="Region")
    UnitFactory(organization=personas.org, name="Branch", parent=parent)
    client.post(reverse("rollout:unit_delete", args=[parent.pk]))
    assert events(action="deleted") == []
    spare = UnitFactory(organization=personas.org, name="Spare")
    client.post(reverse("rollout:unit_delete", args=[spare.pk]))
    (deleted,) = events(action="deleted")
    assert deleted.target_type == "rollout.unit" and deleted.target_id == str(spare.pk)
    assert "Spare" in deleted.summary


def test_the_audit_page_shows_this_organization_and_its_members_sign_ins_only(client_as, personas):
    request = RequestFactory().get("/")
    request.user = personas.admin
    audit.record(request, audit.Action.EXPORTED, personas.rollout, "Ours")
    audit.record(request, audit.Action.EXPORTED, personas.other_rollout, "Theirs")
    audit.record(
        request, audit.Action.LOGIN, personas.member, "member in", organization=False, actor=personas.member
    )
    audit.record(
        request,
        audit.Action.LOGIN,
        personas.outsider,
        "outsider in",
        organization=False,
        actor=personas.outsider,
    )
    page = client_as(personas.admin).get(reverse("rollout:audit"))
    summaries = [e.summary for e in page.context["page"]]
    assert "Ours" in summaries and "member in" in summaries
    assert "Theirs" not in summaries and "outsider in" not in summaries

    filtered = client_as(personas.admin).get(reverse("rollout:audit"), {"action": "exported"})
    assert [e.summary for e in filtered.context["page"]] == ["Ours"]
    assert "Ours" in filtered.text


def test_the_audit_page_paginates_with_a_constant_number_of_queries(
    client_as, personas, django_assert_max_num_queries
):
    request = RequestFactory().get("/")
    request.user = personas.admin
    for number in range(120):
        MembershipFactory(organization=personas.org, user__email=f"p{number}@acme.example")
        audit.record(request, audit.Action.EXPORTED, personas.rollout, f"Export {number}")
    client = client_as(personas.admin)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("rollout:audit"))
    assert len(first.context["page"]) == PAGE_SIZE and first.context["page"].paginator.num_pages >= 3
    last = client.get(reverse("rollout:audit"), {"page": first.context["page"].paginator.num_pages})
    assert "Export 0" in last.text


def test_the_django_admin_shows_the_trail_read_only(rf, personas):
    model_admin = site._registry[AuditEvent]
    request = rf.get("/")
    request.user = personas.admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_phrase_summary_reads_in_the_admins_language_and_plain_text_as_written(client_as, personas):
    phrase = Phrase.gettext("Removed %(parts)s.", parts="ann@example.com")
    event = audit.record(None, audit.Action.RETENTION, None, phrase, organization=personas.org)
    audit.record(None, audit.Action.RETENTION, None, "Written as plain text", organization=personas.org)
    event.refresh_from_db()
    assert event.summary == "Removed ann@example.com."  # search, CSV and erasure read the English text
    assert event.summary_phrase == phrase.dump()
    with translation.override("de"):
        german = str(event.shown_summary)
    assert german != "Removed ann@example.com." and "ann@example.com" in german

    english = client_as(personas.admin).get(reverse("rollout:audit")).content.decode()
    assert "Removed ann@example.com." in english and "Written as plain text" in english
    personas.admin.language = "de"
    personas.admin.save(update_fields=["language"])
    page = client_as(personas.admin).get(reverse("rollout:audit")).content.decode()
    assert german in page and "Removed ann@example.com." not in page
    assert "Written as plain text" in page
