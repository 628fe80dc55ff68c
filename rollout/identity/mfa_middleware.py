"""TwoStepMiddleware: what a session's two-step State (rollout/identity/mfa.py) allows.

- CODE_REQUIRED: someone with a second factor was signed in by a password alone, by a way other
  than Rollout's login page (the Django admin's login form). They are signed out again and asked
  for the code, as the login page would have done, then sent back where they were going.
- SETUP_REQUIRED: an admin or manager whose organization requires two-step sign-in logged in with
  a password and has none. Every page but the set-up page, logging out and static files leads to
  the set-up page until it is done.

Both states are decided at sign-in (mfa.on_logged_in), so this costs no query: a policy turned on
later applies from each person's next password login.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse

from rollout.models import User

from . import mfa


class TwoStepMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = mfa.session_state(request)
        if state == mfa.State.CODE_REQUIRED and request.user.is_authenticated:
            return self.ask_for_the_code(request)
        setting_up = state == mfa.State.SETUP_REQUIRED and request.user.is_authenticated
        if setting_up and not self.open_during_setup(request.path):
            return redirect("identity:mfa_setup")
        return self.get_response(request)

    @staticmethod
    def open_during_setup(path):
        if path in (reverse("identity:mfa_setup"), reverse("logout")):
            return True
        return path.startswith(f"/{settings.STATIC_URL.lstrip('/')}")

    @staticmethod
    def ask_for_the_code(request):
        user = User.objects.get(pk=request.user.pk)
        user.backend = request.session.get(BACKEND_SESSION_KEY)
        next_url = request.get_full_path() if request.method == "GET" else reverse("home")
        request.session.flush()  # signed out, without a "logged out" event: they never really were in
        request.user = AnonymousUser()
        mfa.hold_sign_in(request, user, next_url=next_url)
        return redirect("identity:login_code")
