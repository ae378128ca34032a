"""Item search: name words by prefix through ItemSearchToken (leakproof comparisons, so
the index is used under RLS), exact SKU/barcode first, tokens kept in step by the
services and the import, and never another shop's items."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from inventory import selectors, services
from inventory.imports import dataset_load, items_import
from inventory.models import Item, ItemSearchToken
from inventory.search import item_search_tokens
from tenants.context import tenant_context
from tenants.search import digits_ascii, prefix_range, search_fold
from tests.factories import item_make

pytestmark = pytest.mark.django_db


def found(shop, search: str) -> set[str]:
    with tenant_context(shop.tenant):
        return set(selectors.item_list(filters=selectors.ItemFilters(search=search))
                   .values_list("sku", flat=True))


def tokens_of(shop, item) -> set[str]:
    with tenant_context(shop.tenant):
        return set(ItemSearchToken.objects.filter(item=item).values_list("token", flat=True))


# --- the shared helpers (tenants.search) ------------------------------------------------


def test_fold_and_digits() -> None:
    assert digits_ascii("۱۲۳٤٥") == "12345"
    assert search_fold("  انگشتر   طلاي  ") == "انگشتر طلای"
    assert search_fold("كيف\u200cپول") == "کیف پول"
    assert search_fold("Ring ۱۸K") == "ring 18k"


def test_prefix_range_is_a_leakproof_range(shop_a) -> None:
    qs = prefix_range(ItemSearchToken.objects.all(), "token", "rin")
    sql = str(qs.query)
    assert ">= rin" in sql and "< rio" in sql and "LIKE" not in sql.upper()


def test_item_tokens() -> None:
    assert item_search_tokens(name="Gold ring (18K), two-tone", sku="RG-01",
                              barcode="RG01", serial_number="") == {
        "gold", "ring", "(18k),", "18k", "two-tone", "two", "tone", "rg-01", "rg01", "rg", "01"}


# --- search ---------------------------------------------------------------------------


def test_name_word_prefix_finds_the_item(shop_a) -> None:
    item_make(shop_a, sku="P-1", name="Pendant with emerald")
    item_make(shop_a, sku="P-2", name="Plain bangle")
    assert found(shop_a, "pend") == {"P-1"}
    assert found(shop_a, "EMER") == {"P-1"}
    assert found(shop_a, "bang") == {"P-2"}
    assert found(shop_a, "p") >= {"P-1", "P-2"}
    assert found(shop_a, "pendant emer") == {"P-1"}  # every word must match
    assert found(shop_a, "pendant bangle") == set()
    assert found(shop_a, "merald") == set()  # prefixes of words, not any part


def test_hyphen_parts_and_punctuation(shop_a) -> None:
    item_make(shop_a, sku="H-1", name="Two-tone chain (21K)")
    assert found(shop_a, "tone") == {"H-1"}
    assert found(shop_a, "two-t") == {"H-1"}
    assert found(shop_a, "21k") == {"H-1"}


def test_persian_with_arabic_keyboard_letters(shop_a) -> None:
    item_make(shop_a, sku="FA-1", name="گردنبند طلای زرد")  # Persian ی
    item_make(shop_a, sku="FA-2", name="انگشتر كلاسيك")  # typed with Arabic ك and ي
    assert found(shop_a, "طلاي") == {"FA-1"}  # Arabic ي finds the Persian ی
    assert found(shop_a, "گردن") == {"FA-1"}
    assert found(shop_a, "کلاسیک") == {"FA-2"}  # Persian letters find the Arabic ones
    assert found(shop_a, "كلا") == {"FA-2"}
    assert found(shop_a, "انگشتر\u200cکلا") == {"FA-2"}  # ZWNJ separates words


def test_sku_barcode_and_serial(shop_a) -> None:
    item_make(shop_a, sku="BR-77", barcode="880012345", name="Bracelet",
              serial_number="SN-۴۴۲")
    assert found(shop_a, "BR-77") == {"BR-77"}  # exact SKU
    assert found(shop_a, "br-77") == {"BR-77"}  # typed in lower case
    assert found(shop_a, "880012345") == {"BR-77"}  # exact barcode (scanner)
    assert found(shop_a, "۸۸۰۰۱۲۳۴۵") == {"BR-77"}  # Persian digits
    assert found(shop_a, "8800") == {"BR-77"}  # barcode prefix
    assert found(shop_a, "br-7") == {"BR-77"}  # SKU prefix
    assert found(shop_a, "sn-442") == {"BR-77"}  # serial number, digits folded


def test_a_part_of_a_code_finds_the_item(shop_a) -> None:
    """What a salesperson reads off a tag: the number after the prefix, or the code
    without its separators."""
    item_make(shop_a, sku="GOL-0008", name="Bangle", serial_number="AB/55.12")
    item_make(shop_a, sku="GOL-0109", name="Chain")
    assert found(shop_a, "0008") == {"GOL-0008"}
    assert found(shop_a, "۰۰۰۸") == {"GOL-0008"}  # Persian digits
    assert found(shop_a, "gol0008") == {"GOL-0008"}
    assert found(shop_a, "gol 0008") == {"GOL-0008"}
    assert found(shop_a, "gol") >= {"GOL-0008", "GOL-0109"}
    assert found(shop_a, "01") == {"GOL-0109"}  # a prefix of a part
    assert found(shop_a, "55") == {"GOL-0008"}  # a part of the serial number
    assert found(shop_a, "008") == set()  # parts are matched from their start


def test_exact_code_wins_over_word_matches(shop_a) -> None:
    item_make(shop_a, sku="RING", name="Plain band")
    # "RING" is a SKU: only that item, not every ring whose name starts with it.
    assert found(shop_a, "RING") == {"RING"}


def test_other_shops_items_are_never_found(shop_a, shop_b) -> None:
    item_make(shop_a, sku="A-1", name="Anklet sapphire")
    item_make(shop_b, sku="B-1", name="Anklet sapphire", barcode="B-CODE")
    assert found(shop_a, "anklet") == {"A-1"}
    assert found(shop_a, "sapph") == {"A-1"}
    assert found(shop_a, "B-1") == set() and found(shop_a, "B-CODE") == set()
    assert found(shop_a, "gold ring") == {"RING-1"}  # shop_world: both have a RING-1
    assert found(shop_b, "anklet") == {"B-1"}
    with tenant_context(shop_a.tenant):
        assert not ItemSearchToken.objects.filter(item__sku="B-1").exists()
        assert not ItemSearchToken.objects.filter(token="b-1").exists()


def test_tokens_follow_renames_and_code_changes(shop_a) -> None:
    s = shop_a
    item = item_make(s, sku="R-1", name="Brooch silverleaf")
    assert found(s, "brooch") == {"R-1"}
    with tenant_context(s.tenant):
        services.item_update(tenant=s.tenant, actor=s.owner, item=item,
                             name="Necklace goldleaf", sku="R-2", barcode="R2")
    assert found(s, "brooch") == set() and found(s, "silverl") == set()
    assert found(s, "neck gold") == {"R-2"}
    assert tokens_of(s, item) == {"necklace", "goldleaf", "r-2", "r2", "r", "2"}
    with tenant_context(s.tenant):
        services.item_update(tenant=s.tenant, actor=s.owner, item=item, cost=1)  # no rename
    assert tokens_of(s, item) == {"necklace", "goldleaf", "r-2", "r2", "r", "2"}


def test_import_refreshes_tokens_in_bulk(shop_a) -> None:
    s = shop_a
    csv = ("sku,name,metal,karat,gross_weight,net_weight,price_mode,tracking\n"
           "IMP-1,Ruby ring,gold,18,3.1,3.0,rate_based,serial\n"
           "IMP-2,Topaz chain,gold,18,3.1,3.0,rate_based,serial\n"
           "RING-1,Gold ring renamed,gold,18,5.25,5,rate_based,serial\n")
    report = items_import(tenant=s.tenant, actor=s.owner,
                          dataset=dataset_load(csv.encode(), "items.csv"))
    assert report.imported and report.created == 2 and report.updated == 1
    assert found(s, "ruby") == {"IMP-1"} and found(s, "topaz") == {"IMP-2"}
    assert found(s, "renamed") == {"RING-1"}
    with tenant_context(s.tenant):
        # ruby, ring, and the SKU whole, without its hyphen and its two parts (the
        # barcode made from it folds to the same tokens)
        assert set(ItemSearchToken.objects.filter(item__sku="IMP-1")
                   .values_list("token", flat=True)) == {
            "ruby", "ring", "imp-1", "imp1", "imp", "1"}


def test_import_dry_run_or_bad_file_leaves_no_tokens(shop_a) -> None:
    s = shop_a
    csv = ("sku,name,metal,karat,gross_weight,net_weight,price_mode,tracking\n"
           "DRY-1,Onyx ring,gold,18,3.1,3.0,rate_based,serial\n")
    report = items_import(tenant=s.tenant, actor=s.owner,
                          dataset=dataset_load(csv.encode(), "items.csv"), dry_run=True)
    assert not report.imported
    assert found(s, "onyx") == set()
    with tenant_context(s.tenant):
        assert not ItemSearchToken.objects.filter(token__startswith="onyx").exists()


def test_data_migration_fills_tokens_for_every_shop(shop_a, shop_b) -> None:
    """0005 walks the tenants (RLS is forced even for the owner) and writes the tokens
    the services would."""
    a = item_make(shop_a, sku="M-1", name="Cameo brooch")
    b = item_make(shop_b, sku="M-2", name="Cameo pin")
    for s in (shop_a, shop_b):
        with tenant_context(s.tenant):
            ItemSearchToken.objects.all().delete()
    assert found(shop_a, "cameo") == set()
    migration = importlib.import_module("inventory.migrations.0005_item_search_tokens_fill")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.fill(django_apps, editor)
    assert found(shop_a, "cameo") == {"M-1"} and found(shop_b, "cameo") == {"M-2"}
    assert tokens_of(shop_a, a) == a.search_tokens()
    assert tokens_of(shop_b, b) == b.search_tokens()
    assert found(shop_a, "gold ring") == {"RING-1"}


@pytest.mark.django_db(transaction=True)
def test_the_word_range_is_an_index_condition_under_rls(shop_a) -> None:
    """RLS lets only leakproof operators into an index condition: the range is one,
    LIKE 'gol%' (the same prefix, not leakproof) stays a filter over the shop's rows."""
    import os

    import environ
    import psycopg

    s = shop_a
    with tenant_context(s.tenant):
        ItemSearchToken.objects.bulk_create(
            ItemSearchToken(item=s.extra["item"], token=f"zz{n:05}") for n in range(5000))
    # Fresh statistics (only the table's owner may ANALYZE): with stale ones the
    # planner may walk another tenant-led index and the test would prove nothing.
    owner = environ.Env.db_url_config(os.environ["DATABASE_OWNER_URL"])
    with psycopg.connect(host=owner["HOST"], port=owner["PORT"], user=owner["USER"],
                         password=owner["PASSWORD"], dbname=connection.settings_dict["NAME"],
                         autocommit=True) as admin:
        admin.execute("ANALYZE inventory_itemsearchtoken")

    def plan(tokens) -> str:
        with tenant_context(s.tenant), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            sql, params = tokens.values("item_id").query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def index_conditions(text: str) -> str:
        return " ".join(line for line in text.splitlines() if "Index Cond" in line)

    ranged = plan(prefix_range(ItemSearchToken.objects.all(), "token", "gol"))
    assert "tenant_inventory_search_token" in ranged, ranged
    assert "token" in index_conditions(ranged), ranged
    like = plan(ItemSearchToken.objects.filter(token__startswith="gol"))
    assert "token" not in index_conditions(like), like


def test_many_matches_are_paged_in_sku_order_like_few(shop_a, monkeypatch) -> None:
    """Past DENSE_MATCHES the page walks the SKU index: same rows, same order, same
    count, with and without other filters."""
    s = shop_a
    for n in range(7):
        item_make(s, sku=f"W-{n}", name=f"Wide bangle {n}", karat=18 if n % 2 else 22)
    item_make(s, sku="W-X", name="Wide ring")

    def pages(**filters) -> list:
        with tenant_context(s.tenant):
            paginator = selectors.ItemPaginator(
                selectors.item_list(filters=selectors.ItemFilters(**filters)), 3)
            return [paginator.count] + [[i.sku for i in paginator.page(n).object_list]
                                        for n in paginator.page_range]

    with tenant_context(s.tenant):
        services.item_update(tenant=s.tenant, actor=s.owner,
                             item=Item.objects.get(sku="W-3"), is_active=False)
    cases = [{"search": "bang"}, {"search": "wide"}, {"search": "bang", "karat": 22},
             {"search": "wide", "status": "active"}, {"search": "wide", "status": "inactive"}]
    few = [pages(**c) for c in cases]
    monkeypatch.setattr(selectors, "DENSE_MATCHES", 1)
    dense = [pages(**c) for c in cases]
    assert few == dense
    assert few[0] == [7, ["W-0", "W-1", "W-2"], ["W-3", "W-4", "W-5"], ["W-6"]]
    assert few[2][0] == 4 and few[1][0] == 8
    assert few[3][0] == 7 and few[4] == [1, ["W-3"]]


def test_the_migration_gives_existing_items_their_code_part_tokens(shop_a, shop_b) -> None:
    fill = importlib.import_module("inventory.migrations.0017_item_code_part_tokens").fill
    made = [(shop_a, item_make(shop_a, sku="OLD-0042", name="Locket")),
            (shop_b, item_make(shop_b, sku="OLD-0043", name="Locket"))]
    for s, item in made:  # as items were before code_tokens
        with tenant_context(s.tenant):
            ItemSearchToken.objects.filter(item=item, token__in=[
                "old", "0042", "0043", "old0042", "old0043"]).delete()
    assert found(shop_a, "0042") == set() and found(shop_b, "0043") == set()

    for _run in range(2):  # a second run adds nothing
        fill(django_apps, SimpleNamespace(connection=connection))
    assert found(shop_a, "0042") == {"OLD-0042"} and found(shop_b, "0043") == {"OLD-0043"}
    for s, item in made:
        with tenant_context(s.tenant):
            tokens = list(ItemSearchToken.objects.filter(item=item)
                          .values_list("token", flat=True))
        assert sorted(tokens) == sorted(item.search_tokens())  # each once
