"""Shop traffic for a load test against a running deployment (docs/operations.md,
"Load test"). The data: the demo shops (manage.py seed_demo, seed_demo_shop) plus
manage.py seed_load_test (lots that do not sell out, extra cashiers with terminals).

    locust -f tests/perf/load/locustfile.py --host https://zargar.example.com \\
        --zargar-password "$DEMO_PASSWORD" --cashiers-per-shop 5 \\
        --headless -u 13 -r 1 -t 10m --csv build/load/zargar

Users (each its own session, as a browser with HTMX sends requests: CSRF token,
HX-Request header, Origin and Referer for HTTPS):
- Cashier: signs in as a demo cashier (cashier@goldencrown.example,
  cashier@zarin.example, then cashier-load-N@... of seed_load_test, alternating between
  the two shops: at most 2 x (1 + --cashiers-per-shop) cashiers), opens the register
  (a shift at a terminal of its own, or the open shift it left last time), then again
  and again: scans 1-3 pieces of the load-test lots (each a POST answered by the cart
  fragment), completes the sale paying cash with change (the answer sends the browser
  to the sale), opens the sale page.
- Owner (fixed count: one; alternating shops if more): signs in as the shop's owner and
  looks at the dashboard, the stock list and a stock search.

Between tasks each user waits a random 0..--think-time seconds (3 by default; the
suite's smoke run uses 0). Any unexpected status or page counts as a failure.
"""

import itertools
import random
import re
import uuid
from decimal import ROUND_UP, Decimal

from locust import HttpUser, events, task
from locust.exception import StopUser

SHOPS = ("goldencrown.example", "zarin.example")
LOAD_SKUS = ("LOAD-COIN", "LOAD-BAR")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TERMINAL_OPTION = re.compile(r'<option value="([0-9a-f-]{36})"[^>]*>([^<]*)</option>')
CART_TOTAL = re.compile(r'id="cart" data-total="([0-9.]+)"')

_cashier_numbers = itertools.count()
_owner_numbers = itertools.count()


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--zargar-password", env_var="ZARGAR_LOAD_PASSWORD", default="",
                        help="The demo password (every demo login has it)")
    parser.add_argument("--cashiers-per-shop", type=int, default=0,
                        help="Extra cashiers seed_load_test created per shop (--cashiers)")
    parser.add_argument("--think-time", type=float, default=3.0,
                        help="Longest pause between a user's tasks, in seconds")
    parser.add_argument("--tls-no-verify", action="store_true", default=False,
                        help="Accept a self-signed certificate (k3d dev cluster)")


def cash_for(total: Decimal) -> Decimal:
    """What the customer hands over: the total rounded up to the next 50, plus 50."""
    return (total / 50).to_integral_value(ROUND_UP) * 50 + 50


class ShopUser(HttpUser):
    abstract = True

    def wait_time(self) -> float:
        return random.uniform(0, self.environment.parsed_options.think_time)

    def post(self, path: str, data: dict, *, htmx: bool = False, name: str | None = None):
        headers = {"Origin": self.host.rstrip("/"), "Referer": self.host.rstrip("/") + path}
        token = self.client.cookies.get("csrftoken")
        if token:
            headers["X-CSRFToken"] = token
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data, headers=headers, name=name,
                                allow_redirects=False, catch_response=True)

    def sign_in(self, email: str) -> None:
        if self.environment.parsed_options.tls_no_verify:
            self.client.verify = False
        password = self.environment.parsed_options.zargar_password
        if not password:
            raise StopUser("--zargar-password (or ZARGAR_LOAD_PASSWORD) is required")
        with self.client.get("/accounts/login/", catch_response=True) as page:
            token = CSRF_INPUT.search(page.text or "")
            if page.status_code != 200 or token is None:
                page.failure(f"sign-in page: {page.status_code}")
                raise StopUser()
        with self.post("/accounts/login/", {"login": email, "password": password,
                                            "csrfmiddlewaretoken": token.group(1)}) as answer:
            if answer.status_code != 302 or "/accounts/" in answer.headers.get("Location", ""):
                answer.failure(f"{email} could not sign in ({answer.status_code})")
                raise StopUser()
            answer.success()


class Cashier(ShopUser):
    weight = 4

    def on_start(self) -> None:
        number = next(_cashier_numbers)
        domain, extra = SHOPS[number % len(SHOPS)], number // len(SHOPS)
        if extra > self.environment.parsed_options.cashiers_per_shop:
            raise StopUser(f"more cashiers than seed_load_test created (cashier {number})")
        self.email = f"cashier@{domain}" if extra == 0 else f"cashier-load-{extra}@{domain}"
        self.terminal = f"LOAD-{extra}" if extra else ""
        self.sign_in(self.email)
        self.open_register()

    def open_register(self) -> None:
        with self.client.get("/pos/", name="/pos/", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"register: {page.status_code}")
                raise StopUser()
            if 'id="cart"' in page.text:  # its shift from a previous run is still open
                return
            options = TERMINAL_OPTION.findall(page.text)
            # The demo cashier takes its branch's demo terminal, cashier-load-N "LOAD-N".
            mine = [value for value, label in options
                    if (re.search(rf"\b{self.terminal}\b", label) if self.terminal
                        else "LOAD-" not in label)]
            if not mine:
                page.failure(f"{self.email}: no terminal {self.terminal or '(demo)'}")
                raise StopUser()
        with self.post("/pos/shift/open/", {"terminal": mine[0], "opening_float": "100"},
                       name="/pos/shift/open/") as answer:
            if answer.status_code != 302:
                answer.failure(f"{self.email}: shift not opened ({answer.status_code})")
                raise StopUser()
            answer.success()

    @task
    def sell(self) -> None:
        fragment = ""
        for _ in range(random.randint(1, 3)):
            sku = random.choice(LOAD_SKUS)
            with self.post("/pos/scan/", {"code": sku}, htmx=True, name="/pos/scan/") as r:
                if r.status_code != 200 or sku not in r.text:
                    r.failure(f"scan {sku}: {r.status_code}")
                    return
                r.success()
                fragment = r.text
        total = CART_TOTAL.search(fragment)
        if total is None:
            return
        with self.post("/pos/complete/", {
            "idempotency_key": str(uuid.uuid4()), "cash": str(cash_for(Decimal(total.group(1)))),
            "card": "", "card_reference": "",
        }, htmx=True, name="/pos/complete/") as r:
            location = r.headers.get("HX-Redirect", "")
            if r.status_code != 200 or "/pos/sales/" not in location:
                r.failure(f"complete: {r.status_code} {r.text[:200]}")
                return
            r.success()
        self.client.get(location, name="/pos/sales/[id]/")


class Owner(ShopUser):
    fixed_count = 1

    def on_start(self) -> None:
        domain = SHOPS[next(_owner_numbers) % len(SHOPS)]
        self.sign_in(f"owner@{domain}")

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/", name="/ (dashboard)")

    @task(2)
    def stock_list(self) -> None:
        self.client.get("/inventory/", name="/inventory/")

    @task(1)
    def stock_search(self) -> None:
        self.client.get("/inventory/?q=gold", name="/inventory/?q=")
