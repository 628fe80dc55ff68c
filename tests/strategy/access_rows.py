from tests.access import EDITORS, STAFF, page


def rollout(p):
    return {"pk": p.rollout.pk}


ROWS = {
    "strategy:worksheet": page(STAFF, rollout),
    "strategy:section": page(EDITORS, lambda p: {"pk": p.rollout.pk, "section": "purpose"}),
    "strategy:history": page(STAFF, rollout),
    "strategy:print": page(STAFF, rollout),
    # The rows behind the portfolio's "Targets", and their CSV.
    "strategy:targets": page(STAFF, rollout),
    "strategy:targets_csv": page(STAFF, rollout),
    # Sign-off actions redirect back to the worksheet (with a message saying why when refused).
    "strategy:submit": page(EDITORS, rollout, ok=302, method="post"),
    "strategy:approve": page(EDITORS, rollout, ok=302, method="post"),
    "strategy:send_back": page(EDITORS, rollout, ok=302, method="post"),
    "strategy:reopen": page(EDITORS, rollout, ok=302, method="post"),
    "strategy:copy": page(EDITORS, rollout, ok=302, method="post"),
}
