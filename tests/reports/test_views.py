"""The reports page: owners and managers only, HTMX swaps the results, exports download."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from reports.models import ReportSchedule
from tenants.context import tenant_context
from tests.reports.conftest import NECKLACE, RING

pytestmark = pytest.mark.django_db
PERIOD = {"start": "2026-01-10", "end": "2026-01-11"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_cashiers_and_salespeople_cannot_see_reports(shop_a) -> None:
    client = _client(shop_a.cashier)
    for name in ("reports:index", "reports:export", "reports:schedules"):
        assert client.get(reverse(name)).status_code == 403
    manager = _client(shop_a.manager)
    assert manager.get(reverse("reports:index")).status_code == 200
    assert manager.get(reverse("reports:schedules")).status_code == 403  # owners only
    assert "Sales reports" in _client(shop_a.owner).get(reverse("home")).content.decode()
    assert reverse("reports:index") not in client.get(reverse("home")).content.decode()


def test_the_page_shows_the_picked_report_and_htmx_gets_the_partial(scenario) -> None:
    client = _client(scenario.shop.owner)
    url = reverse("reports:index")
    page = client.get(url, {"report": "branch", **PERIOD})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<html" in body and 'data-testid="report-picker"' in body
    assert "6,000.00" in body and "3,500.00" in body  # main: gross, net
    part = client.get(url, {"report": "employee", **PERIOD}, HTTP_HX_REQUEST="true",
                      HTTP_HX_TARGET="report-results")
    text = part.content.decode()
    assert part.status_code == 200 and "<html" not in text and 'id="report-results"' in text
    assert "Second Cashier" in text and "format=xlsx" in text


def test_jalali_dates_and_persian_digits_when_persian_is_active(scenario) -> None:
    owner = scenario.shop.owner
    owner.language = "fa"
    owner.save(update_fields=["language"])
    client = _client(owner)
    client.cookies["django_language"] = "fa"
    body = client.get(reverse("reports:index"), {"report": "day", **PERIOD},
                      HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "۱۴۰۴/۱۰/۲۰" in body and "۱۴۰۴/۱۰/۲۱" in body


def _table(html: str) -> str:
    return html.split('data-testid="report-table"')[1].split("</table>")[0]


def test_in_persian_a_jalali_period_gives_the_report_of_its_gregorian_days(scenario) -> None:
    owner = scenario.shop.owner
    owner.language = "fa"
    owner.save(update_fields=["language"])
    client = _client(owner)
    url = reverse("reports:index")
    iso = client.get(url, {"report": "branch", **PERIOD})
    assert iso.status_code == 200
    # 10 and 11 January 2026 are 20 and 21 Dey 1404.
    for period in ({"start": "1404/10/20", "end": "1404/10/21"},
                   {"start": "۱۴۰۴/۱۰/۲۰", "end": "۱۴۰۴-۱۰-۲۱"},
                   {"start": "1404-10-20", "end": "2026-01-11"}):
        response = client.get(url, {"report": "branch", **period})
        html = response.content.decode()
        assert response.status_code == 200, period
        assert _table(html) == _table(iso.content.decode()), period
        assert 'name="start" value="۱۴۰۴/۱۰/۲۰"' in html and 'name="end" value="۱۴۰۴/۱۰/۲۱"' in html
    # The second day alone is another report: the period was read, not ignored.
    day2 = client.get(url, {"report": "branch", "start": "1404/10/21", "end": "1404/10/21"})
    assert day2.status_code == 200
    assert _table(day2.content.decode()) != _table(iso.content.decode())
    # The export reads the same period.
    export = client.get(reverse("reports:export"), {"report": "day", "format": "csv",
                                                    "start": "1404/10/20", "end": "1404/10/21"})
    assert export["Content-Disposition"] == \
        'attachment; filename="sales-day-2026-01-10-2026-01-11.csv"'
    # An impossible day is refused with its message, in Persian.
    refused = client.get(url, {"report": "branch", "start": "1404/12/30"})
    assert refused.status_code == 422
    assert "1404/12/30 روزی از تقویم شمسی نیست." in refused.content.decode()


def test_bad_filters_are_a_message_not_an_error(scenario) -> None:
    client = _client(scenario.shop.owner)
    response = client.get(reverse("reports:index"), {"report": "day", "start": "2026-02-01",
                                                     "end": "2026-01-01"})
    assert response.status_code == 422 and "after the end date" in response.content.decode()
    # The filter form's htmx swap: the results partial with the message, still a 422
    # (the page's htmx-config swaps it; tests/tenants/test_fragments.py).
    response = client.get(reverse("reports:index"), {"report": "day", "start": "2026-02-01",
                                                     "end": "2026-01-01"},
                          headers={"HX-Request": "true", "HX-Target": "report-results"})
    html = response.content.decode()
    assert response.status_code == 422 and "after the end date" in html
    assert html.lstrip().startswith('<section id="report-results"')
    assert client.get(reverse("reports:export"), {"format": "doc"}).status_code == 400


def test_exports_download_each_format(scenario) -> None:
    client = _client(scenario.shop.manager)
    response = client.get(reverse("reports:export"), {"report": "day", "format": "csv", **PERIOD})
    assert response.status_code == 200
    assert response["Content-Disposition"] == \
        'attachment; filename="sales-day-2026-01-10-2026-01-11.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [Decimal(x) for x in rows[-1][1:]] == [3, 2 * RING + 2 * NECKLACE, NECKLACE,
                                                  2 * RING + NECKLACE]
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        response = client.get(reverse("reports:export"), {"report": "customers", "format": fmt,
                                                          **PERIOD})
        assert response.status_code == 200 and response.content.startswith(magic)


def test_the_owner_schedules_and_stops_a_report_email(shop_a, shop_b) -> None:
    client = _client(shop_a.owner)
    url = reverse("reports:schedules")
    bad = client.post(url, {"report": "day", "frequency": "daily", "file_format": "pdf",
                            "recipients": "nope"})
    assert bad.status_code == 422 and "is not an email address" in bad.content.decode()
    ok = client.post(url, {"report": "day", "frequency": "daily", "file_format": "pdf",
                           "recipients": "boss@example.com", "branch": str(shop_a.branch.pk)})
    assert ok.status_code == 302
    with tenant_context(shop_a.tenant):
        schedule = ReportSchedule.objects.get(recipients="boss@example.com")
        assert schedule.branch == shop_a.branch and schedule.created_by == shop_a.owner
    assert "boss@example.com" in client.get(url).content.decode()
    # Another shop's branch is not a choice.
    other = client.post(url, {"report": "day", "frequency": "daily", "file_format": "pdf",
                              "recipients": "x@example.com", "branch": str(shop_b.branch.pk)})
    assert other.status_code == 422
    client.post(reverse("reports:schedule-toggle", args=[schedule.pk]))
    with tenant_context(shop_a.tenant):
        schedule.refresh_from_db()
    assert not schedule.is_active
    assert _client(shop_a.manager).post(
        reverse("reports:schedule-toggle", args=[schedule.pk])).status_code == 403
    client.post(reverse("reports:schedule-toggle", args=[schedule.pk]))
    with tenant_context(shop_a.tenant):
        schedule.refresh_from_db()
    assert schedule.is_active
    response = client.post(reverse("reports:schedule-delete", args=[schedule.pk]))
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        assert not ReportSchedule.objects.filter(pk=schedule.pk).exists()
