"""No template shows text that is not marked for translation (tests/template_literals.py finds it)."""

from pathlib import Path

from django.conf import settings

from .template_literals import templates, untranslated

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_the_finder_sees_text_attributes_and_filter_arguments_but_not_template_language(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "{% load i18n %}<h1>{% translate 'Fine' %}</h1>\n"
        "<p>Plain words</p>\n"
        '<a title="Open it" href="{% url \'x\' %}">{{ name }}</a>\n'
        '{{ value|default:"Not known" }}{{ value|default:_("Known") }}\n'
        '{% blocktranslate trimmed %}Also fine{% endblocktranslate %}<span class="badge">CSV</span>\n'
        "{{ n }} item{{ n|pluralize:'s' }} {{ n }} cit{{ n|pluralize:'y,ies' }}\n"
    )
    found = untranslated(page)
    assert [text.split()[0] for _, text in found] == ["Plain", 'title="Open', "{{", "item", "{{"]
    assert "Not known" in found[2][1] and "y,ies" in found[4][1]


def test_every_template_is_marked_for_translation():
    left = [
        f"{template.relative_to(TEMPLATES)}:{line}: {text[:100]}"
        for template in templates(TEMPLATES)
        for line, text in untranslated(template)
    ]
    assert left == [], f"{len(left)} untranslated text(s) in templates:\n" + "\n".join(left[:60])
