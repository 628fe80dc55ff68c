"""Platforms say which product they are, and a rollout may accept activity exports from more
platforms than its own. Existing platforms get their product from their name."""

from django.db import migrations, models
from django.db.models import Q

# In this order: a name that matches two rules takes the first ("Yammer to Teams" is Yammer).
PRODUCT_BY_NAME = [
    ("viva_engage", ["viva engage", "yammer"]),
    ("teams", ["teams"]),
    ("slack", ["slack"]),
    ("workplace", ["workplace"]),
]


def product_from_name(apps, schema_editor):
    """Every platform is "other" after the field is added; a name that says the product sets it."""
    Platform = apps.get_model("rollout", "Platform")
    for product, words in PRODUCT_BY_NAME:
        named = Q()
        for word in words:
            named |= Q(name__icontains=word)
        Platform.objects.filter(named, product="other").update(product=product)


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0006_auditevent"),
    ]

    operations = [
        migrations.AddField(
            model_name="platform",
            name="product",
            field=models.CharField(
                choices=[
                    ("viva_engage", "Viva Engage (Yammer)"),
                    ("teams", "Microsoft Teams"),
                    ("slack", "Slack"),
                    ("workplace", "Workplace from Meta"),
                    ("other", "Other / not listed"),
                ],
                default="other",
                help_text="Which product this is. A rollout on it accepts only this product's activity "
                "exports (and Rollout's CSV template).",
                max_length=20,
            ),
        ),
        migrations.RunPython(product_from_name, migrations.RunPython.noop),
        migrations.AddField(
            model_name="rollout",
            name="also_accepts",
            field=models.ManyToManyField(
                blank=True,
                help_text="Only if this rollout spans several platforms: their people and posts are added "
                "together in its figures.",
                related_name="also_in_rollouts",
                to="rollout.platform",
                verbose_name="Also accept activity exports from these platforms",
            ),
        ),
    ]
