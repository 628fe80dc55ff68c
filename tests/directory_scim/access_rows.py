"""Access-matrix rows of the directory's SCIM pages and of the SCIM API (/scim/v2/).

The SCIM API authenticates by a SCIM bearer token only: every persona of the matrix, signed in
with a browser session or not, has none, so every SCIM URL answers 401."""

from tests.access import ADMINS, PERSONAS, Row, page


def scim_token(p):
    from rollout.directory.scim_auth import create_token

    return {"pk": create_token(p.org, "matrix", p.admin)[0].pk}


SCIM_401 = Row(dict.fromkeys(PERSONAS, 401))

ROWS = {
    "directory:scim_tokens": page(ADMINS),
    "directory:scim_token_revoke": page(ADMINS, scim_token, ok=302, method="post"),
    **{
        f"scim:{name}": SCIM_401
        for name in ("root", "search", "users-search", "groups-search", "me", "bulk")
        + ("service-provider-config", "resource-types", "schemas")
    },
    "scim:users": SCIM_401,
    "scim:groups": SCIM_401,
    "scim:not-found": Row(dict.fromkeys(PERSONAS, 401), lambda p: {"path": "Nope"}),
}
