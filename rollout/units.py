"""The unit tree: an organization's units read in one query ({unit id: parent id}) and walked in
Python. Audiences, champions' coverage and participation all ask "which units are inside this
one" or "which units is this one inside"; they ask here."""

from collections.abc import Iterable

from .models import Unit


def unit_tree(organization_id: int) -> dict[int, int | None]:
    """{unit id: parent id} of the organization's units, in one query."""
    return dict(Unit.objects.filter(organization_id=organization_id).values_list("pk", "parent_id"))


def with_ancestors(tree: dict[int, int | None], unit_id: int | None) -> list[int]:
    """The unit and the units it sits in, nearest first ([] for no unit)."""
    found: list[int] = []
    while unit_id is not None and unit_id not in found:  # a cycle cannot loop forever
        found.append(unit_id)
        unit_id = tree.get(unit_id)
    return found


def with_descendants(tree: dict[int, int | None], unit_ids: Iterable[int]) -> set[int]:
    """The units and every unit inside them, at any depth."""
    children: dict[int, list[int]] = {}
    for pk, parent in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    found: set[int] = set()
    todo = list(unit_ids)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, ()))
    return found
