import datetime
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from tenants.templatetags.zargar import digits, jdate


@pytest.fixture
def persian():
    with translation.override("fa"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_jdate_in_persian_is_jalali_with_persian_digits(persian) -> None:
    assert jdate(datetime.date(2026, 11, 22)) == "۱۴۰۵/۰۹/۰۱"


def test_jdate_in_english_is_gregorian(english) -> None:
    assert jdate(datetime.date(2026, 11, 22)) == "2026-11-22"


def test_jdate_takes_a_format(persian) -> None:
    assert jdate(datetime.date(2026, 11, 22), "%d %B %Y") == "۰۱ آذر ۱۴۰۵"


def test_jdate_shows_aware_datetimes_in_local_time(persian, settings) -> None:
    settings.TIME_ZONE = "Asia/Tehran"
    # 21:00 UTC on 21 November is 00:30 on 22 November (1 Azar) in Tehran.
    moment = datetime.datetime(2026, 11, 21, 21, 0, tzinfo=datetime.UTC)
    with timezone.override("Asia/Tehran"):
        assert jdate(moment) == "۱۴۰۵/۰۹/۰۱ ۰۰:۳۰"


@pytest.mark.parametrize("empty", [None, ""])
@pytest.mark.parametrize("language", ["en", "fa"])
def test_jdate_and_digits_leave_empty_values_empty(empty, language) -> None:
    with translation.override(language):
        assert jdate(empty) == ""
        assert digits(empty) == ""


def test_digits_in_persian(persian) -> None:
    assert digits(1405) == "۱۴۰۵"
    assert digits(Decimal("12.345")) == "۱۲٫۳۴۵"
    assert digits("INV-0042") == "INV-۰۰۴۲"


def test_digits_in_english_are_unchanged(english) -> None:
    assert digits(Decimal("12.345")) == "12.345"
    assert digits(0) == "0"


def test_filters_are_builtins_and_today_tag_gives_the_local_date(persian) -> None:
    html = Template("{% today as d %}{{ d|jdate }}|{{ n|digits }}").render(Context({"n": 7}))
    expected = jdate(timezone.localdate())
    assert html == f"{expected}|۷"


def _menus(html: str) -> list[str]:
    return re.findall(r"<nav aria-label=.*?</nav>", html, re.S)


@pytest.mark.django_db
def test_the_menu_is_drawn_once_for_what_it_shows(shop_a) -> None:
    """The sidebar and the phone's menu panel show the same menu: {% nav_menu %} draws
    partials/nav.html once per process for the same entries, language, layout and
    current page; another page or language is drawn anew."""
    from django.test import Client
    from django.test.signals import template_rendered

    from tenants.templatetags import zargar

    drawn = []

    def seen(sender, template, **_kwargs) -> None:  # noqa: ANN001
        if template.name == "partials/nav.html":
            drawn.append(template.name)

    zargar._NAV_DRAWN.clear()
    c = Client()
    c.force_login(shop_a.owner)
    template_rendered.connect(seen)
    try:
        html = c.get("/").content.decode()
        assert drawn == ["partials/nav.html"]
        again = c.get("/").content.decode()
        assert len(drawn) == 1 and _menus(again) == _menus(html)  # kept
        other = c.get("/pos/").content.decode()
        assert len(drawn) == 2  # another page marked current
        c.post("/preferences/language/", {"language": "fa", "next": "/"})
        persian = c.get("/").content.decode()
        assert len(drawn) == 3
    finally:
        template_rendered.disconnect(seen)

    assert html.count('<nav aria-label="Main"') == 2  # sidebar and menu panel
    assert 'id="menu-panel"' in html
    pos_link = 'href="/pos/"\n           aria-current="page"'
    assert pos_link not in html and pos_link in other
    assert '<nav aria-label="Main"' not in persian and persian.count("<nav aria-label=") == 2
