"""Demo data contributed by the step apps, without the centre importing them.

Each step app may have a `demo.py` module that decorates a function with `@demo_seeder(order)`;
`seed_demo` imports every installed app's `demo` module and runs the seeders in order, inside its
transaction. A seeder receives a `DemoContext` and must be idempotent (update_or_create).

`seed_demo --scale enterprise` runs the same seeders with `ctx.scale == "enterprise"` on one large
organization (rollout/enterprise.py). Only seeders that declare the scale run there
(`@demo_seeder(order, scales=("demo", "enterprise"))`); each hands that case to its app's
`enterprise.py`, which inserts in bulk.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules

# (order, module, function, scales) of every @demo_seeder
_seeders: list[tuple[int, str, Callable, tuple[str, ...]]] = []


@dataclass
class DemoContext:
    organization: object  # Northwind Health
    people: dict  # Role -> the demo login of that role
    units: dict  # unit name -> Unit
    rollouts: dict  # "live" / "planning" -> Rollout
    members: list = field(default_factory=list)  # every generated user of Northwind Health
    stdout: object = None
    scale: str = "demo"  # "demo" (Northwind Health) or "enterprise" (rollout/enterprise.py)
    factor: float = 1.0  # enterprise only: a fraction of the full enterprise size (tests use 0.001)


def demo_seeder(order, scales=("demo",)):
    def register(function):
        _seeders.append((order, function.__module__, function, tuple(scales)))
        return function

    return register


def run_seeders(context):
    autodiscover_modules("demo")
    for _order, _module, seeder, scales in sorted(_seeders, key=lambda item: (item[0], item[1])):
        if context.scale in scales:
            seeder(context)
