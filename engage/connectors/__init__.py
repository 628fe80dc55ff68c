"""Engage's connections (rollout/connections registers nothing itself): the Microsoft Graph usage
reports, registered by EngageConfig.ready()."""
