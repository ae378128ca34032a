"""The market rate feed: one HTTP GET that answers JSON, validated before anything is kept.

The provider answers (prices per gram, as strings or numbers):

    {
      "currency": "USD",                      # ISO 4217, three capitals
      "as_of": "2026-01-05T10:00:00Z",        # ISO 8601 with a time zone
      "rates": {"gold24": "87.33", "gold22": "80.05", "gold21": "76.41",
                "gold18": "65.50", "gold14": "51.09", "silver": "0.91",
                "platinum": "31.20"}          # any non-empty subset of inventory.models.RateCode
    }

All or nothing: one bad value rejects the whole answer (bad data never becomes a
rate). Checks: the shape, known codes, finite positive amounts below 10^12, a time
zone and an `as_of` not in the future (5 minutes of clock skew allowed), and gold
rates that fall with the karat (24K >= 22K >= 21K >= 18K >= 14K).

Timeouts, network errors and 5xx answers are retried with exponential backoff;
4xx answers and invalid data are not (asking again will not fix them).
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import RateCode

log = logging.getLogger(__name__)
MAX_BYTES = 64 * 1024
GOLD_ORDER = ("gold24", "gold22", "gold21", "gold18", "gold14")


class RateFeedError(Exception):
    """The feed could not be read or said something we cannot trust."""


class RateFeedInvalid(RateFeedError):
    """The answer arrived but is not valid rate data."""


@dataclass(frozen=True)
class FeedRates:
    currency: str
    as_of: datetime
    rates: dict[str, Decimal]


def parse_rates(payload: Any, *, now: datetime | None = None) -> FeedRates:
    """Validate a decoded JSON answer (see the module docstring) or raise RateFeedInvalid."""
    now = now or timezone.now()
    if not isinstance(payload, dict):
        raise RateFeedInvalid("the answer is not a JSON object")
    currency = payload.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise RateFeedInvalid(f"bad currency {currency!r}")
    as_of_raw = payload.get("as_of")
    try:
        as_of = datetime.fromisoformat(str(as_of_raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise RateFeedInvalid(f"bad as_of {as_of_raw!r}") from exc
    if as_of.tzinfo is None:
        raise RateFeedInvalid("as_of has no time zone")
    if as_of > now + timedelta(minutes=5):
        raise RateFeedInvalid("as_of is in the future")
    raw = payload.get("rates")
    if not isinstance(raw, dict) or not raw:
        raise RateFeedInvalid("no rates")
    rates: dict[str, Decimal] = {}
    for code, value in raw.items():
        if code not in RateCode.values:
            raise RateFeedInvalid(f"unknown rate {code!r}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise RateFeedInvalid(f"{code}: not an amount")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise RateFeedInvalid(f"{code}: not an amount") from exc
        if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
            raise RateFeedInvalid(f"{code}: {amount} is not a plausible price")
        rates[code] = amount.quantize(Decimal("0.0001"))
    gold = [rates[c] for c in GOLD_ORDER if c in rates]
    if any(higher < lower for higher, lower in zip(gold, gold[1:], strict=False)):
        raise RateFeedInvalid("gold rates do not fall with the karat")
    return FeedRates(currency=currency, as_of=as_of, rates=rates)


def fetch_rates(
    url: str | None = None,
    *,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
    token: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FeedRates:
    """GET the feed and return validated rates; raise RateFeedError when it cannot."""
    url = url if url is not None else settings.GOLD_RATE_PROVIDER_URL
    if not url or not url.startswith(("http://", "https://")):
        raise RateFeedError("GOLD_RATE_PROVIDER_URL is not an http(s) URL")
    timeout = settings.GOLD_RATE_PROVIDER_TIMEOUT if timeout is None else timeout
    retries = settings.GOLD_RATE_PROVIDER_RETRIES if retries is None else retries
    backoff = settings.GOLD_RATE_PROVIDER_BACKOFF if backoff is None else backoff
    token = settings.GOLD_RATE_PROVIDER_TOKEN if token is None else token
    headers = {"Accept": "application/json", "User-Agent": "zargar-rates/1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                body = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            last = exc
            if exc.code < 500:
                raise RateFeedError(f"the provider refused: HTTP {exc.code}") from exc
            log.warning("rate feed: HTTP %s (attempt %s)", exc.code, attempt + 1)
            continue
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = exc
            log.warning("rate feed: %s (attempt %s)", exc, attempt + 1)
            continue
        if len(body) > MAX_BYTES:
            raise RateFeedInvalid("the answer is too large")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RateFeedInvalid("the answer is not JSON") from exc
        return parse_rates(payload)
    raise RateFeedError(f"no answer after {retries + 1} attempts: {last}")
