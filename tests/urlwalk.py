"""The registry the URL walk reads. Later modules extend it by adding URLs:
  - an object kwarg in a URL (`<uuid:item_id>`) needs an entry in OBJECT_IDS;
  - a page anybody may open needs an entry in PUBLIC.
The walker itself (tests/test_urlwalk.py) never changes.
"""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# URL names anonymous visitors may open (status < 400 without a login redirect).
PUBLIC = {
    "home",
    "health-live",
    "health-ready",  # 503 in tests (no worker): still answers without login
    "prometheus-django-metrics",
    "preferences-language",
    "preferences-theme",
    "account_login",
    "account_signup",  # shows "sign-up is closed"
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_confirm_login_code",
    "account_logout",
    "admin:login",
    "admin:logout",
}
# Namespaces with their own sign-in (Django admin: staff only, MFA still enforced), and
# the platform panel, which no shop user may open (403 for them; tests/platform covers it).
OWN_LOGIN = {"admin": "/admin/login/", "platform": "/accounts/login/"}

# kwarg name -> the id of that kind of object in a given shop (tests.factories.Shop).
OBJECT_IDS: dict[str, Callable[[Any], Any]] = {
    "user_id": lambda shop: shop.cashier.pk,
    "branch_id": lambda shop: shop.branch.pk,
    "customer_id": lambda shop: shop.extra["customer"].pk,
    "gift_card_id": lambda shop: shop.extra["gift_card"].pk,
    "tier_id": lambda shop: shop.extra["tier"].pk,
    "item_id": lambda shop: shop.extra["item"].pk,
    "alert_id": lambda shop: shop.extra["rate_alert"].pk,
    "sale_id": lambda shop: shop.extra["sale"].pk,
    "shift_id": lambda shop: shop.extra["shift"].pk,
    "return_id": lambda shop: shop.extra["sale_return"].pk,
    "buy_back_id": lambda shop: shop.extra["buy_back"].pk,
    "category_id": lambda shop: shop.extra["category"].pk,
    "rule_id": lambda shop: shop.extra["pricing_rule"].pk,
    "photo_id": lambda shop: shop.extra["item_photo"].pk,
    "transfer_id": lambda shop: shop.extra["transfer"].pk,
    "repair_id": lambda shop: shop.extra["repair"].pk,
    "repair_photo_id": lambda shop: shop.extra["repair_photo"].pk,
    "repair_payment_id": lambda shop: shop.extra["repair_payment"].pk,
    "notification_id": lambda shop: shop.extra["notification"].pk,
    "schedule_id": lambda shop: shop.extra["report_schedule"].pk,
    "fiscal_year_id": lambda shop: shop.extra["fiscal_year"].pk,
    "posting_failure_id": lambda shop: shop.extra["posting_failure"].pk,
    # platform panel (global objects; the walk checks the login redirect only)
    "tenant_id": lambda shop: shop.tenant.pk,
    "plan_id": lambda shop: shop.tenant.plan_id,
}
# Other kwargs (tokens in links sent by email) get a harmless value.
OTHER_KWARGS: dict[str, str] = {"uidb36": "1", "key": "not-a-key", "app_label": "tenants",
                                 "run_id": "00000000-0000-0000-0000-000000000000",
                                 "backup_alert_id": "00000000-0000-0000-0000-000000000000"}


def url_patterns() -> list[tuple[str, str, URLPattern]]:
    """(name with namespace, namespace, pattern) for every named URL of the project."""
    found: list[tuple[str, str, URLPattern]] = []

    def walk(patterns: list, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (
                    p.namespace or namespace)
                walk(p.url_patterns, ns or "")
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.append((name, namespace, p))

    walk(get_resolver().url_patterns, "")
    return found


def pattern_kwargs(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)
