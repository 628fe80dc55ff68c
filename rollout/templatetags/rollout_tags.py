from django import template

register = template.Library()


@register.simple_tag
def sparkline_points(values, width=60, height=16):
    """SVG polyline points for a small trend; no JavaScript needed."""
    values = [float(v) for v in values if v is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 1 - (v - low) / span * (height - 2):.1f}" for i, v in enumerate(values)
    )


@register.inclusion_tag("rollout/_definition.html")
def definition(anchor, label=""):
    """A small link to a figure's definition on the metrics page (docs/metrics.md), e.g.
    {% definition "participation-rate" "participation rate" %}. tests/test_definitions.py fails
    when the anchor is not a heading of docs/metrics.md."""
    return {"anchor": anchor, "label": label or anchor.replace("-", " ")}


@register.inclusion_tag("rollout/_as_of.html")
def figures_as_of(computed_at, out_of_date=False):
    """When the step figures on the page were computed, and whether a newer change is being taken
    in (rollout/figures.py). Shown in the active time zone, the organization's."""
    from django.utils import timezone

    shown = timezone.localtime(computed_at) if computed_at else None
    return {
        "computed_at": shown,
        "today": shown is not None and shown.date() == timezone.localdate(),
        "out_of_date": out_of_date,
    }


@register.simple_tag(takes_context=True)
def step_pages(context, step_key, active="home"):
    """The navigation of a step's pages for the current role: {"step", "home_url", "tabs":
    [(label, url, is_active)], "member_crumb": (url, label) or None} (templates/rollout/_step_nav.html)."""
    from django.urls import reverse

    from rollout.access import STAFF
    from rollout.steps import registry

    step = registry.get(step_key)
    rollout, role = context["rollout"], context.get("current_role")
    tabs = [
        (page.label, page.url(rollout), page.key == active)
        for page in step.pages
        if page.roles is None or role in page.roles
    ]
    member_crumb = None
    if step.member_crumb and role not in STAFF:
        member_crumb = (reverse(step.member_crumb[0]), step.member_crumb[1])
    return {"step": step, "home_url": step.url(rollout), "tabs": tabs, "member_crumb": member_crumb}


@register.filter
def percent(value, decimals=1):
    """A percentage in the page's language: {{ rate|percent }} is "12.5%" in English and "12,5 %"
    in German and French; {{ rate|percent:0 }} without decimals. Empty for None."""
    from rollout.i18n import percent as shown

    return "" if value is None or value == "" else shown(value, int(decimals))


@register.filter
def number(value, decimals=0):
    """A number in the page's language with grouping: "1,234.5" / "1.234,5" / "1 234,5"."""
    from rollout.i18n import number as shown

    return "" if value is None or value == "" else shown(value, int(decimals))


# Languages that write nouns with a capital inside a sentence.
CAPITAL_NOUNS = {"de"}


@register.filter
def in_sentence(text):
    """A label as it reads inside a sentence: lower case ("How participation rate is defined"),
    except in languages that capitalize nouns ("Wie Beteiligungsquote definiert ist")."""
    from django.utils.translation import get_language

    text = str(text)
    return text if (get_language() or "en").split("-")[0] in CAPITAL_NOUNS else text.lower()
