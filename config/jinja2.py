"""The Jinja2 environment for the few templates drawn on every keystroke of a busy
counter (the register's cart, `pos/jinja2/`): the same markup as Django's template
language would give, in about half the time (docs/performance.md).

Strings are marked as in Django templates, `{{ _("Text") }}` and, with values,
`{{ _("Remove %(sku)s")|format(sku=...) }}`, so that `makemessages` finds them (it
reads `{{ _("...") }}` in any .html file) and the Persian catalogue serves both. Output
is escaped (autoescape); forms, the CSRF input and icons are safe strings already.
"""

import functools

from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, gettext, ngettext, pgettext
from jinja2 import Environment
from markupsafe import Markup

from tenants.templatetags import zargar


def url(name: str, *args, **kwargs) -> str:
    if not args and not kwargs:
        return _url_plain(name, get_script_prefix())
    return reverse(name, args=args or None, kwargs=kwargs or None)


@functools.lru_cache(maxsize=512)
def _url_plain(name: str, prefix: str) -> str:
    """A URL without arguments is the same for every request under one script prefix."""
    return reverse(name)


_DRAWN: dict[tuple, Markup] = {}
_DRAWN_KEPT = 256


def drawn_once(macro, form) -> Markup:
    """`macro(form)`, kept per process for an unbound form without choices: its labels,
    ids and widgets are then the same for every request in a language (the register's
    scanner field and hold form, drawn on every scan). A bound form (values, errors) or
    one with choices (they follow the data) is drawn each time."""
    fields = form.fields.values()
    if form.is_bound or form.initial or any(hasattr(field, "choices") for field in fields):
        return macro(form)
    # What of a field an instance may change: label, help, required, disabled, widget.
    key = (type(form), get_language(), form.prefix, form.auto_id,
           tuple((name, str(field.label), str(field.help_text), field.required,
                  field.disabled, type(field.widget), repr(field.widget.attrs),
                  repr(field.initial))
                 for name, field in form.fields.items()))
    drawn = _DRAWN.get(key)
    if drawn is None:
        drawn = Markup(macro(form))
        if len(_DRAWN) < _DRAWN_KEPT:
            _DRAWN[key] = drawn
    return drawn


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext, url=url,
        drawn_once=drawn_once, icon=zargar.icon, money_places=zargar.money_places,
        currency_label=zargar.currency_label, money_step=zargar.money_step)
    env.filters.update(
        digits=zargar.digits, money=zargar.money, money_plain=zargar.money_plain,
        grams=zargar.grams, rate=zargar.rate, jdate=zargar.jdate)
    return env
