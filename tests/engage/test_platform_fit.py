"""An activity export must fit the rollout's platform: another platform's export is refused at
upload, before anything is stored, unless the manager said the rollout also accepts it."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from engage.models import ImportBatch, Source
from rollout.api.tokens import create_token
from rollout.models import AuditEvent, Platform, Rollout, User
from tests.factories import PlatformFactory, RolloutFactory

from . import files

Product = Platform.Product


@pytest.fixture(autouse=True)
def personas_rollout_also_accepts_teams_and_slack():
    """Not here (it is tests/engage/conftest.py's): these tests set up what each rollout accepts."""


@pytest.fixture
def viva_rollout(personas):
    """Like the demo's live rollout: on Viva Engage, accepting nothing else."""
    viva = PlatformFactory(organization=personas.org, name="Viva Engage network", product=Product.VIVA_ENGAGE)
    return RolloutFactory(
        organization=personas.org, platform=viva, name="Viva Engage for all staff", owner=personas.manager
    )


@pytest.fixture
def teams_platform(personas):
    return PlatformFactory(organization=personas.org, name="Microsoft Teams", product=Product.TEAMS)


def teams_export():
    return files.teams_current_file([files.teams_current_row("seller0@acme.example", 2, 3)])


def slack_export():
    return files.slack_file([files.slack_row("Amara Okafor", "seller0@acme.example", 4, 9, 2)])


def template_file():
    return files.generic_file([files.generic_row("seller0@acme.example", "2026-05-30")])


def stored_files(settings):
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def file_error(response):
    return " ".join(response.context["form"].errors["file"])


@pytest.mark.parametrize(
    ("content", "platform"),
    [(teams_export, "Microsoft Teams user activity export"), (slack_export, "Slack member analytics export")],
)
def test_another_platforms_export_is_refused_on_the_upload_page_and_nothing_is_kept(
    personas, viva_rollout, post_file, settings, content, platform
):
    files_before = stored_files(settings)

    response = post_file(personas.manager, viva_rollout, content())

    assert response.status_code == 400
    error = file_error(response)
    assert error.startswith(
        f"This is a {platform}; “Viva Engage for all staff” runs on Viva Engage network. Nothing was stored."
    )
    assert "Also accept activity exports from these platforms" in error
    assert escape(error) in response.content.decode()  # shown on the page, beside the file field
    assert not ImportBatch.objects.exists()
    assert stored_files(settings) == files_before
    # The trail records sign-ins and imports, never a refused upload.
    assert not AuditEvent.objects.exclude(action__in=AuditEvent.SIGN_IN_ACTIONS).exists()


def test_the_teams_export_is_accepted_once_the_manager_ticks_teams_in_the_rollouts_settings(
    personas, viva_rollout, teams_platform, post_file, client_as
):
    assert post_file(personas.manager, viva_rollout, teams_export()).status_code == 400

    edit = client_as(personas.manager).get(reverse("rollout:edit", args=[viva_rollout.pk]))
    assert "Also accept activity exports from these platforms" in edit.content.decode()
    form = edit.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(also_accepts=[teams_platform.pk], owner=personas.manager.pk, status=viva_rollout.status)
    saved = client_as(personas.manager).post(reverse("rollout:edit", args=[viva_rollout.pk]), data)
    assert saved.status_code == 302, saved.context["form"].errors
    assert list(viva_rollout.also_accepts.all()) == [teams_platform]

    response = post_file(personas.manager, viva_rollout, teams_export())
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert response.url == reverse("engage:import_detail", args=[viva_rollout.pk, batch.pk])
    assert (batch.source, batch.status) == (Source.TEAMS, ImportBatch.Status.READY)
    # Ticking Teams lets Teams in, not Slack.
    assert post_file(personas.manager, viva_rollout, slack_export()).status_code == 400


def test_the_rollout_form_offers_only_the_organizations_platforms(personas, viva_rollout, client_as):
    foreign = PlatformFactory(organization=personas.other_org, name="Globex Slack", product=Product.SLACK)
    url = reverse("rollout:edit", args=[viva_rollout.pk])
    form = client_as(personas.manager).get(url).context["form"]
    assert foreign not in form.fields["also_accepts"].queryset
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(also_accepts=[foreign.pk], owner=personas.manager.pk)

    response = client_as(personas.manager).post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors["also_accepts"] == [
        f"{foreign.pk} is not a platform of this organization."
    ]
    assert not viva_rollout.also_accepts.exists()


@pytest.mark.parametrize(
    "product", [Product.VIVA_ENGAGE, Product.TEAMS, Product.SLACK, Product.WORKPLACE, Product.OTHER]
)
def test_rollouts_template_is_accepted_into_a_rollout_of_any_platform(personas, post_file, product):
    platform = PlatformFactory(organization=personas.org, name=f"Our {product} platform", product=product)
    rollout = RolloutFactory(organization=personas.org, platform=platform)

    response = post_file(personas.manager, rollout, template_file())

    assert response.status_code == 302
    batch = ImportBatch.objects.get(rollout=rollout)
    assert (batch.source, batch.status) == (Source.GENERIC, ImportBatch.Status.READY)


def test_a_rollout_on_a_platform_of_no_known_product_refuses_a_teams_export_and_says_how_to_fix_it(
    personas, post_file, settings
):
    intranet = PlatformFactory(organization=personas.org, name="Staff Hub", product=Product.OTHER)
    rollout = RolloutFactory(organization=personas.org, platform=intranet, name="Staff Hub for wards")

    response = post_file(personas.manager, rollout, teams_export())

    assert response.status_code == 400
    assert file_error(response) == (
        "This is a Microsoft Teams user activity export; “Staff Hub for wards” runs on Staff Hub. "
        "Nothing was stored. The product of Staff Hub is not set (“Other / not listed”), so for Staff Hub "
        "this rollout accepts only Rollout's CSV template. If Staff Hub is Microsoft Teams, set its product "
        "under Settings → Platforms; otherwise fill in Rollout's CSV template (download it on the Engage "
        "upload page) from this export."
    )
    assert not ImportBatch.objects.exists() and stored_files(settings) == []


def test_once_the_platforms_product_is_set_in_settings_its_exports_are_accepted(
    personas, post_file, client_as
):
    platform = PlatformFactory(organization=personas.org, name="Staff chat", product=Product.OTHER)
    rollout = RolloutFactory(organization=personas.org, platform=platform)
    assert post_file(personas.manager, rollout, teams_export()).status_code == 400

    saved = client_as(personas.admin).post(
        reverse("rollout:platform_edit", args=[platform.pk]),
        {"name": "Staff chat", "product": Product.TEAMS, "kind": Platform.Kind.CHAT, "status": "in_use"},
    )
    assert saved.status_code == 302
    listing = client_as(personas.admin).get(reverse("rollout:platforms")).content.decode()
    assert "<td>Microsoft Teams</td>" in listing

    assert post_file(personas.manager, rollout, teams_export()).status_code == 302


def test_a_rollout_on_a_product_whose_exports_rollout_cannot_read_points_to_the_template(personas, post_file):
    workplace = PlatformFactory(organization=personas.org, name="Workplace", product=Product.WORKPLACE)
    rollout = RolloutFactory(organization=personas.org, platform=workplace, name="Workplace pilot")

    error = file_error(post_file(personas.manager, rollout, slack_export()))

    assert error.startswith("This is a Slack member analytics export; “Workplace pilot” runs on Workplace.")
    assert "Rollout reads no Workplace from Meta export: fill in Rollout's CSV template" in error


def test_the_upload_page_says_what_the_rollout_accepts(personas, viva_rollout, teams_platform, client_as):
    viva_rollout.also_accepts.add(teams_platform)

    page = client_as(personas.manager).get(reverse("engage:upload", args=[viva_rollout.pk])).content.decode()

    assert (
        "“Viva Engage for all staff” runs on Viva Engage network and accepts Viva Engage user activity "
        "exports, Microsoft Teams user activity exports and Rollout&#x27;s CSV template." in page
    )


# A CommandError is what makes `manage.py` exit with status 1 (Django's documented contract), so a
# scheduled job sees the refusal as a failure.
def test_the_command_refuses_another_platforms_export_with_a_non_zero_exit(
    personas, viva_rollout, tmp_path, settings
):
    path = tmp_path / "slack.csv"
    path.write_bytes(slack_export())

    with pytest.raises(CommandError) as refused:
        call_command(
            "import_activity", str(path), rollout=viva_rollout.pk, user=personas.manager.email, period_days=30
        )

    assert str(refused.value).startswith(
        "This is a Slack member analytics export; “Viva Engage for all staff” runs on Viva Engage network."
    )
    assert not ImportBatch.objects.exists() and stored_files(settings) == []


def test_the_api_refuses_another_platforms_export_with_a_400_naming_both(personas, viva_rollout, settings):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {create_token(personas.manager, personas.org, 'test', 'write')[1]}"
    )
    upload = SimpleUploadedFile("teams.csv", teams_export(), content_type="text/csv")

    response = client.post(
        "/api/v1/activity-imports/", {"rollout": viva_rollout.pk, "file": upload}, format="multipart"
    )

    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["file"]
    assert message.startswith(
        "This is a Microsoft Teams user activity export; “Viva Engage for all staff” runs on Viva Engage network."
    )
    assert not ImportBatch.objects.exists() and stored_files(settings) == []


def test_existing_platforms_get_their_product_from_their_name(personas):
    names = {
        "Yammer": Product.VIVA_ENGAGE,
        "VIVA ENGAGE (all staff)": Product.VIVA_ENGAGE,
        "Yammer to Teams bridge": Product.VIVA_ENGAGE,
        "MS Teams": Product.TEAMS,
        "Slack Enterprise Grid": Product.SLACK,
        "Workplace": Product.WORKPLACE,
        "Confluence": Product.OTHER,
    }
    for name in names:
        PlatformFactory(organization=personas.org, name=name, product=Product.OTHER)
    migration = importlib.import_module("rollout.migrations.0007_platform_product_and_also_accepts")

    migration.product_from_name(apps, None)

    products = dict(Platform.objects.filter(name__in=names).values_list("name", "product"))
    assert products == names


def test_the_demos_viva_engage_rollout_refuses_the_teams_and_slack_exports(db, post_file, settings):
    """The case that was reported: both exports went into the demo's live rollout without a word."""
    call_command("seed_demo", stdout=io.StringIO())
    rollout = Rollout.objects.get(name="Viva Engage for all staff")
    manager = User.objects.get(email="manager@northwind.example")

    teams = post_file(manager, rollout, teams_export())
    slack = post_file(manager, rollout, slack_export())

    assert file_error(teams).startswith(
        "This is a Microsoft Teams user activity export; “Viva Engage for all staff” runs on Viva Engage."
    )
    assert file_error(slack).startswith(
        "This is a Slack member analytics export; “Viva Engage for all staff” runs on Viva Engage."
    )
    assert not ImportBatch.objects.filter(rollout=rollout, file_name="export.csv").exists()
    assert stored_files(settings) == []
