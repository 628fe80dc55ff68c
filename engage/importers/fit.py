"""Which activity exports a rollout accepts, decided from the file's header before it is stored.

A rollout accepts the exports of its platform's product, those of the platforms its manager added
under "Also accept activity exports from these platforms" (rollout settings), and Rollout's own
template, which fits every rollout (its rows say nothing about where they came from). Anything
else would mix another platform's people and posts into the rollout's figures without a word, so
the upload is refused with a message that names both platforms and what to do instead.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
# How a message names a file of each product's format, and several of them.
EXPORT_NAME = {
    Product.VIVA_ENGAGE: _("Viva Engage user activity export"),
    Product.TEAMS: _("Microsoft Teams user activity export"),
    Product.SLACK: _("Slack member analytics export"),
}
EXPORTS_NAME = {
    Product.VIVA_ENGAGE: _("Viva Engage user activity exports"),
    Product.TEAMS: _("Microsoft Teams user activity exports"),
    Product.SLACK: _("Slack member analytics exports"),
}
# The rollout setting that adds another platform's exports (rollout settings).
ALSO_ACCEPTS = _("Also accept activity exports from these platforms")
TEMPLATE = _("Rollout's CSV template (download it on the Engage upload page)")


def accepted_exports(rollout):
    """What the rollout accepts, in words for the upload page ("Viva Engage user activity exports
    and Rollout's CSV template"): its platforms' exports that Rollout reads, then the template."""
    products = []
    for platform in rollout.activity_platforms():
        if platform.product in EXPORT_NAME and platform.product not in products:
            products.append(platform.product)
    return _and([EXPORTS_NAME[product] for product in products] + [gettext("Rollout's CSV template")])


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
    values = {
        "export": EXPORT_NAME[product],
        "rollout": rollout.name,
        "platform": own.name,
        "product": exported_by,
        "setting": ALSO_ACCEPTS,
        "template": TEMPLATE,
    }
    if others:
        values["others"] = _and(platform.name for platform in others)
        stated = (
            gettext(
                "This is a %(export)s; “%(rollout)s” runs on %(platform)s and also accepts exports from "
                "%(others)s. Nothing was stored."
            )
            % values
        )
    else:
        stated = (
            gettext("This is a %(export)s; “%(rollout)s” runs on %(platform)s. Nothing was stored.") % values
        )
    spans = (
        gettext(
            "If this rollout really spans %(product)s too, tick a %(product)s platform under “%(setting)s” "
            "when you edit the rollout."
        )
        % values
    )
    if own.product == Product.OTHER:
        values["other"] = Product.OTHER.label
        return " ".join(
            [
                stated,
                gettext(
                    "The product of %(platform)s is not set (“%(other)s”), so for %(platform)s this rollout "
                    "accepts only Rollout's CSV template. If %(platform)s is %(product)s, set its product under "
                    "Settings → Platforms; otherwise fill in %(template)s from this export."
                )
                % values,
            ]
        )
    if own.product not in EXPORT_NAME:
        values["own_product"] = own.get_product_display()
        return " ".join(
            [
                stated,
                gettext(
                    "Rollout reads no %(own_product)s export: fill in %(template)s from %(platform)s's figures."
                )
                % values,
                spans,
            ]
        )
    values["own_export"] = EXPORT_NAME[own.product]
    return " ".join([stated, gettext("Upload the rollout's %(own_export)s instead.") % values, spans])


def _and(names):
    names = [str(name) for name in names]
    if len(names) == 1:
        return names[0]
    return gettext("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}
