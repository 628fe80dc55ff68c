"""The Engage step's activity rows of the access matrix (tests/test_access_matrix.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from engage.models import ImportBatch, OfficialAccount, PersonMatch

from ..access import EDITORS, LEADERS, STAFF, page, rollout_kwargs
from . import files


def _batch(p, status=ImportBatch.Status.READY):
    return ImportBatch.objects.create(
        rollout=p.rollout,
        file_name="export.csv",
        stored_path="imports/none.csv",
        file_hash="0" * 64,
        status=status,
    )


def batch_kwargs(p):
    return {"pk": p.rollout.pk, "batch": _batch(p).pk}


def invalid_batch_kwargs(p):
    """Confirming a file with problems is refused with a message and a redirect."""
    return {"pk": p.rollout.pk, "batch": _batch(p, ImportBatch.Status.INVALID).pk}


def account_kwargs(p):
    account = OfficialAccount.objects.create(
        rollout=p.rollout, person_key="comms@acme.example", label="Comms"
    )
    return {"pk": p.rollout.pk, "account": account.pk}


def match_kwargs(p):
    match = PersonMatch.objects.create(
        organization=p.org,
        kind=PersonMatch.Kind.DOMAIN,
        export_key="acme.onmicrosoft.com",
        member_domain="acme.example",
    )
    return {"pk": p.rollout.pk, "match": match.pk}


def match_data(p):
    return {"export_key": "acme.onmicrosoft.com", "member_domain": "acme.example"}


def upload_data(p):
    return {
        "file": SimpleUploadedFile(
            "export.csv", files.viva_file([files.viva_row("a@acme.example", "A", 1, 1, 1)])
        )
    }


ROWS = {
    "engage:home": page(STAFF, rollout_kwargs),
    "engage:accounts": page(STAFF, rollout_kwargs),
    "engage:figures_csv": page(STAFF, rollout_kwargs),
    "engage:cadence": page(EDITORS, rollout_kwargs),
    "engage:account_delete": page(EDITORS, account_kwargs, ok=302, method="post"),
    # The people behind the figures are named: the portfolio's readers (not champions).
    "engage:people": page(LEADERS, rollout_kwargs),
    "engage:people_csv": page(LEADERS, rollout_kwargs),
    "engage:match_add": page(EDITORS, rollout_kwargs, ok=302, method="post", data=match_data),
    "engage:match_delete": page(EDITORS, match_kwargs, ok=302, method="post"),
    "engage:imports": page(STAFF, rollout_kwargs),
    "engage:upload": page(EDITORS, rollout_kwargs, ok=302, method="post", data=upload_data),
    "engage:template": page(STAFF, rollout_kwargs),
    "engage:import_detail": page(STAFF, batch_kwargs),
    "engage:import_progress": page(STAFF, batch_kwargs),
    "engage:import_confirm": page(EDITORS, invalid_batch_kwargs, ok=302, method="post"),
    "engage:import_cancel": page(EDITORS, batch_kwargs, ok=302, method="post"),
}
