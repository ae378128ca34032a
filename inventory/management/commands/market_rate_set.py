"""Enter a market rate by hand (platform operators), e.g. when the feed is down:

    manage.py market_rate_set gold18 65.50 --currency USD
"""

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.models import MarketRate, RateCode
from inventory.services import market_rate_record
from tenants.errors import BusinessRuleError


class Command(BaseCommand):
    help = "Record a platform-wide market rate per gram (source: manual)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", choices=RateCode.values)
        parser.add_argument("price_per_gram")
        parser.add_argument("--currency", default="USD")

    def handle(self, *args: object, **options: object) -> None:
        try:
            price = Decimal(str(options["price_per_gram"]))
        except InvalidOperation as exc:
            raise CommandError("price_per_gram is not a number") from exc
        try:
            rate = market_rate_record(code=str(options["code"]), price_per_gram=price,
                                      currency=str(options["currency"]).upper(),
                                      source=MarketRate.Source.MANUAL)
        except BusinessRuleError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{rate.code} {rate.price_per_gram} {rate.currency} at {rate.fetched_at}")
