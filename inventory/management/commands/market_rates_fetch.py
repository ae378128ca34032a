"""Fetch the market feed now (what the scheduled task does)."""

from django.core.management.base import BaseCommand

from inventory.tasks import market_rates_fetch


class Command(BaseCommand):
    help = "Fetch market rates from GOLD_RATE_PROVIDER_URL and update following rate boards."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"kept {market_rates_fetch()} rates")
