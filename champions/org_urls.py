"""Organization-wide champion pages, mounted by config/urls.py under /champions/."""

from django.urls import path

from .views import member, organization

app_name = "champions_org"

urlpatterns = [
    path("skills/", organization.skills, name="skills"),
    path("skills/<int:skill>/", organization.skill_edit, name="skill_edit"),
    path("my-sessions/", organization.my_sessions, name="my_sessions"),
    # The employee's side: who can help me, writing to a champion, the directory.
    path("help/", member.help_page, name="help"),
    path("help/<int:champion>/write/", member.write, name="write"),
    path("directory/", member.directory, name="directory"),
]
