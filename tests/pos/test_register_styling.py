"""The register looks like the rest of the app in light and dark mode. Its CSS is
prebuilt (static/css/app.css, no node build here), so a class it does not have does
nothing: every class on the register's page and panels must be in it, and every text
input, select and textarea must take the form styling (`.input`, or inside a `.field`
as partials/form_fields.html draws them)."""

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import pos_sale_make
from tests.pos.conftest import lot
from tests.pos.test_pages import open_at_register
from tests.pos.test_views import client_for

pytestmark = pytest.mark.django_db
CSS = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
PLAIN = {"hidden", "checkbox", "radio", "submit", "button"}


def _in_css(name: str) -> bool:
    escaped = re.sub(r"([^\w-])", r"\\\1", name)
    return re.search(r"\." + re.escape(escaped) + r"(?![\w-])", CSS) is not None


class _Inputs(HTMLParser):
    """Classes used, and the inputs drawn without the form styling."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, inside a .field)
        self.classes: set[str] = set()
        self.bare: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        self.classes.update(classes)
        in_field = (self.stack[-1][1] if self.stack else False) or "field" in classes
        if tag in ("input", "select", "textarea") and attrs.get("type") not in PLAIN \
                and "input" not in classes and not in_field:
            self.bare.append(attrs.get("name") or attrs.get("id") or tag)
        if tag not in ("input", "br", "hr", "img", "meta", "link", "path", "source"):
            self.stack.append((tag, in_field))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def test_the_registers_inputs_and_classes_are_styled(shop_a) -> None:
    s = shop_a
    c = client_for(s.manager)
    shift = open_at_register(c, s)
    sale = pos_sale_make(s, shift=shift, lines=[(lot(s, 2), 2, Decimal(0))])
    pages = {
        "register": c.get(reverse("pos:register")).content.decode(),
        # the Return panel with the sale's form (one quantity per line, reason, PIN)
        "return panel": c.get(reverse("pos:register-return-find"),
                              {"find-code": sale.display_number},
                              HTTP_HX_REQUEST="true").content.decode(),
        "refused quick form": c.post(reverse("pos:customer-create"), {"first_name": "x"},
                                     HTTP_HX_REQUEST="true").content.decode(),
    }
    assert 'name="ret-reason"' in pages["return panel"]
    for name, html in pages.items():
        parser = _Inputs()
        parser.feed(html)
        assert parser.bare == [], (name, parser.bare)
        missing = sorted(c for c in parser.classes if not _in_css(c))
        assert missing == [], (name, missing)
