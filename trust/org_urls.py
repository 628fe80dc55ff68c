"""Organization-wide trust pages, mounted by config/urls.py under /trust/: guidelines, training,
boundaries and incidents belong to the organization, not to one rollout."""

from django.urls import path

from .views import boundaries, guidelines, incidents, member, speak_up, training

app_name = "trust_org"

urlpatterns = [
    # Everyone: their own guidelines, boundaries and training.
    path("mine/", member.mine, name="mine"),
    path("mine/guidelines/<int:pk>/", member.my_guideline, name="my_guideline"),
    path("training/<int:pk>/", member.take_module, name="take_module"),
    path("speak-up/", speak_up.speak_up, name="speak_up"),
    # Managers and admins.
    path("guidelines/", guidelines.guideline_list, name="guidelines"),
    path("guidelines/new/", guidelines.guideline_create, name="guideline_create"),
    path("guidelines/<int:pk>/", guidelines.guideline_detail, name="guideline"),
    path("guidelines/<int:pk>/edit/", guidelines.guideline_edit, name="guideline_edit"),
    path("guidelines/<int:pk>/publish/", guidelines.publish, name="publish"),
    path("guidelines/<int:pk>/v<int:number>/", guidelines.version_detail, name="version"),
    path("guidelines/<int:pk>/remind/", guidelines.remind, name="remind"),
    path("training/", training.module_list, name="modules"),
    path("training/new/", training.module_create, name="module_create"),
    path("training/<int:pk>/edit/", training.module_edit, name="module_edit"),
    path("training/<int:pk>/results/", training.module_results, name="module_results"),
    path("boundaries/", boundaries.boundary_list, name="boundaries"),
    path("boundaries/<int:pk>/", boundaries.boundary_edit, name="boundary_edit"),
    path("boundaries/<int:pk>/delete/", boundaries.boundary_delete, name="boundary_delete"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/new/", incidents.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", incidents.incident_edit, name="incident_edit"),
]
