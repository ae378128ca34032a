"""The POS benchmark's data: 1,000 shops, one of them big (100,000 items, 1,000,000
past sales with their lines, payments, stock movements and accounting events).

Written server-side with generate_series, as the owner role, shop by shop inside the
shop's scope (SET LOCAL app.tenant_id: the tenant tables' RLS policies check every
row, and tenant_id comes from the scope's column default, as in the app). The scratch
database is kept between runs: a marker (the database's comment) names the sizes it
was filled with, and a later run with the same sizes reuses it (migrating it first, so
new tables appear) instead of filling it again. --fresh forces a new one.

Each shop gets: a main branch, terminals, an owner (the big shop also a cashier per
terminal, each with the main branch), tax 9 % on the making charge, a rate board,
items (one in ten a lot of 1,000,000 pieces, the rest serial pieces with their serial
numbers), their search tokens, stock levels and purchase receipts at the main branch,
prices from inventory.services.REPRICE_SQL (what items_reprice runs), closed shifts
(one a day per terminal), and past sales: each sells a piece of a lot, every 50th
also a serial piece (which is then out of stock); paid by cash or card; each with its
sale movements and its posted "sale.completed" event; the sale counter set to match.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

SEED_VERSION = 1
MARKER = "zargar bench pos seed"
# Made fresh for each run (scratch database only): a reused database gets it again
# through password_reset().
PASSWORD = secrets.token_urlsafe(18)
LOT_QUANTITY = 1_000_000
TAX_PERCENT = 9


@dataclass(frozen=True)
class Sizes:
    tenants: int = 1000
    items: int = 100_000
    sales: int = 1_000_000
    terminals: int = 10
    other_items: int = 100
    other_sales: int = 100

    def marker(self) -> str:
        return (f"{MARKER} v{SEED_VERSION} tenants={self.tenants} items={self.items} "
                f"sales={self.sales} terminals={self.terminals} "
                f"other_items={self.other_items} other_sales={self.other_sales}")


def database_marker(admin_url: str, db: str) -> str | None:
    """The marker of `db`, '' if it has none, None if there is no such database."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        row = admin.execute("SELECT coalesce(shobj_description(oid, 'pg_database'), '') "
                            "FROM pg_database WHERE datname = %s", [db]).fetchone()
    return None if row is None else row[0]


def set_marker(admin_url: str, db: str, marker: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(db), sql.Literal(marker)))


def big_slug() -> str:
    return "bench-big"


def _scope(cur, tenant_id) -> None:
    cur.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])


def password_reset(owner_url: str, password_hash: str) -> None:
    """Give every bench user this run's password (users are not tenant rows)."""
    import psycopg

    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute("UPDATE tenants_user SET password = %s WHERE email LIKE %s",
                    [password_hash, "%.example"])


def fill(owner_url: str, sizes: Sizes, *, password_hash: str, log) -> None:
    """Every shop and its rows; one transaction per shop (the big one takes minutes)."""
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(owner_url) as conn:
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO tenants_plan (id, name, price, currency, billing_cycle, max_users, "
                "max_branches, max_items, max_terminals, is_archived, created_at) VALUES "
                "(gen_random_uuid(), 'bench', 0, 'USD', 'monthly', 50, 5, 1000000, 50, false, "
                "now())")
            cur.execute(
                "INSERT INTO tenants_tenant (id, name, slug, status, plan_id, currency, "
                "require_mfa, created_at, updated_at) SELECT gen_random_uuid(), "
                "CASE WHEN g = 1 THEN 'Big bench shop' ELSE 'Bench shop ' || g END, "
                "CASE WHEN g = 1 THEN %s ELSE 'bench-' || g END, 'active', "
                "(SELECT id FROM tenants_plan WHERE name = 'bench'), 'USD', false, now(), now() "
                "FROM generate_series(1, %s) g", [big_slug(), sizes.tenants])
            cur.execute("SELECT id, slug FROM tenants_tenant ORDER BY slug = %s DESC, slug",
                        [big_slug()])
            shops = cur.fetchall()
        conn.commit()
        for n, (tenant_id, slug) in enumerate(shops):
            big = slug == big_slug()
            t1 = time.perf_counter()
            with conn.cursor() as cur:
                _fill_shop(cur, tenant_id, slug, big=big, password_hash=password_hash,
                           items=sizes.items if big else sizes.other_items,
                           sales=sizes.sales if big else sizes.other_sales,
                           terminals=sizes.terminals if big else 1)
            conn.commit()
            if big:
                log(f"big shop: {sizes.items:,} items, {sizes.sales:,} sales in "
                    f"{time.perf_counter() - t1:.1f} s")
            elif n % 250 == 0:
                log(f"{n:,} of {len(shops):,} shops")
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"filled {sizes.tenants:,} shops in {time.perf_counter() - t0:.1f} s")


def _fill_shop(cur, tenant_id, slug: str, *, big: bool, password_hash: str, items: int,
               sales: int, terminals: int) -> None:
    from inventory.services import REPRICE_SQL

    _scope(cur, tenant_id)
    if big:
        cur.execute("SET LOCAL work_mem = '256MB'")
    lots = max(1, items // 10)
    days = max(1, min(730, sales // 1000))
    sold_serials = min((items - lots) // 5, sales // 50)
    cur.execute(
        "INSERT INTO tenants_branch (id, name, code, address, phone, opening_hours, is_active, "
        "created_at) VALUES (gen_random_uuid(), 'Main', 'MAIN', '', '', '', true, now()) "
        "RETURNING id")
    branch = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO tenants_terminal (id, name, is_active, created_at, branch_id) "
        "SELECT gen_random_uuid(), 'Till ' || lpad(g::text, 2, '0'), true, now(), %s "
        "FROM generate_series(1, %s) g", [branch, terminals])
    # Users are not tenant rows (no RLS): the owner, and for the big shop one cashier
    # per terminal (cashier01 works at "Till 01", ...).
    cur.execute(
        "INSERT INTO tenants_user (id, password, is_superuser, email, full_name, phone, role, "
        "language, theme, is_active, is_staff, date_joined, branch_id, tenant_id, pos_pin) "
        "SELECT gen_random_uuid(), %(pw)s, false, "
        "CASE WHEN g = 0 THEN 'owner@' || %(slug)s || '.example' "
        "ELSE 'cashier' || lpad(g::text, 2, '0') || '@' || %(slug)s || '.example' END, "
        "CASE WHEN g = 0 THEN 'Owner' ELSE 'Cashier ' || g END, '', "
        "CASE WHEN g = 0 THEN 'owner' ELSE 'cashier' END, 'en', 'light', true, false, now(), "
        "%(branch)s, %(tenant)s, '' FROM generate_series(0, %(n)s) g",
        {"pw": password_hash, "slug": slug, "branch": branch, "tenant": tenant_id,
         "n": terminals if big else 0})
    cur.execute("SELECT id FROM tenants_user WHERE tenant_id = %s AND role = 'owner'",
                [tenant_id])
    owner = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO inventory_inventorysettings (id, tax_rate_percent, tax_on_gold, "
        "tax_on_making, tax_on_stone, stale_after_minutes) VALUES (gen_random_uuid(), %s, "
        "false, true, false, 60)", [TAX_PERCENT])
    cur.execute(
        "INSERT INTO inventory_rateboard (id, code, mode, buy_margin_percent, "
        "sell_margin_percent, buy_rate, sell_rate, updated_at) SELECT gen_random_uuid(), c, "
        "'manual', 0, 0, r * 0.95, r, now() FROM (VALUES ('gold24', 86.5), ('gold22', 79.3), "
        "('gold21', 75.7), ('gold18', 64.9)) v(c, r)")

    # Items: g <= lots are lots, the others serial pieces; serial pieces lots+1 ..
    # lots+sold_serials were sold in the past sales.
    cur.execute("DROP TABLE IF EXISTS bench_items")
    cur.execute(
        "CREATE TEMP TABLE bench_items ON COMMIT DROP AS SELECT g, gen_random_uuid() AS id, "
        "g <= %(lots)s AS lot, g > %(lots)s AND g <= %(lots)s + %(sold)s AS sold "
        "FROM generate_series(1, %(items)s) g",
        {"lots": lots, "sold": sold_serials, "items": items})
    cur.execute("CREATE INDEX ON bench_items (g)")
    cur.execute("ANALYZE bench_items")
    words = "ARRAY['Ring','Bangle','Chain','Necklace','Earring','Pendant','Anklet','Brooch']"
    cur.execute(
        f"""INSERT INTO inventory_item (id, sku, name, metal, karat, purity, gross_weight,
            net_weight, making_charge_mode, making_charge_value, stone_details, stone_value,
            cost, price_mode, fixed_price, price, tracking, serial_number, barcode, is_active,
            low_stock_threshold, created_at, updated_at, branch_id)
        SELECT b.id, 'SKU-' || lpad(b.g::text, 7, '0'),
            ({words})[1 + b.g %% 8] || ' ' || substr(md5(b.g::text), 1, 6), 'gold', k.karat,
            round(k.karat * 1000 / 24.0, 1), w.net + 0.250, w.net,
            'per_gram', 8 + b.g %% 5, '', 0, round(w.net * 60, 2), 'rate_based', NULL, 0,
            CASE WHEN b.lot THEN 'lot' ELSE 'serial' END,
            CASE WHEN b.lot THEN '' ELSE 'SN' || lpad(b.g::text, 8, '0') END,
            '20' || lpad(b.g::text, 10, '0'), true, 0, now(), now(),
            CASE WHEN b.lot THEN NULL ELSE %s::uuid END
        FROM bench_items b
        CROSS JOIN LATERAL (SELECT (ARRAY[18, 18, 21, 22, 24])[1 + b.g %% 5] AS karat) k
        CROSS JOIN LATERAL (SELECT round(1.5 + (b.g %% 97) / 10.0, 3) AS net) w""",
        [branch])
    cur.execute(REPRICE_SQL, {"d": 2})
    # The words inventory's search finds an item by (inventory.search.item_search_tokens).
    cur.execute(
        """INSERT INTO inventory_itemsearchtoken (id, item_id, token)
        SELECT gen_random_uuid(), i.id, t FROM inventory_item i,
        LATERAL (SELECT DISTINCT unnest(string_to_array(lower(i.name), ' ')
            || ARRAY[lower(i.sku), lower(i.barcode), regexp_replace(lower(i.sku), '[-/.]', '', 'g')]
            || regexp_split_to_array(lower(i.sku), '[-/.]')
            || CASE WHEN i.serial_number <> '' THEN ARRAY[lower(i.serial_number)]
               ELSE ARRAY[]::text[] END) AS t) x""")
    cur.execute(
        "INSERT INTO inventory_stocklevel (id, quantity, is_serial, updated_at, branch_id, "
        "item_id) SELECT gen_random_uuid(), CASE WHEN lot THEN %s WHEN sold THEN 0 ELSE 1 END, "
        "NOT lot, now(), %s, id FROM bench_items", [LOT_QUANTITY, branch])
    cur.execute(
        "INSERT INTO inventory_stockmovement (id, kind, quantity, balance_after, reason, "
        "reference, created_at, actor_id, branch_id, item_id) SELECT gen_random_uuid(), "
        "'purchase_receipt', q, q, '', 'PO-1', now() - interval '2 years', %s, %s, id "
        "FROM (SELECT id, CASE WHEN lot THEN %s ELSE 1 END AS q FROM bench_items) x",
        [owner, branch, LOT_QUANTITY])

    # Shifts: one a day per terminal, closed; cashier g works at terminal g.
    cur.execute("DROP TABLE IF EXISTS bench_shifts")
    cur.execute(
        """CREATE TEMP TABLE bench_shifts ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY d, t.name) - 1 AS s, gen_random_uuid() AS id,
            t.id AS terminal_id, coalesce(u.id, %(owner)s) AS cashier_id,
            date_trunc('day', now()) - (%(days)s - d) * interval '1 day'
                + interval '9 hours' AS opened_at
        FROM generate_series(0, %(days)s - 1) d CROSS JOIN tenants_terminal t
        LEFT JOIN tenants_user u ON u.tenant_id = %(tenant)s
            AND u.email = 'cashier' || substr(t.name, 6) || '@' || %(slug)s || '.example'""",
        {"owner": owner, "days": days, "tenant": tenant_id, "slug": slug})
    cur.execute("CREATE INDEX ON bench_shifts (s)")
    cur.execute("SELECT count(*) FROM bench_shifts")
    shifts = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO pos_shift (id, opening_float, opened_at, closed_at, counted_cash, "
        "expected_cash, over_short, branch_id, closed_by_id, opened_by_id, terminal_id) "
        "SELECT id, 0, opened_at, opened_at + interval '9 hours', 0, 0, 0, %s, cashier_id, "
        "cashier_id, terminal_id FROM bench_shifts", [branch])

    # Sales: sale g is in shift g % shifts, sells a piece of lot 1 + (g * 7919) % lots,
    # and when g is a multiple of 50 also serial piece lots + g / 50.
    cur.execute("DROP TABLE IF EXISTS bench_sales")
    cur.execute(
        """CREATE TEMP TABLE bench_sales ON COMMIT DROP AS
        SELECT x.g, gen_random_uuid() AS id, s.id AS shift_id, s.terminal_id, s.cashier_id,
            s.opened_at + (x.g / %(shifts)s %% 160) * interval '200 seconds' AS created_at,
            l.id AS lot_id, l.price AS lot_price, p.id AS serial_id, p.price AS serial_price,
            round(l.price * %(tax)s / (100 + %(tax)s), 2) AS lot_tax,
            round(p.price * %(tax)s / (100 + %(tax)s), 2) AS serial_tax
        FROM generate_series(1, %(sales)s) x(g)
        JOIN bench_shifts s ON s.s = x.g %% %(shifts)s
        JOIN bench_items bl ON bl.g = 1 + (x.g::bigint * 7919) %% %(lots)s
        JOIN inventory_item l ON l.id = bl.id
        LEFT JOIN bench_items bp ON x.g %% 50 = 0 AND bp.g = %(lots)s + x.g / 50
            AND x.g / 50 <= %(sold)s
        LEFT JOIN inventory_item p ON p.id = bp.id""",
        {"shifts": shifts, "tax": TAX_PERCENT, "sales": sales, "lots": lots,
         "sold": sold_serials})
    cur.execute(
        """INSERT INTO pos_sale (id, number, idempotency_key, status, currency, subtotal,
            discount_total, cart_discount, tax_total, total, created_at, branch_id, cashier_id,
            customer_id, terminal_id, shift_id)
        SELECT id, g, gen_random_uuid(), 'completed', 'USD',
            lot_price + coalesce(serial_price, 0), 0, 0, lot_tax + coalesce(serial_tax, 0),
            lot_price + coalesce(serial_price, 0), created_at, %s, cashier_id, NULL,
            terminal_id, shift_id
        FROM bench_sales ORDER BY g""", [branch])
    cur.execute(
        """INSERT INTO pos_saleline (id, position, sku, name, karat, net_weight, quantity,
            unit_price, line_discount, cart_discount, tax, total, item_id, sale_id)
        SELECT gen_random_uuid(), x.position, i.sku, i.name, i.karat, i.net_weight, 1, x.price,
            0, 0, x.tax, x.price, i.id, x.sale_id
        FROM (SELECT id AS sale_id, g, 0 AS position, lot_id AS item_id, lot_price AS price,
                     lot_tax AS tax FROM bench_sales
              UNION ALL
              SELECT id, g, 1, serial_id, serial_price, serial_tax FROM bench_sales
              WHERE serial_id IS NOT NULL) x
        JOIN inventory_item i ON i.id = x.item_id ORDER BY x.g, x.position""")
    cur.execute(
        """INSERT INTO pos_payment (id, method, amount, change_given, reference, points,
            created_at, sale_id)
        SELECT gen_random_uuid(), CASE WHEN g % 3 = 0 THEN 'card' ELSE 'cash' END,
            lot_price + coalesce(serial_price, 0), 0,
            CASE WHEN g % 3 = 0 THEN 'AUTH' || g ELSE '' END, NULL, created_at, id
        FROM bench_sales ORDER BY g""")
    cur.execute(
        """INSERT INTO inventory_stockmovement (id, kind, quantity, balance_after, reason,
            reference, created_at, actor_id, branch_id, item_id)
        SELECT gen_random_uuid(), 'sale', -1, x.balance, '', 'sale ' || x.sale_id, x.created_at,
            x.cashier_id, %s, x.item_id
        FROM (SELECT id AS sale_id, g, created_at, cashier_id, lot_id AS item_id,
                     %s - 1 AS balance FROM bench_sales
              UNION ALL
              SELECT id, g, created_at, cashier_id, serial_id, 0 FROM bench_sales
              WHERE serial_id IS NOT NULL) x ORDER BY x.g""", [branch, LOT_QUANTITY])
    cur.execute(
        "INSERT INTO pos_saleevent (id, kind, created_at, posted_at, sale_id) "
        "SELECT gen_random_uuid(), 'sale.completed', created_at, created_at, id "
        "FROM bench_sales ORDER BY g")
    cur.execute(
        "INSERT INTO tenants_counter (id, key, value) VALUES (gen_random_uuid(), 'sale', %s)",
        [sales])
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys, checked now


@dataclass(frozen=True)
class Cashier:
    email: str
    terminal_id: str
    terminal: str


@dataclass(frozen=True)
class Piece:
    barcode: str
    sku: str
    price: str  # Decimal as text


def big_shop(owner_url: str, *, terminals: int) -> tuple[str, list[Cashier], list[Piece],
                                                           list[Piece]]:
    """The big shop's id, its cashiers with their terminals, the serial pieces still in
    stock and the lots (read as the owner inside the shop's scope)."""
    import psycopg

    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM tenants_tenant WHERE slug = %s", [big_slug()])
        tenant_id = cur.fetchone()[0]
        _scope(cur, tenant_id)
        cur.execute("SELECT id, name FROM tenants_terminal ORDER BY name")
        tills = cur.fetchall()[:terminals]
        cashiers = [Cashier(email=f"cashier{n[5:]}@{big_slug()}.example",
                            terminal_id=str(pk), terminal=n) for pk, n in tills]
        cur.execute(
            "SELECT i.barcode, i.sku, coalesce(i.price_override, i.price)::text, i.tracking "
            "FROM inventory_item i JOIN inventory_stocklevel l ON l.item_id = i.id "
            "WHERE l.quantity > 0 AND i.is_active ORDER BY i.barcode")
        serials, lots = [], []
        for barcode, sku, price, tracking in cur.fetchall():
            (serials if tracking == "serial" else lots).append(Piece(barcode, sku, price))
    return str(tenant_id), cashiers, serials, lots


def shifts_close_open(owner_url: str, tenant_id: str) -> int:
    """Close the shifts a previous (interrupted) run left open at the big shop."""
    import psycopg

    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        _scope(cur, tenant_id)
        cur.execute("UPDATE pos_shift SET closed_at = now(), counted_cash = 0, "
                    "expected_cash = 0, over_short = 0 WHERE closed_at IS NULL")
        return cur.rowcount


def sale_count(owner_url: str, tenant_id: str) -> int:
    import psycopg

    with psycopg.connect(owner_url) as conn, conn.cursor() as cur:
        _scope(cur, tenant_id)
        cur.execute("SELECT count(*) FROM pos_sale")
        return cur.fetchone()[0]
