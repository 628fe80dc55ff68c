"""Demo data contributed by the step apps, without the centre importing them.

Each step app may have a `demo.py` module that decorates a function with `@demo_seeder(order)`;
`seed_demo` imports every installed app's `demo` module and runs the seeders in order, inside its
transaction. A seeder receives a `DemoContext` and must be idempotent (update_or_create).
"""

from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules

_seeders = []


@dataclass
class DemoContext:
    organization: object  # Northwind Health
    people: dict  # Role -> the demo login of that role
    units: dict  # unit name -> Unit
    rollouts: dict  # "live" / "planning" -> Rollout
    members: list = field(default_factory=list)  # every generated user of Northwind Health
    stdout: object = None


def demo_seeder(order):
    def register(function):
        _seeders.append((order, function.__module__, function))
        return function

    return register


def run_seeders(context):
    autodiscover_modules("demo")
    for _order, _module, seeder in sorted(_seeders, key=lambda item: (item[0], item[1])):
        seeder(context)
