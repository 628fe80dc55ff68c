"""Conversations, the queue, momentum and pulses (Engage, part 2), included by engage/urls.py
into the "engage" namespace.

Every route here starts with a prefix of its own (conversations/, queue/, momentum/, pulses/) so it
never collides with part 1's routes; every name starts with the same prefix.
"""

from django.urls import path

from .views import channels, conversations, drilldown, momentum, pulses, queue

urlpatterns = [
    path("conversations/", conversations.thread_list, name="conversations"),
    path("conversations/import/", conversations.import_conversations, name="conversations_import"),
    path("conversations/template.csv", conversations.csv_template, name="conversations_template"),
    path("conversations/log/", conversations.log_question, name="conversations_log"),
    path("conversations/<int:thread>/", conversations.thread_detail, name="conversations_thread"),
    # The Slack and Teams channels and Viva Engage communities the rollout names, pulled by the organization's connections.
    path("conversations/channels/", channels.channel_list, name="conversations_channels"),
    path("conversations/channels/teams/", channels.teams_channel_add, name="conversations_channels_teams"),
    path(
        "conversations/channels/viva-engage/",
        channels.viva_engage_community_add,
        name="conversations_channels_viva_engage",
    ),
    path(
        "conversations/channels/<int:channel>/remove/",
        channels.channel_remove,
        name="conversations_channels_remove",
    ),
    path("queue/", queue.queue, name="queue"),
    path("queue/response-times/", queue.response_times, name="queue_response_times"),
    # The questions behind "answered within the target" (?status=open: those waiting), and their CSV.
    path("queue/questions/", drilldown.questions, name="queue_questions"),
    path("queue/questions.csv", drilldown.questions_csv, name="queue_questions_csv"),
    path("queue/<int:question>/claim/", queue.claim, name="queue_claim"),
    path("queue/<int:question>/answered/", queue.answered, name="queue_answered"),
    path("queue/<int:question>/hand-on/", queue.hand_on, name="queue_hand_on"),
    path("momentum/", momentum.overview, name="momentum"),
    path("momentum/settings/", momentum.update_settings, name="momentum_settings"),
    path("momentum/attendance/", momentum.import_attendance, name="momentum_attendance"),
    path("pulses/", pulses.pulse_list, name="pulses"),
    path("pulses/new/", pulses.pulse_new, name="pulses_new"),
    path("pulses/<int:pulse>/", pulses.pulse_results, name="pulses_results"),
    path("pulses/<int:pulse>/open/", pulses.pulse_open, name="pulses_open"),
    path("pulses/<int:pulse>/close/", pulses.pulse_close, name="pulses_close"),
    # "What we did about it", on a closed pulse.
    path("pulses/<int:pulse>/outcome/", pulses.pulse_outcome, name="pulses_outcome"),
]
