"""The application's URLs plus the baseline view of the benchmark (never mounted in the app)."""

from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

from .views import baseline

urlpatterns = [path("bench/baseline/", baseline, name="bench_baseline"), *app_urlpatterns]
