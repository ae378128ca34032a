import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from tenants.models import Plan, User
from tenants.services import tenant_create

pytestmark = pytest.mark.django_db

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME
THEME_COOKIE = settings.THEME_COOKIE_NAME


@pytest.fixture
def member() -> User:
    """A shop's owner: users of the product belong to a shop (platform admins need MFA first)."""
    plan = Plan.objects.create(name="Basic", price=Decimal(0))
    tenant_create(
        name="Golden Rose",
        slug="golden-rose",
        plan=plan,
        owner_email="sara@example.com",
        owner_name="Sara Ahmadi",
    )
    return User.objects.get(email="sara@example.com")


def test_home_in_english(client, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(2):
        response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr"' in html
    assert "Welcome to Zargar" in html
    # The shell: skip link, navigation with the current page marked, the CSRF header for htmx.
    assert 'href="#main"' in html
    assert re.search(r'aria-current="page"[^>]*>\s*<svg.*?</svg>\s*Dashboard\s*</a>', html, re.S)
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "css/app.css" in html and "vendor/htmx.min.js" in html


def test_home_in_persian_is_right_to_left_and_translated(client) -> None:
    client.cookies[LANGUAGE_COOKIE] = "fa"
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="fa" dir="rtl"' in html
    assert "پیشخوان" in html  # the "Dashboard" menu entry
    assert "به زرگر خوش آمدید" in html
    assert "Welcome to Zargar" not in html


def test_home_shows_the_saved_dark_theme(client) -> None:
    client.cookies[THEME_COOKIE] = "dark"
    html = client.get(reverse("home")).content.decode()
    assert 'class="dark"' in html
    assert 'aria-pressed="true"' in html


def test_signed_in_staff_see_their_name_and_the_admin_link(
    client, member, django_assert_max_num_queries
) -> None:
    member.is_staff = True
    member.save(update_fields=["is_staff"])
    client.force_login(member)
    from tenants.dashboard import widgets_all

    # Session, user, shop + plan, the tenant scope (savepoint, set_config x2, release),
    # the dashboard flag; then at most one query per dashboard widget (they read
    # summaries, never scan).
    with django_assert_max_num_queries(8 + len(widgets_all())):
        html = client.get(reverse("home")).content.decode()
    assert "Sara" in html
    assert 'href="/admin/"' in html


def test_signed_in_member_gets_no_admin_link(client, member) -> None:
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    assert "Sara" in html
    assert 'href="/admin/"' not in html


def test_language_switch_sets_the_cookie_and_returns_to_next(client) -> None:
    response = client.post(reverse("preferences-language"), {"language": "fa", "next": "/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/?page=2"
    assert response.cookies[LANGUAGE_COOKIE].value == "fa"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"]
)
def test_language_switch_never_redirects_off_site(client, next_url) -> None:
    response = client.post(reverse("preferences-language"), {"language": "fa", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_unknown_language_changes_nothing_and_says_so(client, member) -> None:
    client.force_login(member)
    response = client.post(
        reverse("preferences-language"), {"language": "xx", "next": "/"}, follow=True
    )
    assert LANGUAGE_COOKIE not in response.cookies
    assert "This language is not available." in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    member.refresh_from_db()
    assert member.language == "en"


def test_unknown_theme_changes_nothing_and_says_so(client, member) -> None:
    client.force_login(member)
    response = client.post(
        reverse("preferences-theme"), {"theme": "neon", "next": "/"}, follow=True
    )
    assert THEME_COOKIE not in response.cookies
    assert "This theme is not available." in response.content.decode()
    member.refresh_from_db()
    assert member.theme == "light"


def test_unknown_theme_over_htmx_is_refused(client) -> None:
    response = client.post(
        reverse("preferences-theme"), {"theme": "neon"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert THEME_COOKIE not in response.cookies


def test_theme_switch_over_htmx_answers_204_with_the_cookie(client) -> None:
    response = client.post(
        reverse("preferences-theme"), {"theme": "dark"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response.cookies[THEME_COOKIE].value == "dark"


def test_theme_switch_without_javascript_redirects_back(client) -> None:
    response = client.post(reverse("preferences-theme"), {"theme": "dark", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[THEME_COOKIE].value == "dark"
    client.cookies[THEME_COOKIE] = "dark"
    assert 'class="dark"' in client.get("/").content.decode()


def test_signed_in_choices_are_saved_on_the_user(client, member) -> None:
    client.force_login(member)
    client.post(reverse("preferences-language"), {"language": "fa", "next": "/"})
    client.post(reverse("preferences-theme"), {"theme": "dark"}, headers={"HX-Request": "true"})
    member.refresh_from_db()
    assert (member.language, member.theme) == ("fa", "dark")
    # The account wins over the cookies on the next visit, e.g. from another browser.
    client.cookies[LANGUAGE_COOKIE] = "en"
    client.cookies[THEME_COOKIE] = "light"
    html = client.get("/").content.decode()
    assert '<html lang="fa" dir="rtl" class="dark">' in html


def test_missing_page_is_friendly_and_translated(client) -> None:
    assert settings.DEBUG is False
    client.cookies[LANGUAGE_COOKIE] = "fa"
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "صفحه پیدا نشد" in html
    assert "۴۰۴" in html
    assert 'href="/"' in html
    assert 'dir="rtl"' in html


def test_missing_page_in_english(client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_server_error_page_renders_without_a_request(settings) -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("fa"):
        html = render_to_string("500.html")  # as Django's server_error does: no request
    assert '<html lang="fa" dir="rtl">' in html
    assert "مشکلی پیش آمد" in html
    assert "css/app.css" in html


def test_the_owner_menu_is_grouped_in_a_sidebar_and_a_phone_panel(client, member) -> None:
    from tenants.navigation import NAV_GROUPS, nav_groups

    groups = nav_groups(member)
    keys = [g["key"] for g in groups]
    # Every group once, in NAV_GROUPS order; the dashboard first, without a heading.
    assert keys == [k for k in NAV_GROUPS if k in keys]
    assert groups[0]["key"] == "" and groups[0]["entries"][0].key == "dashboard"
    assert {"sales", "inventory", "customers", "shop"} <= set(keys)
    assert "platform" not in keys
    entries = [e.key for g in groups for e in g["entries"]]
    assert len(entries) == len(set(entries))

    member.language = "fa"
    member.save(update_fields=["language"])
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    # The same menu twice: the sidebar (wide screens) and the menu panel (phones).
    assert html.count("<nav ") == 2 and "<aside" in html
    assert 'aria-controls="menu-panel"' in html and 'id="menu-panel"' in html
    # Group headings are translated.
    assert "کارگاه" in html and "انبار" in html and "فروش‌ها" in html


def test_anonymous_visitors_keep_a_short_menu_in_the_header(client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert html.count("<nav ") == 1
    assert 'id="menu-panel"' not in html and "<aside" not in html
