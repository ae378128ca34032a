"""The inventory pages: what each shop sees and hides, forms, labels, import/export."""

import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from inventory import services
from inventory.models import Item, StockLevel, StockMovement
from tenants.context import tenant_context
from tests.factories import item_make

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_list_shows_own_items_and_hides_the_other_shops(shop_a, shop_b,
                                                         django_assert_max_num_queries) -> None:
    item_make(shop_a, sku="A-ONLY", name="Shop A bangle")
    item_make(shop_b, sku="B-ONLY", name="Shop B bangle")
    for n in range(30):
        item_make(shop_a, sku=f"BULK-{n:02}", name=f"Chain {n}")
    c = client_for(shop_a.cashier)
    with django_assert_max_num_queries(15):
        response = c.get(reverse("inventory:item-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "A-ONLY" in body and "B-ONLY" not in body, "item of shop B leaked"
    response = c.get(reverse("inventory:item-list"), {"q": "bangle"})
    body = response.content.decode()
    assert "Shop A bangle" in body and "Shop B bangle" not in body


@pytest.mark.parametrize("query", ["RING-1", "ring-1", "gold rin", "rin"])
def test_search_by_sku_barcode_or_name(shop_a, query) -> None:
    item_make(shop_a, sku="OTHER-1", name="Bracelet")
    body = client_for(shop_a.owner).get(reverse("inventory:item-list"),
                                        {"q": query}).content.decode()
    assert "Gold ring" in body and "Bracelet" not in body


def test_htmx_gets_only_the_results_partial(shop_a) -> None:
    response = client_for(shop_a.owner).get(
        reverse("inventory:item-list"), {"karat": "18"},
        headers={"HX-Request": "true", "HX-Target": "item-results"})
    body = response.content.decode()
    assert 'id="item-results"' in body and "<html" not in body and "RING-1" in body


def test_filters_by_karat_category_branch(shop_a) -> None:
    item_make(shop_a, sku="K22", karat=22, name="Twenty-two")
    c = client_for(shop_a.owner)
    url = reverse("inventory:item-list")
    assert "Twenty-two" not in c.get(url, {"karat": "18"}).content.decode()
    assert "Twenty-two" in c.get(url, {"karat": "22"}).content.decode()
    cat = shop_a.extra["category"]
    body = c.get(url, {"category": str(cat.pk)}).content.decode()
    assert "RING-1" in body and "Twenty-two" not in body
    assert "RING-1" not in c.get(url, {"branch": str(shop_a.branch.pk)}).content.decode()
    assert "RING-1" in c.get(url, {"branch": str(shop_a.main.pk)}).content.decode()


def test_detail_shows_price_stock_and_history(shop_a) -> None:
    item = shop_a.extra["item"]
    body = client_for(shop_a.cashier).get(
        reverse("inventory:item-detail", args=[item.pk])).content.decode()
    assert "387.03" in body and "Purchase receipt" in body and "PO-1" in body


def test_cashiers_read_but_cannot_write(shop_a) -> None:
    c = client_for(shop_a.cashier)
    assert c.get(reverse("inventory:item-create")).status_code == 403
    assert c.post(reverse("inventory:reprice")).status_code == 403
    assert c.get(reverse("inventory:rate-board")).status_code == 200


def test_create_item_bad_input_keeps_it_and_answers_422(shop_a) -> None:
    c = client_for(shop_a.manager)
    data = {"sku": "RING-1", "name": "Dup", "metal": "gold", "karat": "18",
            "gross_weight": "2.000", "net_weight": "1.900", "making_charge_mode": "fixed",
            "making_charge_value": "10", "stone_value": "0", "cost": "50",
            "price_mode": "rate_based", "tracking": "serial", "low_stock_threshold": "0",
            "is_active": "on"}
    response = c.post(reverse("inventory:item-create"), data)
    assert response.status_code == 422
    assert "Another item already uses this SKU." in response.content.decode()
    assert 'value="Dup"' in response.content.decode()
    response = c.post(reverse("inventory:item-create"), {**data, "sku": "NEW-1"})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        item = Item.objects.get(sku="NEW-1")
    assert item.barcode == "NEW-1"
    # gold 1.9 x 65 = 123.50, making 10, markup 5% 6.68 (6.675), tax 9% x 10 x 1.05 = 0.95 (0.945)
    assert item.price == D("141.13")


def test_price_override_by_a_manager_is_recorded(shop_a) -> None:
    item = shop_a.extra["item"]
    c = client_for(shop_a.manager)
    data = {f: getattr(item, f) for f in (
        "sku", "name", "metal", "karat", "gross_weight", "net_weight", "making_charge_mode",
        "making_charge_value", "stone_value", "cost", "price_mode", "tracking", "barcode",
        "low_stock_threshold")}
    data.update(category=item.category_id, branch=item.branch_id or "", is_active="on",
                price_override="500.00")
    response = c.post(reverse("inventory:item-edit", args=[item.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(shop_a.tenant):
        item = Item.objects.get(pk=item.pk)
    assert (item.price_override, item.override_by, item.selling_price) == (
        D("500.00"), shop_a.manager, D("500.00"))


def test_stock_adjustment_page(shop_a) -> None:
    lot = item_make(shop_a, tracking="lot", sku="LOT-1")
    c = client_for(shop_a.owner)
    url = reverse("inventory:stock-adjust", args=[lot.pk])
    response = c.post(url, {"branch": shop_a.main.pk, "quantity": "-1", "reason": "Lost"})
    assert response.status_code == 422 and "Not enough stock" in response.content.decode()
    response = c.post(url, {"branch": shop_a.main.pk, "quantity": "5", "reason": "Counted"})
    assert response.status_code == 302
    body = c.get(reverse("inventory:item-detail", args=[lot.pk])).content.decode()
    assert "Counted" in body and "Adjustment" in body
    with tenant_context(shop_a.tenant):
        assert StockLevel.objects.get(item=lot, branch=shop_a.main).quantity == 5


def test_rate_board_set_and_reprice(shop_a, shop_b) -> None:
    c = client_for(shop_a.owner)
    body = c.get(reverse("inventory:rate-board")).content.decode()
    assert "Gold 18K" in body and "299.52" in body  # 65 x 4.608 per mesghal
    response = c.post(reverse("inventory:rate-set"), {"code": "gold18", "mode": "manual",
                                                      "buy_rate": "90", "sell_rate": "80"})
    assert response.status_code == 422
    response = c.post(reverse("inventory:rate-set"), {"code": "gold18", "mode": "manual",
                                                      "buy_rate": "70", "sell_rate": "75"})
    assert response.status_code == 302
    assert c.post(reverse("inventory:reprice")).status_code == 302
    with tenant_context(shop_a.tenant):
        assert Item.objects.get(pk=shop_a.extra["item"].pk).price == D("439.53")
    with tenant_context(shop_b.tenant):
        assert Item.objects.get(pk=shop_b.extra["item"].pk).price == D("387.03")


def test_valuation_and_low_stock(shop_a, shop_b) -> None:
    c = client_for(shop_a.owner)
    body = c.get(reverse("inventory:valuation")).content.decode()
    assert "300.00" in body and "325.00" in body  # cost 300; 5 g x 65
    for by in ("category", "karat"):
        assert "Rings" in c.get(reverse("inventory:valuation"), {"by": by}).content.decode() \
            or by == "karat"
    lot = item_make(shop_a, tracking="lot", sku="LOW-1", low_stock_threshold=3)
    with tenant_context(shop_a.tenant):
        services.stock_move(tenant=shop_a.tenant, actor=shop_a.owner, item=lot,
                            branch=shop_a.main, kind="purchase_receipt", quantity=2)
    assert "LOW-1" in c.get(reverse("inventory:low-stock")).content.decode()
    assert "LOW-1" not in client_for(shop_b.owner).get(
        reverse("inventory:low-stock")).content.decode()


def test_label_pdf_for_one_item_and_a_sheet_for_many(shop_a, shop_b) -> None:
    """Acceptance 5: one label per requested item, read back from the PDF."""
    c = client_for(shop_a.cashier)
    response = c.get(reverse("inventory:item-label", args=[shop_a.extra["item"].pk]))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert text.count("SKU ") == 1 and "RING-1" in text
    items = [item_make(shop_a, sku=f"LBL-{n}") for n in range(26)]
    ids = [str(i.pk) for i in items] + [str(shop_b.extra["item"].pk)]  # B's id is ignored
    response = c.get(reverse("inventory:labels"), {"item": ids})
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == 2  # 24 per page
    assert text.count("SKU ") == 26
    assert all(f"SKU LBL-{n}" in text for n in range(26))


CSV_HEADER = "sku,name,category,metal,karat,gross_weight,net_weight,making_charge_mode," \
             "making_charge_value,stone_value,cost,price_mode,fixed_price,tracking\n"


def _upload(content: str, name: str = "items.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def test_import_with_one_bad_row_imports_nothing_and_names_the_row(shop_a) -> None:
    """Acceptance 4."""
    csv = CSV_HEADER + (
        "IMP-1,Ring one,Rings,gold,18,3.1,3.0,per_gram,5,0,100,rate_based,,serial\n"
        "IMP-2,Ring two,Rings,gold,19,3.1,3.0,per_gram,5,0,100,rate_based,,serial\n"
        "IMP-3,Ring three,,gold,18,3.1,3.5,per_gram,5,0,100,rate_based,,serial\n"
        "IMP-4,Chain,,gold,21,10,9.5,percent,7,0,400,rate_based,,lot\n"
    )
    c = client_for(shop_a.owner)
    response = c.post(reverse("inventory:item-import"), {"file": _upload(csv)})
    body = response.content.decode()
    assert response.status_code == 422
    assert "nothing was imported" in body
    assert "IMP-2" in body and "karat" in body  # row 2: 19 is not a karat
    assert "IMP-3" in body and "net weight cannot exceed" in body  # row 3
    with tenant_context(shop_a.tenant):
        assert not Item.objects.filter(sku__startswith="IMP-").exists()
    good = CSV_HEADER + (
        "IMP-1,Ring one,Rings,gold,18,3.1,3.0,per_gram,5,0,100,rate_based,,serial\n"
        "IMP-4,Chain,,gold,21,10,9.5,percent,7,0,400,rate_based,,lot\n"
        "RING-1,Gold ring renamed,Rings,gold,18,5.25,5,per_gram,8,0,300,rate_based,,serial\n"
    )
    response = c.post(reverse("inventory:item-import"), {"file": _upload(good)})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        assert Item.objects.filter(sku__startswith="IMP-").count() == 2
        assert Item.objects.get(sku="RING-1").name == "Gold ring renamed"
        assert Item.objects.get(sku="IMP-1").category == shop_a.extra["category"]


def test_export_csv_and_xlsx_roundtrip(shop_a, shop_b) -> None:
    c = client_for(shop_a.owner)
    response = c.get(reverse("inventory:item-export"), {"format": "csv"})
    text = response.content.decode()
    assert response.status_code == 200 and "RING-1" in text and "Rings" in text
    assert text.count("RING-1") == 2  # sku and barcode; shop B's RING-1 is not there
    response = c.get(reverse("inventory:item-export"), {"format": "xlsx"})
    upload = SimpleUploadedFile("items.xlsx", response.content)
    response = c.post(reverse("inventory:item-import"), {"file": upload, "dry_run": "on"})
    assert "All 1 rows are valid" in response.content.decode()
    with tenant_context(shop_a.tenant):
        assert StockMovement.objects.count() == 1
