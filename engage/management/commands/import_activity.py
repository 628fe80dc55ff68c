"""Import an activity export from a file on disk, as the upload page does but without a browser.

    python manage.py import_activity --rollout 12 --user manager@example.org export.csv

The file is stored and checked; a file without problems is imported at once (all or nothing) in
this process. An export of another platform than the rollout's is refused before it is stored,
with the same message as the upload page, and the command exits non-zero. Every problem is printed with its row, column and value and the command exits
non-zero; importing the same file into the same rollout again changes nothing and says so.
"""

from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engage import services
from engage.models import ImportBatch
from engage.views import IMPORTERS
from rollout.models import Membership, Rollout


class Command(BaseCommand):
    help = "Check an activity export and, if it has no problems, import it into a rollout."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV export (Viva Engage, Teams, Slack or Rollout's template)")
        parser.add_argument("--rollout", type=int, required=True, help="the rollout's id")
        parser.add_argument("--user", required=True, help="email of the manager or admin importing it")
        parser.add_argument(
            "--period-end", type=date.fromisoformat, help="Slack only: last day of the period (YYYY-MM-DD)"
        )
        parser.add_argument("--period-days", type=int, default=30, help="Slack only: the period's length")

    def handle(self, *args, path, rollout, user, period_end, period_days, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        rollout = Rollout.objects.select_related("organization").filter(pk=rollout).first()
        if rollout is None:
            raise CommandError("No such rollout.")
        user = get_user_model().objects.filter(email__iexact=user).first()
        membership = Membership.objects.filter(user=user, organization=rollout.organization).first()
        if user is None or membership is None or membership.role not in IMPORTERS:
            raise CommandError("That user is not a manager or admin of the rollout's organization.")
        if not 1 <= period_days <= 366:
            raise CommandError("--period-days must be between 1 and 366.")
        choices = {
            "period_end": period_end or timezone.localdate() - timedelta(days=1),
            "period_days": period_days,
        }

        with open(source, "rb") as handle:
            try:
                batch = services.store_upload(rollout, File(handle, name=source.name), user, choices)
            except services.TooLarge:
                raise CommandError(
                    f"The file is larger than the limit of {services.max_upload_bytes() // 1048576} MB."
                ) from None
            except services.WrongPlatform as refusal:
                raise CommandError(str(refusal)) from None
        batch = services.check(batch)

        if batch.status == ImportBatch.Status.INVALID:
            for problem in batch.problems.order_by("pk"):
                where = f"row {problem.row}" if problem.row else "file"
                column = f", column {problem.column!r}" if problem.column else ""
                value = f", value {problem.value!r}" if problem.value else ""
                self.stdout.write(f"{where}{column}{value}: {problem.message}")
            if batch.problem_count > services.MAX_PROBLEMS:
                self.stdout.write(f"... and {batch.problem_count - services.MAX_PROBLEMS} more.")
            raise CommandError(batch.message)

        try:
            claimed = services.confirm(batch, user, enqueue=False)
        except services.AlreadyImported as error:
            services.cancel(batch)
            self.stdout.write(
                f"This file was already imported ({error.batch.file_name}, {error.batch.created_at:%d %b %Y}); "
                "nothing changed."
            )
            return
        if not claimed:
            raise CommandError("The file could not be confirmed for import.")

        # In this process, not by a worker: the command ends when the import has.
        services.run_import(batch.pk)
        batch.refresh_from_db()
        if batch.status != ImportBatch.Status.DONE:
            raise CommandError(batch.message or f"The import ended '{batch.get_status_display()}'.")
        self.stdout.write(self.style.SUCCESS(batch.message))
