import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from reviews.models import Review
from rollout.models import Rollout, User

pytestmark = pytest.mark.django_db


def test_the_review_form_shows_the_incident_register_beside_the_trust_findings(client):
    call_command("seed_demo", stdout=io.StringIO())
    live = Rollout.objects.get(name="Viva Engage for all staff")
    review = Review.objects.get(rollout=live, status=Review.Status.OPEN)
    client.force_login(User.objects.get(email="manager@northwind.example"))
    response = client.get(reverse("reviews:edit", args=[live.pk, review.pk]))
    assert response.context["incidents"]["total"] >= 1
    text = response.text
    assert 'data-testid="trust-incidents"' in text and "Incidents since review 2" in text
