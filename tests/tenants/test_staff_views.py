import pytest
from django.test import Client

from tenants.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(shop_a) -> Client:
    client = Client()
    client.force_login(shop_a.owner)
    return client


def test_staff_list_shows_own_staff_only(owner_client, shop_a, shop_b,
                                         django_assert_max_num_queries) -> None:
    # 13 in tests: the test transaction adds a savepoint, its release and a scope reset.
    with django_assert_max_num_queries(13):
        response = owner_client.get("/staff/")
    body = response.content.decode()
    assert shop_a.cashier.full_name in body
    assert shop_b.cashier.full_name not in body, "shop B's staff leaked"


def test_staff_search_returns_the_results_fragment_for_htmx(owner_client, shop_a) -> None:
    response = owner_client.get("/staff/", {"q": "cashier"}, HTTP_HX_REQUEST="true",
                                HTTP_HX_TARGET="staff-results")
    body = response.content.decode()
    assert "<html" not in body and 'id="staff-results"' in body
    assert shop_a.cashier.full_name in body and shop_a.manager.full_name not in body


def test_invalid_invitation_keeps_input_and_changes_nothing(owner_client) -> None:
    before = User.objects.count()
    response = owner_client.post("/staff/invite/", {"email": "not-an-email", "full_name": "Kept Name",
                                                     "role": "cashier"})
    assert response.status_code == 422
    assert "Kept Name" in response.content.decode()
    assert User.objects.count() == before


def test_invitation_over_the_limit_shows_the_limit(owner_client, shop_a) -> None:
    plan = shop_a.tenant.plan
    plan.max_users = 3
    plan.save()
    response = owner_client.post("/staff/invite/", {"email": "new@example.com", "full_name": "New",
                                                     "role": "cashier"})
    assert response.status_code == 422
    assert "allows 3 users" in response.content.decode()


def test_deactivate_and_reactivate(owner_client, shop_a) -> None:
    url = f"/staff/{shop_a.cashier.pk}/active/"
    assert owner_client.post(url, {"active": "0"}).status_code == 302
    shop_a.cashier.refresh_from_db()
    assert not shop_a.cashier.is_active
    owner_client.post(url, {"active": "1"})
    shop_a.cashier.refresh_from_db()
    assert shop_a.cashier.is_active


def test_cashier_cannot_open_staff_pages(shop_a) -> None:
    client = Client()
    client.force_login(shop_a.cashier)
    assert client.get("/staff/").status_code == 403


def test_branch_create_and_duplicate_code(owner_client, shop_a) -> None:
    shop_a.tenant.plan.max_branches = 10
    shop_a.tenant.plan.save()
    assert owner_client.post("/branches/new/", {"name": "North", "code": "nth"}).status_code == 302
    again = owner_client.post("/branches/new/", {"name": "North 2", "code": "NTH"})
    assert again.status_code == 422
    assert "already uses this code" in again.content.decode()


def test_suspended_shop_sees_the_suspended_page(owner_client, shop_a) -> None:
    shop_a.tenant.status = "suspended"
    shop_a.tenant.save()
    response = owner_client.get("/staff/")
    assert response.status_code == 403
    assert "suspended" in response.content.decode()


def test_a_manager_places_people_only_in_their_branches(shop_a) -> None:
    client = Client()
    client.force_login(shop_a.manager)
    page = client.get("/staff/invite/").content.decode()
    assert f'value="{shop_a.main.pk}"' in page
    assert f'value="{shop_a.branch.pk}"' not in page
    refused = client.post("/staff/invite/", {"email": "n@example.com", "full_name": "N",
                                              "role": "cashier", "branch": str(shop_a.branch.pk)})
    assert refused.status_code == 422
    assert not User.objects.filter(email="n@example.com").exists()
