"""A connector kind of the tests' own, scripted per test, for the framework's tests."""

from rollout.connections import registry
from rollout.connections.registry import ConnectionProblem, ConnectorKind, SettingField


class Scripted(ConnectorKind):
    key = "scripted"
    label = "Scripted service (tests)"
    description = "Does what the test says."
    credential_fields = [("api_key", "API key", True), ("account", "Account", False)]
    setting_fields = [
        SettingField("region", "Region", "Where the account lives.", (("eu", "EU"), ("us", "US")), "eu")
    ]

    def __init__(self):
        self.outcomes = []  # each pull takes the next: an int (rows) or an exception to raise
        self.pulled = []

    def test(self, connection):
        if connection.secrets.get("api_key") != "good-key":
            raise ConnectionProblem("The API key was refused.")
        return "Connected as " + connection.secrets.get("account", "?")

    def pull(self, connection, run):
        self.pulled.append(dict(run.cursor))
        outcome = self.outcomes.pop(0) if self.outcomes else 5
        run.cursor = {"page": len(self.pulled)}
        if isinstance(outcome, Exception):
            raise outcome
        run.import_ref = "tests.Thing:1"
        return outcome


def install():
    kind = Scripted()
    registry.unregister(kind.key)
    registry.register(kind)
    return kind
