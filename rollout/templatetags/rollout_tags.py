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


@register.filter
def in_minutes(duration):
    """A timedelta as '15 minutes' (the login lockout page)."""
    minutes = max(1, round(duration.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@register.inclusion_tag("rollout/_definition.html")
def definition(anchor, label=""):
    """A small link to a figure's definition on the metrics page (docs/metrics.md), e.g.
    {% definition "participation-rate" "participation rate" %}. tests/test_definitions.py fails
    when the anchor is not a heading of docs/metrics.md."""
    return {"anchor": anchor, "label": label or anchor.replace("-", " ")}
