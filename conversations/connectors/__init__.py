"""Conversations pulled from a platform's API rather than uploaded as a file: slack.py reads the
channels a rollout names (`ConnectedChannel`) through Slack's Web API, teams.py the Teams channels
through Microsoft Graph."""
