"""Pages of the Engage step, mounted by config/urls.py under /r/<pk>/engage/."""

from django.urls import include, path

app_name = "engage"

urlpatterns = [
    # Part 2 (conversations, the queue, momentum, pulses: the `conversations` app) under
    # /r/<pk>/engage/conversations/ ..., in this namespace so its URL names stay "engage:...".
    path("", include("conversations.urls")),
    # Part 1 (activity imports and metrics): the step's landing page and the imports.
    path("", include("engage.activity_urls")),
]
