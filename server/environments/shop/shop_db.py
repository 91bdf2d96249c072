"""The shop's business logic over its SQLite database (products, customers, orders, coupons).

Every function takes an open connection and raises ShopError(status, message) for a request it
refuses; the JSON API, the pages and the MCP tools all go through these. Values from clients are
checked strictly (an integer is an int, not a bool or a float) and reach SQL only as parameters.
"""
import contextlib
import datetime
import sqlite3
import urllib.parse

STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")
# The status an order may move to from each status; cancelling puts its items back in stock.
TRANSITIONS = {"pending": ("paid", "cancelled"), "paid": ("shipped", "cancelled"), "shipped": ("delivered",)}
MAX_ID = 2**63 - 1
MAX_PRICE_CENTS = 100_000_000
MAX_STOCK = 1_000_000
MAX_QUANTITY = 10_000
MAX_ITEMS = 100


class ShopError(Exception):
    """A refused request: an HTTP status (400, 404, 409) and a message for the client."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def connect(path):
    """Opens the existing database read-write (never creating it: a missing file is an error)."""
    uri = "file:" + urllib.parse.quote(path) + "?mode=rw"
    conn = sqlite3.connect(uri, uri=True, timeout=5, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextlib.contextmanager
def writing(conn):
    """One write transaction, taken up front so that checks and changes see the same rows."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- checking input -------------------------------------------------------------------------

def check_fields(data, allowed, required=()):
    if not isinstance(data, dict):
        raise ShopError(400, "expected a JSON object")
    unknown = sorted(k for k in data if k not in allowed)
    if unknown:
        raise ShopError(400, f"unknown field `{unknown[0]}` (allowed: {', '.join(allowed)})")
    for key in required:
        if data.get(key) is None:
            raise ShopError(400, f"`{key}` is required")
    return data


def integer(value, name, lo, hi):
    if type(value) is not int:
        raise ShopError(400, f"`{name}` must be an integer")
    if not lo <= value <= hi:
        raise ShopError(400, f"`{name}` must be between {lo} and {hi}")
    return value


def text(value, name, max_len=200):
    """An optional string filter: None or a string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ShopError(400, f"`{name}` must be a string")
    if len(value) > max_len:
        raise ShopError(400, f"`{name}` is longer than {max_len} characters")
    return value


def ident(value, what):
    """A row id: must be an int; one no row can have is simply not found."""
    if type(value) is not int:
        raise ShopError(400, f"the {what} id must be an integer")
    if not 1 <= value <= MAX_ID:
        raise ShopError(404, f"{what.capitalize()} {value} not found")
    return value


def like(q):
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# --- products -------------------------------------------------------------------------------

PRODUCT_COLUMNS = "id, sku, name, category, price_cents, stock, active"


def _product(row):
    product = dict(row)
    product["active"] = bool(product["active"])
    return product


def list_products(conn, q=None, category=None):
    q, category = text(q, "q"), text(category, "category")
    sql, args = f"SELECT {PRODUCT_COLUMNS} FROM products WHERE 1 = 1", []
    if q:
        sql += " AND (name LIKE ? ESCAPE '\\' OR sku LIKE ? ESCAPE '\\' OR category LIKE ? ESCAPE '\\')"
        args += [like(q)] * 3
    if category:
        sql += " AND category = ? COLLATE NOCASE"
        args.append(category)
    return [_product(r) for r in conn.execute(sql + " ORDER BY id", args)]


def get_product(conn, product_id):
    row = conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?",
                       (ident(product_id, "product"),)).fetchone()
    if row is None:
        raise ShopError(404, f"Product {product_id} not found")
    return _product(row)


def update_product(conn, product_id, changes):
    check_fields(changes, ("price_cents", "stock", "active"))
    sets, args = [], []
    if "price_cents" in changes:
        sets.append("price_cents = ?")
        args.append(integer(changes["price_cents"], "price_cents", 0, MAX_PRICE_CENTS))
    if "stock" in changes:
        sets.append("stock = ?")
        args.append(integer(changes["stock"], "stock", 0, MAX_STOCK))
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise ShopError(400, "`active` must be true or false")
        sets.append("active = ?")
        args.append(int(changes["active"]))
    if not sets:
        raise ShopError(400, "nothing to change: give price_cents, stock or active")
    get_product(conn, product_id)
    with writing(conn):
        cursor = conn.execute(f"UPDATE products SET {', '.join(sets)} WHERE id = ?", (*args, product_id))
        if cursor.rowcount == 0:
            raise ShopError(404, f"Product {product_id} not found")
    return get_product(conn, product_id)


# --- customers ------------------------------------------------------------------------------

def list_customers(conn, q=None):
    q = text(q, "q")
    sql, args = "SELECT id, name, email, city FROM customers", []
    if q:
        sql += " WHERE name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' OR city LIKE ? ESCAPE '\\'"
        args = [like(q)] * 3
    return [dict(r) for r in conn.execute(sql + " ORDER BY id", args)]


def get_customer(conn, customer_id):
    row = conn.execute("SELECT id, name, email, city FROM customers WHERE id = ?",
                       (ident(customer_id, "customer"),)).fetchone()
    if row is None:
        raise ShopError(404, f"Customer {customer_id} not found")
    return {**dict(row), "orders": list_orders(conn, customer_id=customer_id)}


# --- orders ---------------------------------------------------------------------------------

ORDER_SQL = """
SELECT o.id, o.customer_id, c.name AS customer_name, o.status, o.created_at, o.coupon_code,
       COALESCE((SELECT percent_off FROM coupons WHERE code = o.coupon_code), 0) AS percent_off,
       COALESCE((SELECT SUM(quantity * unit_price_cents) FROM order_items WHERE order_id = o.id), 0)
         AS subtotal_cents,
       (SELECT COUNT(*) FROM order_items WHERE order_id = o.id) AS item_count
FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
"""


def _order(row):
    """An order with its money: the discount is percent_off of the subtotal, rounded down."""
    order = dict(row)
    percent = order.pop("percent_off")
    order["discount_cents"] = order["subtotal_cents"] * percent // 100
    order["total_cents"] = order["subtotal_cents"] - order["discount_cents"]
    return order


def list_orders(conn, status=None, customer_id=None):
    sql, args = ORDER_SQL + " WHERE 1 = 1", []
    if status is not None and status != "":
        if status not in STATUSES:
            raise ShopError(400, f"`status` must be one of {', '.join(STATUSES)}")
        sql += " AND o.status = ?"
        args.append(status)
    if customer_id is not None:
        if type(customer_id) is not int:
            raise ShopError(400, "`customer_id` must be an integer")
        if not 1 <= customer_id <= MAX_ID:
            return []
        sql += " AND o.customer_id = ?"
        args.append(customer_id)
    return [_order(r) for r in conn.execute(sql + " ORDER BY o.id", args)]


def get_order(conn, order_id):
    row = conn.execute(ORDER_SQL + " WHERE o.id = ?", (ident(order_id, "order"),)).fetchone()
    if row is None:
        raise ShopError(404, f"Order {order_id} not found")
    order = _order(row)
    order["items"] = [dict(r) for r in conn.execute(
        "SELECT i.id, i.product_id, p.sku, p.name, i.quantity, i.unit_price_cents,"
        " i.quantity * i.unit_price_cents AS line_total_cents"
        " FROM order_items i LEFT JOIN products p ON p.id = i.product_id WHERE i.order_id = ? ORDER BY i.id",
        (order_id,))]
    return order


def create_order(conn, data):
    """A pending order at today's prices; each product's stock goes down by what was ordered."""
    check_fields(data, ("customer_id", "items"), required=("customer_id", "items"))
    customer_id = ident(data["customer_id"], "customer")
    items = data["items"]
    if not isinstance(items, list) or not items:
        raise ShopError(400, "`items` must be a non-empty list of {product_id, quantity}")
    if len(items) > MAX_ITEMS:
        raise ShopError(400, f"at most {MAX_ITEMS} items per order")
    wanted = {}  # product id -> quantity, in the order given (repeats are added up)
    for n, item in enumerate(items):
        check_fields(item, ("product_id", "quantity"), required=("product_id", "quantity"))
        product_id = ident(item["product_id"], "product")
        quantity = integer(item["quantity"], f"items[{n}].quantity", 1, MAX_QUANTITY)
        wanted[product_id] = wanted.get(product_id, 0) + quantity
    with writing(conn):
        if conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is None:
            raise ShopError(404, f"Customer {customer_id} not found")
        prices = {}
        for product_id, quantity in wanted.items():
            product = get_product(conn, product_id)
            if not product["active"]:
                raise ShopError(409, f"{product['name']} (product {product_id}) is not for sale")
            if product["stock"] < quantity:
                raise ShopError(409, f"only {product['stock']} of {product['name']} (product {product_id})"
                                     f" in stock, {quantity} ordered")
            prices[product_id] = product["price_cents"]
        order_id = conn.execute("INSERT INTO orders (customer_id, status, created_at) VALUES (?, 'pending', ?)",
                                (customer_id, now_iso())).lastrowid
        for product_id, quantity in wanted.items():
            conn.execute("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
                         " VALUES (?, ?, ?, ?)", (order_id, product_id, quantity, prices[product_id]))
            conn.execute("UPDATE products SET stock = stock - ? WHERE id = ?", (quantity, product_id))
    return get_order(conn, order_id)


def update_order_status(conn, order_id, data):
    check_fields(data, ("status",), required=("status",))
    status = data["status"]
    if status not in STATUSES:
        raise ShopError(400, f"`status` must be one of {', '.join(STATUSES)}")
    ident(order_id, "order")
    with writing(conn):
        current = get_order(conn, order_id)["status"]
        if status not in TRANSITIONS.get(current, ()):
            allowed = " or ".join(TRANSITIONS.get(current, ())) or "nothing (final)"
            raise ShopError(409, f"order {order_id} is {current}: it can become {allowed}, not {status}")
        if status == "cancelled":
            conn.execute("UPDATE products SET stock = stock + (SELECT COALESCE(SUM(quantity), 0) FROM order_items"
                         " WHERE order_id = ? AND product_id = products.id)"
                         " WHERE id IN (SELECT product_id FROM order_items WHERE order_id = ?)", (order_id, order_id))
        conn.execute("UPDATE orders SET status = ? WHERE id = ?", (status, order_id))
    return get_order(conn, order_id)


# --- coupons --------------------------------------------------------------------------------

def list_coupons(conn):
    now = now_iso()
    return [{**dict(r), "active": bool(r["active"]), "expired": r["expires_at"] is not None and r["expires_at"] <= now}
            for r in conn.execute("SELECT code, percent_off, active, expires_at FROM coupons ORDER BY code")]


def apply_coupon(conn, order_id, data):
    """Applies an active, unexpired coupon to a pending order that has none yet."""
    check_fields(data, ("code",), required=("code",))
    code = text(data["code"], "code", 64)
    code = code.strip().upper()
    if not code:
        raise ShopError(400, "`code` must not be empty")
    ident(order_id, "order")
    with writing(conn):
        order = get_order(conn, order_id)
        if order["coupon_code"]:
            raise ShopError(409, f"order {order_id} already has coupon {order['coupon_code']}")
        if order["status"] != "pending":
            raise ShopError(409, f"order {order_id} is {order['status']}: coupons apply to pending orders only")
        coupon = conn.execute("SELECT code, active, expires_at FROM coupons WHERE code = ?", (code,)).fetchone()
        if coupon is None:
            raise ShopError(404, f"Coupon {code} not found")
        if not coupon["active"]:
            raise ShopError(409, f"coupon {code} is not active")
        if coupon["expires_at"] is not None and coupon["expires_at"] <= now_iso():
            raise ShopError(409, f"coupon {code} expired at {coupon['expires_at']}")
        conn.execute("UPDATE orders SET coupon_code = ? WHERE id = ?", (code, order_id))
    return get_order(conn, order_id)
