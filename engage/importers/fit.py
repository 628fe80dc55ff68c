"""Which activity exports a rollout accepts, decided from the file's header before it is stored.

A rollout accepts the exports of its platform's product, those of the platforms its manager added
under "Also accept activity exports from these platforms" (rollout settings), and Rollout's own
template, which fits every rollout (its rows say nothing about where they came from). Anything
else would mix another platform's people and posts into the rollout's figures without a word, so
the upload is refused with a message that names both platforms and what to do instead.
"""

from rollout.models import Platform

from ..models import Source

Product = Platform.Product

# The product each format is an export of; None for Rollout's template, which any rollout takes.
PRODUCT_OF_SOURCE = {
    Source.VIVA_ENGAGE: Product.VIVA_ENGAGE,
    Source.TEAMS: Product.TEAMS,
    Source.SLACK: Product.SLACK,
    Source.GENERIC: None,
}
# How a message names a file of each product's format.
EXPORT_NAME = {
    Product.VIVA_ENGAGE: "Viva Engage user activity export",
    Product.TEAMS: "Microsoft Teams user activity export",
    Product.SLACK: "Slack member analytics export",
}
ALSO_ACCEPTS = "“Also accept activity exports from these platforms”"
TEMPLATE = "Rollout's CSV template (download it on the Engage upload page)"


def accepted_exports(rollout):
    """What the rollout accepts, in words for the upload page ("Viva Engage user activity exports
    and Rollout's CSV template"): its platforms' exports that Rollout reads, then the template."""
    products = []
    for platform in rollout.activity_platforms():
        if platform.product in EXPORT_NAME and platform.product not in products:
            products.append(platform.product)
    return _and([EXPORT_NAME[product] + "s" for product in products] + ["Rollout's CSV template"])


def refusal(rollout, fmt):
    """Why `rollout` refuses a file of format `fmt`, in a few sentences that name the file's
    platform and the rollout's, or "" when the rollout accepts it (or the format is not known
    yet: the check reports an unreadable header)."""
    product = PRODUCT_OF_SOURCE.get(fmt.source) if fmt is not None else None
    if product is None:
        return ""
    platforms = rollout.activity_platforms()
    if any(platform.product == product for platform in platforms):
        return ""
    own, others = platforms[0], platforms[1:]
    exported_by = Product(product).label
    runs_on = f"“{rollout.name}” runs on {own.name}"
    if others:
        runs_on += " and also accepts exports from " + _and(platform.name for platform in others)
    stated = f"This is a {EXPORT_NAME[product]}; {runs_on}. Nothing was stored."
    spans = (
        f"If this rollout really spans {exported_by} too, tick a {exported_by} platform under "
        f"{ALSO_ACCEPTS} when you edit the rollout."
    )
    if own.product == Product.OTHER:
        return (
            f"{stated} The product of {own.name} is not set (“{Product.OTHER.label}”), so for {own.name} "
            f"this rollout accepts only Rollout's CSV template. If {own.name} is {exported_by}, set its "
            f"product under Settings → Platforms; otherwise fill in {TEMPLATE} from this export."
        )
    if own.product not in EXPORT_NAME:
        return (
            f"{stated} Rollout reads no {own.get_product_display()} export: fill in {TEMPLATE} from "
            f"{own.name}'s figures. {spans}"
        )
    return f"{stated} Upload the rollout's {EXPORT_NAME[own.product]} instead. {spans}"


def _and(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
