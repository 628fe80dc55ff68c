import io
import json
import zipfile

import pytest


@pytest.fixture
def slack_zip():
    """slack_zip({"help/2025-03-03.json": [...], "users.json": [...]}) -> an uploaded file."""

    def build(files, name="export.zip"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path, data in files.items():
                archive.writestr(path, json.dumps(data))
        buffer.seek(0)
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")

    return build


@pytest.fixture
def csv_file():
    def build(text, name="conversations.csv"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")

    return build


from tests.engage_conversations.fake_viva_engage import fake_viva_engage  # noqa: E402, F401  (fixture)
from tests.fake_graph import fake_graph, graph_certificate  # noqa: E402, F401  (fixtures)
