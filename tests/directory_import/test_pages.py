"""The pages an admin sees: upload and history, the preview, the problems, the progress of a
file checked by a worker, the template; and the Units page's headcount sources."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rollout.directory.models import PeopleImport
from rollout.directory.tasks import check_people_file
from rollout.models import Unit

from .files import csv_bytes, import_now, people, upload


def test_the_upload_page_lists_the_history(personas, client_as):
    import_now(upload(personas.org, personas.admin, csv_bytes(people(2))), personas.admin)
    response = client_as(personas.admin).get(reverse("people_import:upload"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Import people from an HR file" in text and "Deactivate people who are not in the file" in text
    assert "people.csv" in text and "Imported" in text
    assert 'href="/settings/people/"' in text  # the Settings tab


def test_uploading_a_file_shows_its_preview(personas, client_as):
    client = client_as(personas.admin)
    file = SimpleUploadedFile("staff.csv", csv_bytes(people(3)))
    response = client.post(reverse("people_import:upload"), {"file": file}, follow=True)
    text = response.content.decode()
    assert response.status_code == 200
    assert "What importing this file will do" in text and "Import 3 people" in text
    assert 'data-testid="count-added">3<' in text
    assert "Nursing (department)" in text


def test_a_refused_file_lists_its_problems(personas, client_as):
    refused = upload(personas.org, personas.admin, csv_bytes([["bad", "X", "", "", "", "", ""]]))
    text = client_as(personas.admin).get(reverse("people_import:detail", args=[refused.pk])).content.decode()
    assert "1 problem: nothing was imported" in text and "“bad” is not an email address" in text


def test_an_old_xls_workbook_is_refused_at_upload(personas, client_as):
    file = SimpleUploadedFile("staff.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    response = client_as(personas.admin).post(reverse("people_import:upload"), {"file": file})
    assert response.status_code == 400
    assert "old Excel workbook" in response.content.decode()
    assert not PeopleImport.objects.exists()


def test_a_large_file_is_checked_by_a_worker_while_the_page_polls(personas, client_as, settings, monkeypatch):
    settings.PEOPLE_IMPORT_INLINE_CHECK_KB = 0
    sent = []
    monkeypatch.setattr(
        "rollout.directory.hr_services.enqueue_on_commit", lambda task, *args: sent.append(args)
    )
    client = client_as(personas.admin)
    response = client.post(
        reverse("people_import:upload"), {"file": SimpleUploadedFile("big.csv", csv_bytes(people(5)))}
    )
    people_import = PeopleImport.objects.get()
    assert response["Location"] == reverse("people_import:detail", args=[people_import.pk])
    page = client.get(response["Location"]).content.decode()
    assert "people-import-progress" in page and "js/people_import.js" in page
    assert client.get(reverse("people_import:status", args=[people_import.pk])).json()["finished"] is False

    check_people_file(*sent[0])

    status = client.get(reverse("people_import:status", args=[people_import.pk])).json()
    assert (status["finished"], status["status"], status["percent"]) == (True, "checked", 100)


def test_the_template_is_a_csv_with_every_column(personas, client_as):
    response = client_as(personas.admin).get(reverse("people_import:template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0] == "email,name,unit,location,shift,manager,employee_id"


def test_the_units_page_says_where_each_headcount_comes_from(personas, client_as):
    import_now(upload(personas.org, personas.admin, csv_bytes(people(2))), personas.admin)
    text = client_as(personas.admin).get(reverse("rollout:units")).content.decode()
    assert "counted from the directory" in text and "entered by hand" in text


def test_typing_a_headcount_overrides_the_directory_and_ticking_hands_it_back(personas, client_as):
    import_now(upload(personas.org, personas.admin, csv_bytes(people(2))), personas.admin)
    nursing = Unit.objects.get(organization=personas.org, name="Nursing")
    client = client_as(personas.admin)
    url = reverse("rollout:unit_edit", args=[nursing.pk])
    form = {"name": "Nursing", "kind": "department", "headcount": 300, "count_from_directory": "on"}

    assert "Count from the directory" in client.get(url).content.decode()
    client.post(url, form)
    nursing.refresh_from_db()
    assert (nursing.headcount, nursing.headcount_source) == (300, Unit.HeadcountSource.MANUAL)

    client.post(url, form)  # ticked again, the figure left as it is: counted from the directory
    nursing.refresh_from_db()
    assert (nursing.headcount, nursing.headcount_source) == (2, Unit.HeadcountSource.DIRECTORY)
