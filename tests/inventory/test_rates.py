"""Acceptance 3: the rate provider client against a real local HTTP server; bad data,
slow answers and 5xx never become a rate. Also the rate board and manual entry."""

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from inventory import rates_provider, services
from inventory.models import Item, MarketRate, RateBoard
from inventory.selectors import rate_board
from inventory.tasks import market_rates_fetch, rate_board_follow
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError

GOOD = {"currency": "USD", "as_of": "2026-01-05T10:00:00Z",
        "rates": {"gold24": "87.33", "gold18": 65.5, "silver": "0.91"}}


class Feed:
    """What the server answers next: a list of (status, body) or "hang" per request."""

    def __init__(self) -> None:
        self.answers: list = []
        self.requests = 0
        self.release = threading.Event()


@pytest.fixture
def feed() -> Iterator[tuple[Feed, str]]:
    state = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            state.requests += 1
            answer = state.answers.pop(0) if len(state.answers) > 1 else state.answers[0]
            if answer == "hang":
                state.release.wait(10)  # until the test lets go: the client times out first
                return
            status, body = answer
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/rates"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def fetch(url: str, **kwargs: object) -> rates_provider.FeedRates:
    waits: list[float] = []
    kwargs.setdefault("retries", 2)
    result = rates_provider.fetch_rates(url, timeout=kwargs.pop("timeout", 2), backoff=0.5,
                                        token="", sleep=waits.append, **kwargs)
    return result


def test_good_data_is_parsed(feed) -> None:
    state, url = feed
    state.answers = [(200, GOOD)]
    rates = fetch(url)
    assert rates.currency == "USD"
    assert rates.rates == {"gold24": D("87.3300"), "gold18": D("65.5000"), "silver": D("0.9100")}
    assert rates.as_of.isoformat() == "2026-01-05T10:00:00+00:00"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        [1, 2, 3],
        {**GOOD, "currency": "dollars"},
        {**GOOD, "as_of": "yesterday"},
        {**GOOD, "as_of": "2026-01-05T10:00:00"},  # no time zone
        {**GOOD, "as_of": "2999-01-01T00:00:00Z"},
        {**GOOD, "rates": {}},
        {**GOOD, "rates": {"gold24": "87.33", "unobtainium": "1"}},
        {**GOOD, "rates": {"gold24": "-1"}},
        {**GOOD, "rates": {"gold24": "0"}},
        {**GOOD, "rates": {"gold24": "NaN"}},
        {**GOOD, "rates": {"gold24": "Infinity"}},
        {**GOOD, "rates": {"gold24": True}},
        {**GOOD, "rates": {"gold24": None}},
        {**GOOD, "rates": {"gold24": "87.33", "gold18": "99.00"}},  # 18K above 24K
    ],
)
def test_bad_data_is_refused_without_retrying(feed, body) -> None:
    state, url = feed
    state.answers = [(200, body)]
    with pytest.raises(rates_provider.RateFeedInvalid):
        fetch(url)
    assert state.requests == 1


def test_5xx_is_retried_with_backoff_then_succeeds(feed) -> None:
    state, url = feed
    state.answers = [(503, {"error": "busy"}), (502, b"bad gateway"), (200, GOOD)]
    waits: list[float] = []
    rates = rates_provider.fetch_rates(url, timeout=2, retries=3, backoff=0.5, token="",
                                       sleep=waits.append)
    assert rates.rates["gold24"] == D("87.3300")
    assert state.requests == 3 and waits == [0.5, 1.0]


def test_5xx_every_time_gives_up(feed) -> None:
    state, url = feed
    state.answers = [(500, b"oops")]
    with pytest.raises(rates_provider.RateFeedError, match="3 attempts"):
        fetch(url, retries=2)
    assert state.requests == 3


def test_4xx_is_not_retried(feed) -> None:
    state, url = feed
    state.answers = [(401, b"no")]
    with pytest.raises(rates_provider.RateFeedError, match="HTTP 401"):
        fetch(url)
    assert state.requests == 1


def test_a_slow_provider_times_out(feed) -> None:
    state, url = feed
    state.answers = ["hang"]
    with pytest.raises(rates_provider.RateFeedError, match="2 attempts"):
        fetch(url, timeout=0.2, retries=1)
    assert state.requests == 2
    state.release.set()


@pytest.mark.django_db
def test_the_task_keeps_good_rates_and_nothing_from_bad_ones(feed, settings, shop_a) -> None:
    state, url = feed
    settings.GOLD_RATE_PROVIDER_URL = url
    settings.GOLD_RATE_PROVIDER_RETRIES = 0
    settings.GOLD_RATE_PROVIDER_TIMEOUT = 0.3
    for bad in ((200, {**GOOD, "rates": {"gold24": "87.33", "gold18": "-5"}}), (503, b""), "hang"):
        state.answers = [bad]
        assert market_rates_fetch.run() == 0
    assert MarketRate.objects.count() == 0
    state.release.set()
    state.answers = [(200, {**GOOD, "as_of": timezone.now().isoformat()})]
    assert market_rates_fetch.run() == 3
    assert set(MarketRate.objects.values_list("code", "source")) == {
        ("gold24", "provider"), ("gold18", "provider"), ("silver", "provider")}


@pytest.mark.django_db
def test_following_the_market_applies_margins_and_reprices(shop_a) -> None:
    s = shop_a
    services.market_rate_record(code="gold18", price_per_gram=D("60"), currency="USD",
                                source="manual", fetched_at=timezone.now() - timedelta(hours=3))
    with tenant_context(s.tenant):
        entry = services.rate_board_set(tenant=s.tenant, actor=s.owner, code="gold18",
                                        mode="follow", buy_margin_percent=D("-2"),
                                        sell_margin_percent=D("3.5"))
        assert (entry.buy_rate, entry.sell_rate) == (D("58.8000"), D("62.1000"))
        line = next(x for x in rate_board(tenant=s.tenant) if x.code == "gold18")
        assert line.stale  # 3 h old, the shop warns after 60 min
        assert dict((u, sell) for u, _b, sell in line.per_unit)["mesghal"] == D("62.1") * D("4.608")
    services.market_rate_record(code="gold18", price_per_gram=D("70"), currency="USD",
                                source="provider")
    with tenant_context(s.tenant):
        assert rate_board_follow.run() >= 1
        assert RateBoard.objects.get(code="gold18").sell_rate == D("72.4500")
        assert not next(x for x in rate_board(tenant=s.tenant) if x.code == "gold18").stale
        ring = Item.objects.get(pk=s.extra["item"].pk)
        # 5 g x 72.45 = 362.25, making 40, markup 5% 20.11, tax 9% x 40 x 1.05 = 3.78
        assert ring.price == D("426.14")


@pytest.mark.django_db
def test_manual_rates_are_validated_and_platform_only(shop_a) -> None:
    with pytest.raises(BusinessRuleError):
        services.market_rate_record(code="gold18", price_per_gram=D("-1"), currency="USD",
                                    source="manual")
    with pytest.raises(BusinessRuleError):
        services.market_rate_record(code="gold18", price_per_gram=D("1"), currency="USD",
                                    source="manual", actor=shop_a.owner)
    call_command("market_rate_set", "gold24", "88.10", "--currency", "USD")
    assert MarketRate.objects.get().price_per_gram == D("88.1000")
    with tenant_context(shop_a.tenant):
        with pytest.raises(BusinessRuleError):
            services.rate_board_set(tenant=shop_a.tenant, actor=shop_a.owner, code="gold24",
                                    mode="manual", buy_rate=D("90"), sell_rate=D("80"))
