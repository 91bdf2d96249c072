"""The built-in shop (server/environments/shop/) on its own: the app's JSON API, pages and MCP,
hostile input, and every task of its pack verified with the real fleet-python 0.2.133 in local
mode, on the untouched seed (0.0), once solved (1.0) and with an unrelated change where the task
says to change nothing else (0.0). Needs neither flotilla-server nor the conftest fixtures."""
import http.client
import json
import os
import pathlib
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading

import pytest

import fleet

REPO = pathlib.Path(__file__).resolve().parents[2]
SHOP = REPO / "server" / "environments" / "shop"
TASKS_JSON = SHOP / "tasks.json"
TASK_FIELDS = ["key", "prompt", "env_id", "env_variables", "created_at", "version", "data_id", "data_version",
               "verifier_func", "verifier_id", "verifier_sha", "metadata", "output_json_schema"]
TABLES = {"products": "id", "customers": "id", "orders": "id", "order_items": "id", "coupons": "code"}
TOOLS = {"search_products", "get_product", "update_product", "list_orders", "get_order", "create_order",
         "update_order_status", "list_customers", "apply_coupon"}
# The tasks that must leave every other row alone (their verifiers compare every table).
NOTHING_ELSE = {"shop-reprice-lamp", "shop-ship-paid-orders", "shop-best-coupon", "shop-order-total",
                "shop-top-customer"}


# --- the app ----------------------------------------------------------------------------------

class Shop:
    """One app process on a free port, its database at `data/current.db` under `root`."""

    def __init__(self, root, seed):
        self.seed = seed
        self.data = root / "data"
        self.data.mkdir()
        self.db = self.data / "current.db"
        shutil.copy(seed, self.db)
        self.log = root / "app.log"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.data), "LANG": "C.UTF-8",
               "DATABASE_PATH": str(self.db), "SEED_DATABASE_PATH": str(seed)}
        self.log_file = open(self.log, "w")
        self.proc = subprocess.Popen([sys.executable, str(SHOP / "app.py"), "0"], cwd=self.data, env=env,
                                     stdout=subprocess.PIPE, stderr=self.log_file, text=True)
        line = self.proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line + self.log.read_text()
        self.port = int(line.rsplit(":", 1)[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def api(self, method, path, body=None, expect=200):
        status, _, data = self.request(method, "/api" + path, body)
        assert status == expect, (method, path, status, data)
        return json.loads(data)

    def rpc(self, method, params=None, rid=1):
        status, _, data = self.request("POST", "/mcp", {"jsonrpc": "2.0", "id": rid, "method": method,
                                                        "params": params or {}})
        assert status == 200, data
        return json.loads(data)

    def tool(self, name, args):
        answer = self.rpc("tools/call", {"name": name, "arguments": args})
        result = answer["result"]
        assert result["isError"] is False, result
        assert json.loads(result["content"][0]["text"]) == result["structuredContent"]["result"]
        return result["structuredContent"]["result"]

    def reset(self):
        """Replaces current.db under the running app, as an instance reset does."""
        tmp = self.data / "current.db.new"
        shutil.copy(self.seed, tmp)
        os.replace(tmp, self.db)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.log_file.close()


def dump(path):
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop-seed") / "seed.db"
    conn = sqlite3.connect(path)
    conn.executescript((SHOP / "seed.sql").read_text())
    conn.close()
    return path


@pytest.fixture()
def shop(tmp_path, seed):
    before = sorted(p.name for p in SHOP.iterdir())
    app = Shop(tmp_path, seed)
    yield app
    app.stop()
    log = app.log.read_text()
    assert "Traceback" not in log, log
    assert sorted(p.name for p in app.data.iterdir()) == ["current.db"], "the app wrote outside its database"
    assert sorted(p.name for p in SHOP.iterdir()) == before, "the app wrote into its own directory"


# --- the seed ---------------------------------------------------------------------------------

def test_the_seed_has_what_the_tasks_rely_on(seed):
    rows = dump(seed)
    assert len(rows["products"]) == 15 and len({r[3] for r in rows["products"]}) == 4
    assert [r[1] for r in rows["products"] if r[5] == 0] == ["MUG-01"]
    assert [r[1] for r in rows["products"] if r[6] == 0] == ["STOVE-01"]
    assert len(rows["customers"]) == 6
    assert [r[0] for r in rows["orders"]] == list(range(1001, 1011))
    assert {r[2] for r in rows["orders"]} == {"pending", "paid", "shipped", "delivered", "cancelled"}
    assert len(rows["coupons"]) == 3


# --- the JSON API -----------------------------------------------------------------------------

def test_health_and_reads(shop):
    assert shop.request("GET", "/health")[2] == b'{"ok": true}'
    products = shop.api("GET", "/products")
    assert len(products) == 15 and products[0] == {"id": 1, "sku": "MUG-01", "name": "Ceramic Mug", "category":
                                                   "Kitchen", "price_cents": 1200, "stock": 0, "active": True}
    assert [p["sku"] for p in shop.api("GET", "/products?q=lamp")] == ["LAMP-01", "HEADLAMP-01"]
    assert len(shop.api("GET", "/products?category=outdoor")) == 4
    assert [p["sku"] for p in shop.api("GET", "/products?q=cable&category=Electronics")] == ["CABLE-01"]
    assert shop.api("GET", "/products?q=100%25") == [] and shop.api("GET", "/products?q=_") == []
    assert shop.api("GET", "/products/12")["active"] is False
    assert [c["name"] for c in shop.api("GET", "/customers?q=grace")] == ["Grace Hopper"]
    ada = shop.api("GET", "/customers/1")
    assert ada["city"] == "London" and [o["id"] for o in ada["orders"]] == [1001, 1005, 1008]
    assert [o["id"] for o in shop.api("GET", "/orders?status=paid")] == [1004, 1006]
    assert [o["id"] for o in shop.api("GET", "/orders?customer_id=6")] == [1007, 1009]
    assert shop.api("GET", "/orders?status=&customer_id=")[0]["id"] == 1001
    order = shop.api("GET", "/orders/1004")
    assert (order["subtotal_cents"], order["discount_cents"], order["total_cents"]) == (10400, 1040, 9360)
    assert [(i["sku"], i["quantity"], i["line_total_cents"]) for i in order["items"]] == [
        ("PAN-01", 1, 4500), ("KNIFE-01", 1, 5900)]
    coupons = {c["code"]: c for c in shop.api("GET", "/coupons")}
    assert coupons["WELCOME10"]["active"] and not coupons["WELCOME10"]["expired"]
    assert coupons["SUMMER20"]["expired"] and not coupons["SPRING25"]["active"]


def test_products_change(shop):
    assert shop.api("PATCH", "/products/1", {"stock": 25, "price_cents": 1100})["stock"] == 25
    assert shop.api("PATCH", "/products/1", {"active": False})["active"] is False
    assert shop.api("GET", "/products/1") == {"id": 1, "sku": "MUG-01", "name": "Ceramic Mug", "category": "Kitchen",
                                              "price_cents": 1100, "stock": 25, "active": False}


def test_orders_take_stock_move_along_and_give_it_back(shop):
    order = shop.api("POST", "/orders", {"customer_id": 3, "items": [
        {"product_id": 5, "quantity": 2}, {"product_id": 6, "quantity": 1}, {"product_id": 5, "quantity": 1}]},
        expect=201)
    assert order["id"] == 1011 and order["status"] == "pending" and order["customer_name"] == "Alan Turing"
    assert [(i["product_id"], i["quantity"], i["unit_price_cents"]) for i in order["items"]] == [(5, 3, 899),
                                                                                                (6, 1, 499)]
    assert order["total_cents"] == 3 * 899 + 499
    assert shop.api("GET", "/products/5")["stock"] == 37
    assert shop.api("POST", "/orders/1011/coupon", {"code": " welcome10 "})["total_cents"] == 3196 - 319
    assert shop.api("POST", "/orders/1011/coupon", {"code": "WELCOME10"}, expect=409)["detail"]
    for status in ("paid", "shipped", "delivered"):
        assert shop.api("PATCH", "/orders/1011", {"status": status})["status"] == status
    assert "delivered" in shop.api("PATCH", "/orders/1011", {"status": "cancelled"}, expect=409)["detail"]
    assert shop.api("GET", "/products/5")["stock"] == 37
    shop.api("PATCH", "/orders/1006", {"status": "cancelled"})
    assert (shop.api("GET", "/products/7")["stock"], shop.api("GET", "/products/14")["stock"]) == (16, 19)
    shop.api("PATCH", "/orders/1006", {"status": "paid"}, expect=409)
    shop.api("PATCH", "/orders/1005", {"status": "shipped"}, expect=409)
    shop.api("POST", "/orders", {"customer_id": 1, "items": [{"product_id": 8, "quantity": 4}]}, expect=409)
    assert shop.api("GET", "/products/8")["stock"] == 3, "a refused order takes no stock"
    assert [o["id"] for o in shop.api("GET", "/customers/3")["orders"]] == [1003, 1011]


def test_concurrent_orders_never_oversell(shop):
    statuses = []

    def buy():
        statuses.append(shop.request("POST", "/api/orders", {"customer_id": 1, "items": [
            {"product_id": 8, "quantity": 1}]})[0])

    threads = [threading.Thread(target=buy) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] * 3 + [409] * 9
    assert shop.api("GET", "/products/8")["stock"] == 0
    assert len(shop.api("GET", "/orders?customer_id=1")) == 3 + 3


# --- MCP --------------------------------------------------------------------------------------

def test_mcp(shop):
    init = shop.rpc("initialize", {"protocolVersion": "2025-03-26", "capabilities": {},
                                   "clientInfo": {"name": "t", "version": "1"}})
    assert init["jsonrpc"] == "2.0" and init["id"] == 1
    assert init["result"]["protocolVersion"] == "2025-03-26"
    assert init["result"]["serverInfo"]["name"] == "flotilla-shop" and init["result"]["capabilities"] == {"tools": {}}
    status, _, body = shop.request("POST", "/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert status == 202 and body == b""
    tools = shop.rpc("tools/list", rid="a")
    assert tools["id"] == "a"
    assert {t["name"] for t in tools["result"]["tools"]} == TOOLS
    for t in tools["result"]["tools"]:
        assert set(t) == {"name", "description", "inputSchema"} and t["inputSchema"]["type"] == "object"
    assert shop.tool("get_product", {"id": 3})["sku"] == "PAN-01"
    assert len(shop.tool("search_products", {"category": "Office"})) == 4
    assert shop.tool("update_product", {"id": 3, "stock": 9})["stock"] == 9
    assert [o["id"] for o in shop.tool("list_orders", {"status": "pending", "customer_id": 1})] == [1005]
    assert shop.tool("get_order", {"id": 1005})["total_cents"] == 3695
    assert [c["id"] for c in shop.tool("list_customers", {"query": "Dijkstra"})] == [6]
    order = shop.tool("create_order", {"customer_id": 6, "items": [{"product_id": 13, "quantity": 1}]})
    assert order["id"] == 1011 and shop.tool("apply_coupon", {"id": 1011, "code": "WELCOME10"})["discount_cents"] == 129
    assert shop.tool("update_order_status", {"id": 1011, "status": "cancelled"})["status"] == "cancelled"
    assert shop.tool("get_product", {"id": 13})["stock"] == 50
    failed = shop.rpc("tools/call", {"name": "apply_coupon", "arguments": {"id": 1005, "code": "SUMMER20"}})["result"]
    assert failed["isError"] is True and "expired" in failed["content"][0]["text"]
    assert "structuredContent" not in failed
    unknown = shop.rpc("tools/call", {"name": "drop_tables", "arguments": {}})["result"]
    assert unknown["isError"] is True and "unknown tool" in unknown["content"][0]["text"]
    assert shop.rpc("resources/list", rid=7) == {"jsonrpc": "2.0", "id": 7, "error": {
        "code": -32601, "message": "method 'resources/list' not found"}}
    assert shop.rpc("ping")["result"] == {}
    status, _, body = shop.request("POST", "/mcp", b"{not json")
    answer = json.loads(body)
    assert status == 200 and answer["error"]["code"] == -32700 and answer["id"] is None


# --- pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", "/i/abc123/app"])
def test_pages_link_under_the_prefix(shop, prefix):
    headers = {"X-Forwarded-Prefix": prefix} if prefix else {}
    for path, needle in [("/", "Ceramic Mug"), ("/?q=knife", "Chef&#x27;s Knife"), ("/products/7", "Desk Lamp"),
                         ("/orders", "#1004"), ("/orders?status=paid", "#1006"), ("/orders?customer_id=1", "#1008"),
                         ("/orders/1004", "$93.60"), ("/customers", "Edsger Dijkstra"),
                         ("/customers?q=boston", "Margaret")]:
        status, head, body = shop.request("GET", path, headers=headers)
        page = body.decode()
        assert status == 200 and head["content-type"].startswith("text/html") and needle in page, (path, page)
        assert f'href="{prefix}/orders"' in page and f'href="{prefix}/customers"' in page
        assert 'href="/' not in page.replace(f'href="{prefix}/', "") if prefix else True
    form = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    status, head, _ = shop.request("POST", "/products/7", "price=24.99&stock=14&active=1", form)
    assert status == 303 and head["location"] == f"{prefix}/products/7"
    assert shop.api("GET", "/products/7")["price_cents"] == 2499
    status, head, _ = shop.request("POST", "/orders/1005/coupon", "code=welcome10", form)
    assert status == 303 and head["location"] == f"{prefix}/orders/1005"
    status, head, _ = shop.request("POST", "/orders/1006/status", "status=shipped", form)
    assert status == 303 and head["location"] == f"{prefix}/orders/1006"
    assert shop.api("GET", "/orders/1006")["status"] == "shipped"
    page = shop.request("GET", "/orders/1006", headers=headers)[2].decode()
    assert f'action="{prefix}/orders/1006/status"' in page and "Mark delivered" in page
    status, _, body = shop.request("POST", "/orders/1006/status", "status=paid", form)
    assert status == 409 and "shipped" in body.decode() and "<html" in body.decode()
    status, _, body = shop.request("GET", "/products/999", headers=headers)
    assert status == 404 and f'href="{prefix}/"' in body.decode()


def test_a_hostile_prefix_is_ignored(shop):
    for prefix in ['"><script>alert(1)</script>', "//evil.example", "/a//evil.example", "javascript:alert(1)", "/a b"]:
        page = shop.request("GET", "/", headers={"X-Forwarded-Prefix": prefix})[2].decode()
        assert "<script>" not in page, prefix
        assert "evil.example" not in page, prefix
        assert 'href="/orders"' in page, prefix
        status, head, _ = shop.request("POST", "/products/2", "stock=12",
                                       {"Content-Type": "application/x-www-form-urlencoded",
                                        "X-Forwarded-Prefix": prefix})
        assert status == 303 and head["location"] == "/products/2"


# --- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    # (method, path, body, expected status)
    ("GET", "/api/products/99999999999999999999999", None, 404),
    ("GET", "/api/products/9223372036854775807", None, 404),
    ("GET", "/api/products/9223372036854775808", None, 404),
    ("GET", "/api/products/0", None, 404),
    ("GET", "/api/products/-1", None, 404),
    ("GET", "/api/products/abc", None, 404),
    ("GET", "/api/products?q=" + "x" * 300, None, 400),
    ("GET", "/api/products?q=%ff%fe%00", None, 200),
    ("GET", "/api/products?q='%3B%20DROP%20TABLE%20products%3B--", None, 200),
    ("GET", "/api/customers/99999999999", None, 404),
    ("GET", "/api/orders?status=lost", None, 400),
    ("GET", "/api/orders?customer_id=abc", None, 400),
    ("GET", "/api/orders?customer_id=99999999999999999999999", None, 400),
    ("GET", "/api/orders/1", None, 404),
    ("GET", "/nope", None, 404),
    ("GET", "/api/nope", None, 404),
    ("DELETE", "/api/products/1", None, 404),
    ("PUT", "/api/orders", None, 404),
    ("PATCH", "/api/products/1", b"{bad", 400),
    ("PATCH", "/api/products/1", b"\xff\xfe\x00", 400),
    ("PATCH", "/api/products/1", b"[" * 100000, 400),
    ("PATCH", "/api/products/1", b"[]", 400),
    ("PATCH", "/api/products/1", b"null", 400),
    ("PATCH", "/api/products/1", b'"stock"', 400),
    ("PATCH", "/api/products/1", b"", 400),
    ("PATCH", "/api/products/1", {}, 400),
    ("PATCH", "/api/products/1", {"stock": -5}, 400),
    ("PATCH", "/api/products/1", {"stock": True}, 400),
    ("PATCH", "/api/products/1", {"stock": 1.0}, 400),
    ("PATCH", "/api/products/1", {"stock": "5"}, 400),
    ("PATCH", "/api/products/1", {"stock": None}, 400),
    ("PATCH", "/api/products/1", b'{"stock": NaN}', 400),
    ("PATCH", "/api/products/1", b'{"stock": ' + b"1" * 5000 + b"}", 400),
    ("PATCH", "/api/products/1", b'{"\\ud800": 1}', 400),
    ("POST", "/api/orders/1005/coupon", b'{"code": "\\udfff"}', 400),
    ("PATCH", "/api/products/1", {"price_cents": 10**30}, 400),
    ("PATCH", "/api/products/1", {"active": 1}, 400),
    ("PATCH", "/api/products/1", {"colour": "red"}, 400),
    ("PATCH", "/api/products/99999", {"stock": 1}, 404),
    ("POST", "/api/orders", {}, 400),
    ("POST", "/api/orders", {"customer_id": 1}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": []}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": "x"}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [5]}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2}]}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": -1}]}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": 0}]}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": True}]}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": 10**6}]}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": 1, "x": 1}]}, 400),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": 1}] * 101}, 400),
    ("POST", "/api/orders", {"customer_id": "1", "items": [{"product_id": 2, "quantity": 1}]}, 400),
    ("POST", "/api/orders", {"customer_id": 999, "items": [{"product_id": 2, "quantity": 1}]}, 404),
    ("POST", "/api/orders", {"customer_id": 2**70, "items": [{"product_id": 2, "quantity": 1}]}, 404),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 999, "quantity": 1}]}, 404),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 1, "quantity": 1}]}, 409),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 12, "quantity": 1}]}, 409),
    ("POST", "/api/orders", {"customer_id": 1, "items": [{"product_id": 2, "quantity": 1000}]}, 409),
    ("PATCH", "/api/orders/1001", {"status": "shipped"}, 409),
    ("PATCH", "/api/orders/1009", {"status": "paid"}, 409),
    ("PATCH", "/api/orders/1005", {"status": "pending"}, 409),
    ("PATCH", "/api/orders/1005", {"status": "lost"}, 400),
    ("PATCH", "/api/orders/1005", {"status": 5}, 400),
    ("PATCH", "/api/orders/1005", {"status": ["paid"]}, 400),
    ("PATCH", "/api/orders/1005", {}, 400),
    ("PATCH", "/api/orders/99999", {"status": "paid"}, 404),
    ("POST", "/api/orders/1005/coupon", {"code": "SUMMER20"}, 409),
    ("POST", "/api/orders/1005/coupon", {"code": "SPRING25"}, 409),
    ("POST", "/api/orders/1005/coupon", {"code": "NOPE"}, 404),
    ("POST", "/api/orders/1005/coupon", {"code": ""}, 400),
    ("POST", "/api/orders/1005/coupon", {"code": 5}, 400),
    ("POST", "/api/orders/1005/coupon", {"code": "X" * 100}, 400),
    ("POST", "/api/orders/1004/coupon", {"code": "WELCOME10"}, 409),
    ("POST", "/api/orders/1006/coupon", {"code": "WELCOME10"}, 409),
    ("POST", "/api/orders/99999/coupon", {"code": "WELCOME10"}, 404),
    ("POST", "/api/orders", b"x" * (2 << 20), 413),
    ("POST", "/mcp", b"x" * (2 << 20), 413),
    ("GET", "/products/abc", None, 404),
    ("POST", "/products/1", "price=abc", 400),
    ("POST", "/products/1", "price=-1", 400),
    ("POST", "/products/1", "price=NaN", 400),
    ("POST", "/products/1", "price=1e999", 400),
    ("POST", "/products/1", "price=1.999", 400),
    ("POST", "/products/1", "stock=-3", 400),
    ("POST", "/products/1", "stock=abc", 400),
    ("POST", "/products/1", "", 400),
    ("POST", "/products/999", "stock=1", 404),
    ("POST", "/orders/1001/status", "status=paid", 409),
    ("POST", "/orders/1005/status", "", 400),
    ("POST", "/orders/1005/coupon", "code=SUMMER20", 409),
    ("POST", "/orders/1005/coupon", "", 400),
]

MCP_HOSTILE = [
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "search_products",'
    b' "arguments": {"query": "\\ud800"}}}',
    b"[]", b"null", b"5", b'{"jsonrpc": "2.0", "id": 1}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": []}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": 5}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_product", "arguments": "x"}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_product", "arguments": {}}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_product", "arguments": {"id": "1"}}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_order", "arguments": {"id": 1e400}}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_order",'
    b' "arguments": {"id": 100000000000000000000000000000}}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "update_product",'
    b' "arguments": {"id": 1, "stock": -1}}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "create_order",'
    b' "arguments": {"customer_id": 1, "items": [{"product_id": 1, "quantity": 1}]}}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_orders",'
    b' "arguments": {"status": {"a": 1}}}}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "search_products",'
    b' "arguments": {"query": 5, "evil": 1}}}',
]


def raw(shop, data):
    """Sends raw bytes and returns the status line's code (or None if the app closed)."""
    with socket.create_connection(("127.0.0.1", shop.port), timeout=10) as s:
        s.sendall(data)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return int(reply.split()[1]) if reply.startswith(b"HTTP/") else None, reply


def test_hostile_input_is_refused_and_changes_nothing(shop, seed):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for method, path, body, expected in HOSTILE:
        status, head, data = shop.request(method, path, body, form if isinstance(body, str) else None)
        assert status == expected, (method, path, body if not isinstance(body, bytes) else body[:40], status, data)
        assert b"Traceback" not in data
        if path.startswith("/api/") and status != 200:
            assert head["content-type"] == "application/json" and json.loads(data)["detail"]
    for body in MCP_HOSTILE:
        status, _, data = shop.request("POST", "/mcp", body, {"Content-Type": "application/json"})
        answer = json.loads(data)
        assert status == 200 and b"Traceback" not in data, (body, data)
        assert answer.get("error") or answer["result"]["isError"] is True, (body, answer)
    assert raw(shop, b"PATCH /api/products/1 HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")[0] == 400
    assert raw(shop, b"PATCH /api/products/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n")[0] == 413
    assert raw(shop, b"POST /api/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")[0] == 411
    assert raw(shop, b"BREW /api/products HTTP/1.1\r\n\r\n")[0] == 501
    assert b"Bad request" in raw(shop, b"GARBAGE\r\n\r\n")[1]  # HTTP/0.9 style: no status line
    assert raw(shop, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")[0] == 414
    assert dump(shop.db) == dump(seed), "refused requests changed the database"
    assert shop.request("GET", "/health")[0] == 200


def test_the_database_may_be_reset_or_missing_underneath(shop):
    shop.api("PATCH", "/products/1", {"stock": 5})
    shop.reset()
    assert shop.api("GET", "/products/1")["stock"] == 0
    os.remove(shop.db)
    status, _, body = shop.request("GET", "/api/products")
    assert status == 503 and json.loads(body)["detail"]
    assert shop.rpc("tools/list")["result"]["tools"], "tools/list needs no database"
    assert not shop.db.exists(), "the app must not create a database"
    shop.reset()
    assert shop.request("GET", "/api/products/1")[0] == 200


# --- the task pack ----------------------------------------------------------------------------

def load_pack():
    return fleet.Fleet(api_key="unused").load_tasks_from_file(str(TASKS_JSON))


def test_the_pack_is_fleet_pythons_task_file_format():
    pack = json.loads(TASKS_JSON.read_text())
    assert len(pack) >= 9
    for item in pack:
        assert list(item) == TASK_FIELDS, item["key"]
        assert item["key"].startswith("shop-") and item["prompt"]
        assert (item["env_id"], item["env_variables"], item["version"], item["data_id"], item["data_version"]) == (
            "shop", {}, "v1", "store", "v1")
        assert item["created_at"] == "2026-11-01T00:00:00"
        assert item["verifier_func"].startswith("def verify(env, final_answer=None):\n")
        assert (item["verifier_id"], item["verifier_sha"], item["output_json_schema"]) == (None, None, None)
        assert item["metadata"]["difficulty"] in ("easy", "medium", "hard")
        assert item["metadata"]["source"] == "flotilla-demo"
        code = item["verifier_func"]
        assert "import" not in code, "verifiers get json, re and string; they import nothing"
    assert len({item["key"] for item in pack}) == len(pack)
    assert {item["metadata"]["difficulty"] for item in pack} == {"easy", "medium", "hard"}
    tasks = load_pack()
    assert [t.key for t in tasks] == [item["key"] for item in pack]
    for task in tasks:
        assert (task.env_key, task.data_key) == ("shop:v1", "store:v1")
        assert task.verifier is not None and task.verifier.func.__name__ == "verify"
        # (loading fills in verifier_id and verifier_sha)
        exported = task.model_dump(exclude={"verifier", "verifier_runtime_version", "verifier_id", "verifier_sha"})
        exported["created_at"] = task.created_at.isoformat()
        item = next(item for item in pack if item["key"] == task.key)
        assert exported == {k: v for k, v in item.items() if k not in ("verifier_id", "verifier_sha")}
    assert set(SOLUTIONS) == {t.key for t in tasks}
    assert NOTHING_ELSE <= set(SOLUTIONS)


def http_api(shop):
    return lambda method, path, body=None: shop.api(method, path, body, expect=201 if method == "POST" and
                                                    path == "/orders" else 200)


# What each task's agent does, through the JSON API (a) or the MCP tools (shop.tool); returns
# the final answer. examples/agents/shop.mjs does the same in JavaScript (tested below).
SOLUTIONS = {
    "shop-restock-mug": lambda s, a: a("PATCH", "/products/1", {"stock": 25}) and None,
    "shop-deliver-order": lambda s, a: a("PATCH", "/orders/1003", {"status": "delivered"}) and None,
    "shop-relaunch-stove": lambda s, a: s.tool("update_product", {"id": 12, "active": True, "stock": 10}) and None,
    "shop-reprice-lamp": lambda s, a: a("PATCH", "/products/7", {"price_cents": 2499}) and None,
    "shop-cancel-order": lambda s, a: s.tool("update_order_status", {"id": 1007, "status": "cancelled"}) and None,
    "shop-create-order": lambda s, a: s.tool("create_order", {"customer_id": 2, "items": [
        {"product_id": 5, "quantity": 2}, {"product_id": 6, "quantity": 1}]}) and None,
    "shop-apply-coupon": lambda s, a: a("POST", "/orders/1010/coupon", {"code": "WELCOME10"}) and None,
    "shop-ship-paid-orders": lambda s, a: [s.tool("update_order_status", {"id": o["id"], "status": "shipped"})
                                           for o in s.tool("list_orders", {"status": "paid"})] and None,
    "shop-best-coupon": lambda s, a: s.tool("apply_coupon", {"id": 1005, "code": "WELCOME10"}) and None,
    "shop-order-total": lambda s, a: f'{a("GET", "/orders/1004")["total_cents"] / 100:.2f}',
    "shop-top-customer": lambda s, a: "Ada Lovelace",
}
WRONG = {"shop-order-total": ["104.00", "93.59", "9360", "about 93.60", ""],
         "shop-top-customer": ["Grace Hopper", "Edsger Dijkstra", "Ada", ""]}
RIGHT = {"shop-order-total": ["93.60", "93.6", "$93.60", " 93.60\n"],
         "shop-top-customer": ["Ada Lovelace", "ada lovelace", "Ada Lovelace."]}


def score(task, shop, answer):
    env = fleet.Fleet(api_key="unused").instance({"current": str(shop.db), "seed": str(shop.seed)})
    # The verifier's own function: a verifier that raises fails the test instead of scoring 0.
    return task.verifier.func(env, final_answer=answer)


@pytest.mark.parametrize("key", list(SOLUTIONS))
def test_every_verifier_fails_a_do_nothing_agent_and_passes_the_solution(shop, key):
    task = next(t for t in load_pack() if t.key == key)
    for answer in [None, "wrong", "42"] + WRONG.get(key, []) + RIGHT.get(key, []):
        if answer in RIGHT.get(key, []):
            continue  # a question answered right but changing nothing is the solution itself
        assert score(task, shop, answer) == 0.0, (key, answer)
    answer = SOLUTIONS[key](shop, http_api(shop))
    assert score(task, shop, answer) == 1.0, (key, answer, dump(shop.db))
    for right in RIGHT.get(key, []):
        assert score(task, shop, right) == 1.0, (key, right)
    for wrong in WRONG.get(key, []):
        assert score(task, shop, wrong) == 0.0, (key, wrong)
    if key in NOTHING_ELSE:
        shop.api("PATCH", "/products/13", {"stock": 49})  # an unrelated change
        assert score(task, shop, answer) == 0.0, key
        shop.api("PATCH", "/products/13", {"stock": 50})
        assert score(task, shop, answer) == 1.0, key


def test_the_nothing_else_verifiers_see_a_second_change_to_the_same_table(shop):
    tasks = {t.key: t for t in load_pack()}
    shop.api("PATCH", "/products/7", {"price_cents": 2499, "stock": 14})
    assert score(tasks["shop-reprice-lamp"], shop, None) == 0.0
    shop.reset()
    shop.tool("update_order_status", {"id": 1004, "status": "shipped"})
    assert score(tasks["shop-ship-paid-orders"], shop, None) == 0.0, "one paid order left"
    shop.tool("update_order_status", {"id": 1006, "status": "shipped"})
    shop.tool("update_order_status", {"id": 1003, "status": "delivered"})
    assert score(tasks["shop-ship-paid-orders"], shop, None) == 0.0, "another order moved too"
    shop.reset()
    shop.tool("apply_coupon", {"id": 1007, "code": "WELCOME10"})
    shop.tool("apply_coupon", {"id": 1005, "code": "WELCOME10"})
    assert score(tasks["shop-best-coupon"], shop, None) == 0.0, "a coupon on someone else's order"


def test_cancelling_without_restocking_fails(shop):
    task = next(t for t in load_pack() if t.key == "shop-cancel-order")
    conn = sqlite3.connect(shop.db)  # what a careless agent with raw SQL would do
    conn.execute("UPDATE orders SET status = 'cancelled' WHERE id = 1007")
    conn.commit()
    conn.close()
    assert score(task, shop, None) == 0.0


NODE_DRIVER = """
const { solveShop } = await import(process.env.SHOP_MJS);
const { transcript } = await import(process.env.HELPDESK_MJS);
const base = process.env.SHOP_BASE;
const env = { urls: { app: base + '/', api: base + '/api', mcp: base + '/mcp' } };
const results = {};
for (const key of JSON.parse(process.env.TASK_KEYS)) {
  const logged = [];
  const session = { async log(history, message) { logged.push(message ?? null); } };
  const task = { key, prompt: key };
  const answer = await solveShop(task, env, transcript(task, session));
  results[key] = { answer: answer ?? null, steps: logged.length };
  process.stdout.write(JSON.stringify({ key, ...results[key] }) + '\\n');
  // Wait for the test to score this task and reset the shop.
  await new Promise((resolve) => process.stdin.once('data', resolve));
}
process.stdin.destroy();
try { await solveShop({ key: 'shop-unknown' }, env, transcript({ key: 'x' }, { async log() {} })); }
catch (e) { process.stdout.write(JSON.stringify({ threw: e.message }) + '\\n'); }
"""


def test_shop_mjs_solves_every_task(shop):
    tasks = load_pack()
    env = {**os.environ, "SHOP_MJS": (REPO / "examples" / "agents" / "shop.mjs").as_uri(),
           "HELPDESK_MJS": (REPO / "examples" / "agents" / "helpdesk.mjs").as_uri(), "SHOP_BASE": shop.base,
           "TASK_KEYS": json.dumps([t.key for t in tasks])}
    node = subprocess.Popen(["node", "--input-type=module", "-e", NODE_DRIVER], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, node.kill)  # a hung agent fails the test instead of hanging it
    watchdog.start()
    try:
        for task in tasks:
            line = node.stdout.readline()
            assert line, node.stderr.read()
            result = json.loads(line)
            assert result["key"] == task.key and result["steps"] >= 2
            assert score(task, shop, result["answer"]) == 1.0, (task.key, result, dump(shop.db))
            shop.reset()
            node.stdin.write("next\n")
            node.stdin.flush()
        node.stdin.close()
        assert "no strategy for shop-unknown" in json.loads(node.stdout.readline())["threw"]
        assert node.wait(timeout=30) == 0, node.stderr.read()
    finally:
        watchdog.cancel()
        if node.poll() is None:
            node.kill()
            node.wait()
