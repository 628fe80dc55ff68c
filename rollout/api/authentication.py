"""API authentication: personal tokens (Authorization: Bearer rlt_...) and the web session.

Either way the request gets the same `request.scope` (rollout/access.py) as the web pages, so the
API shares the one scoping module.
"""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from ..access import Scope
from ..models import Membership
from ..ratelimits import ALL, over_limit
from .tokens import check_token


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed(_("Send the token as 'Authorization: Bearer rlt_...'."))
        token = check_token(parts[1])
        if token is None:
            # Wrong tokens are counted per address; past the limit they get 429 instead of 401. A
            # right token always passes: providers serve many customers from shared addresses.
            wait = over_limit(request._request, "token_failures", method=ALL)
            if wait:
                raise exceptions.Throttled(wait, _("Too many requests with a wrong token from this address."))
            raise exceptions.AuthenticationFailed(
                _("This token is not valid: it is wrong, revoked or expired.")
            )
        membership = (
            Membership.objects.filter(user=token.user, organization=token.organization)
            .select_related("organization")
            .first()
        )
        if membership is None:
            raise exceptions.AuthenticationFailed(
                _("The token's owner is no longer a member of its organization.")
            )
        # The same scope the web pages use, for the token's organization.
        request._request.scope = Scope(token.user, membership)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """The browsable API and the schema viewer, for a signed-in user (CSRF enforced)."""


from . import schema  # noqa: E402,F401  (registers the schema extensions)
