"""The employee's side in a real browser (Debian's Chromium): a member finds their champion and
writes to them; a manager approves a ready nominee and the appointment is announced."""

import pytest
from django.core import mail

from champions.member import covered_people
from champions.models import Champion
from rollout import outbox
from rollout.models import Membership, Notification, Rollout
from trust.models import Acknowledgement, Completion, Guideline, TrainingModule
from trust.readiness import readiness_of

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def send_queued(kind):
    """Send the queued emails of `kind` the way the outbox's sender does."""
    pks = list(Notification.objects.filter(kind=kind, status="pending").values_list("pk", flat=True))
    return outbox.send_many(pks)


def test_a_member_finds_their_champion_and_writes_to_them(live_server, page, demo):
    member = Membership.objects.get(user__email="member@northwind.example")
    log_in(page, live_server.url, "member@northwind.example")
    page.goto(f"{live_server.url}/me/")
    panel = page.locator("section#champions-help")
    if panel.count() == 0:  # /me/ does not render the panels yet: the help page lists the same people
        page.goto(f"{live_server.url}/champions/help/")
        panel = page.locator("section#champions-help")
    write = panel.get_by_role("link", name="Write to").first
    name = write.inner_text().removeprefix("Write to ").strip()
    write.click()
    page.wait_for_url("**/write/")
    page.get_by_label("Your message").fill("How do I post a photo from the ward without showing a patient?")
    page.screenshot(path=SCREENSHOTS / "champion-write.png", full_page=True)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(f"{live_server.url}/champions/help/")
    assert page.get_by_text(f"Your message is on its way to {name}").is_visible()

    queued = Notification.objects.get(kind="champion-message")
    assert str(queued.recipient) == name
    assert queued.cc == [member.user.email]
    assert send_queued("champion-message") == {queued.pk: "sent"}
    [sent] = mail.outbox
    assert sent.to == [queued.recipient.email] and sent.cc == [member.user.email]
    assert "without showing a patient" in sent.body


def make_ready(champion):
    """Acknowledge and pass what the nominee's readiness asks for (the trust step's records)."""
    ready = readiness_of(champion.rollout.organization, champion.user_id, champion.rollout)
    for item in ready.guidelines:
        guideline = Guideline.objects.get(pk=item.pk)
        Acknowledgement.objects.get_or_create(
            version=guideline.current,
            user=champion.user,
            defaults={"acknowledged_at": guideline.current.published_at},
        )
    for item in ready.training:
        module = TrainingModule.objects.get(pk=item.pk)
        Completion.objects.update_or_create(
            module=module,
            user=champion.user,
            defaults={
                "score": 100,
                "last_score": 100,
                "passed_at": module.created_at,
                "last_attempt_at": module.created_at,
            },
        )
    assert readiness_of(champion.rollout.organization, champion.user_id, champion.rollout).ready


def test_a_manager_approves_a_ready_nominee_and_the_covered_people_hear_of_it(live_server, page, demo):
    live = Rollout.objects.get(organization__slug="northwind-health", status="live")
    nominee = live.champions.exclude(user__email="member@northwind.example").get(
        status=Champion.Status.NOMINATED
    )
    make_ready(nominee)
    covered = list(covered_people(nominee).select_related("user"))
    opted_out = covered[0]
    opted_out.announcements = False
    opted_out.save(update_fields=["announcements"])

    log_in(page, live_server.url, "manager@northwind.example")
    page.goto(f"{live_server.url}/r/{live.pk}/champion/network/?status=nominated")
    page.get_by_role("button", name=f"Approve {nominee.user}", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text(f"{nominee.user} is now an active champion.").is_visible()
    page.screenshot(path=SCREENSHOTS / "champion-approved.png", full_page=True)

    announced = set(
        Notification.objects.filter(kind="champion-announcement").values_list("recipient_id", flat=True)
    )
    assert announced == {m.user_id for m in covered[1:]}
    assert opted_out.user_id not in announced
    assert Notification.objects.filter(kind="champion-welcome", recipient=nominee.user).exists()

    statuses = send_queued("champion-announcement")
    assert set(statuses.values()) == {"sent"}
    assert len(mail.outbox) == len(covered) - 1
    assert all(str(nominee.user) in message.subject for message in mail.outbox)
