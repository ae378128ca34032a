"""The dashboard widget registry: apps add figures; role filter; a failing widget is
shown as unavailable instead of breaking the page."""

from collections.abc import Iterator

import pytest
from django.urls import reverse

from tenants import dashboard
from tenants.dashboard import Widget, widget_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> Iterator[None]:
    saved = dict(dashboard._widgets)
    dashboard._widgets.clear()
    yield
    dashboard._widgets.clear()
    dashboard._widgets.update(saved)


def _boom(request):
    raise RuntimeError("broken app")


def test_widgets_render_in_order_for_their_roles(client, shop_a, registry) -> None:
    widget_register(Widget(key="second", title="Second", order=20,
                           template="partials/stat_card.html",
                           context=lambda r: {"value": "B"}))
    widget_register(Widget(key="first", title="First", order=10,
                           template="partials/stat_card.html",
                           context=lambda r: {"value": "A"}))
    widget_register(Widget(key="owners", title="Owners only", roles=("owner",),
                           template="partials/stat_card.html",
                           context=lambda r: {"value": "O"}))
    client.force_login(shop_a.cashier)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="dashboard-widgets"' in html
    assert html.index('data-widget="first"') < html.index('data-widget="second"')
    assert 'data-widget="owners"' not in html
    client.force_login(shop_a.owner)
    assert 'data-widget="owners"' in client.get(reverse("home")).content.decode()


def test_a_failing_widget_is_shown_as_unavailable(client, shop_a, registry) -> None:
    widget_register(Widget(key="broken", title="Broken", template="partials/stat_card.html",
                           context=_boom))
    widget_register(Widget(key="fine", title="Fine", template="partials/stat_card.html",
                           context=lambda r: {"value": "F"}))
    client.force_login(shop_a.owner)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This figure is unavailable right now." in html
    assert 'data-widget="fine"' in html


def test_signed_out_visitors_get_no_widgets(client, registry) -> None:
    widget_register(Widget(key="x", title="X", template="partials/stat_card.html",
                           context=lambda r: {"value": "X"}))
    assert 'data-widget="x"' not in client.get(reverse("home")).content.decode()
