#!/usr/bin/env python3
"""flotilla's built-in shop: a small online shop (products, customers, orders, coupons) served as
HTML pages, a JSON API under /api/ and MCP tools at /mcp. Python 3 standard library only.

    DATABASE_PATH=current.db python3 app.py PORT

It listens on 127.0.0.1 only and keeps all state in the SQLite file at DATABASE_PATH, which
already holds the seed (seed.sql) and may be replaced underneath it (an instance reset): every
request opens its own connection. Behind flotilla-server's proxy, links and redirects start with
the X-Forwarded-Prefix header. shop_db.py holds the business logic, shop_pages.py the pages.
"""
import sys

sys.dont_write_bytecode = True  # the app's directory is read-only in the sandbox: write nothing there

import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sqlite3  # noqa: E402
import traceback  # noqa: E402
from decimal import Decimal, InvalidOperation  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from urllib.parse import parse_qs, urlsplit  # noqa: E402

import shop_db as db  # noqa: E402
import shop_pages as pages  # noqa: E402
from shop_db import ShopError  # noqa: E402

MAX_BODY = 1 << 20
DRAIN_LIMIT = 16 << 20  # a refused body up to this size is read and dropped, so the client sees the 413
PREFIX = re.compile(r"(?:/[A-Za-z0-9._~%-]{1,100}){0,8}/?")  # e.g. /i/abc/app; never //host
NUMBER = re.compile(r"[0-9]{1,19}")
SERVER_INFO = {"name": "flotilla-shop", "version": "1.0.0"}


def num(segment):
    """A path segment that is a row id, or None (then the route does not match: 404)."""
    return int(segment) if NUMBER.fullmatch(segment) and int(segment) <= db.MAX_ID else None


def query_int(value, name):
    if value is None or value == "":
        return None
    if not re.fullmatch(r"-?[0-9]{1,19}", value):
        raise ShopError(400, f"`{name}` must be an integer")
    return int(value)


def parse_json(raw):
    """JSON from bytes; ValueError for anything else, including strings no UTF-8 can hold."""
    value = json.loads(raw)
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # a lone surrogate (a \\ud800 escape) raises here
    return value


def parse_price(value):
    try:
        price = Decimal(value.strip().lstrip("$"))
    except InvalidOperation:
        raise ShopError(400, "the price must be a number of dollars, like 24.99") from None
    if not price.is_finite() or price < 0 or price > db.MAX_PRICE_CENTS / 100 or price != price.quantize(Decimal("0.01")):
        raise ShopError(400, "the price must be a number of dollars with at most two decimals, like 24.99")
    return int(price * 100)


# --- MCP --------------------------------------------------------------------------------------

def _tool(name, description, properties, required=()):
    return {"name": name, "description": description,
            "inputSchema": {"type": "object", "properties": properties, "required": list(required)}}


ID = {"type": "integer", "description": "Row id"}
ORDER_ID = {"type": "integer", "description": "Order number, e.g. 1004"}
TOOLS = [
    _tool("search_products", "List products, optionally searching name/SKU/category and filtering by category.",
          {"query": {"type": "string"}, "category": {"type": "string"}}),
    _tool("get_product", "Read one product.", {"id": ID}, ["id"]),
    _tool("update_product", "Change a product's price (in cents), stock or active flag.",
          {"id": ID, "price_cents": {"type": "integer", "minimum": 0}, "stock": {"type": "integer", "minimum": 0},
           "active": {"type": "boolean"}}, ["id"]),
    _tool("list_orders", "List orders with their totals, optionally filtered by status and customer.",
          {"status": {"type": "string", "enum": list(db.STATUSES)}, "customer_id": {"type": "integer"}}),
    _tool("get_order", "Read one order with its items, subtotal, discount and total (in cents).",
          {"id": ORDER_ID}, ["id"]),
    _tool("create_order", "Place a pending order for a customer; checks and takes the products' stock.",
          {"customer_id": {"type": "integer"},
           "items": {"type": "array", "items": {"type": "object", "required": ["product_id", "quantity"], "properties": {
               "product_id": {"type": "integer"}, "quantity": {"type": "integer", "minimum": 1}}}}},
          ["customer_id", "items"]),
    _tool("update_order_status", "Move an order along: pending->paid->shipped->delivered, or cancel a pending or"
          " paid order (its items go back into stock).",
          {"id": ORDER_ID, "status": {"type": "string", "enum": list(db.STATUSES)}}, ["id", "status"]),
    _tool("list_customers", "List customers, optionally searching name/email/city.", {"query": {"type": "string"}}),
    _tool("apply_coupon", "Apply an active, unexpired percent-off coupon to a pending order (one per order).",
          {"id": ORDER_ID, "code": {"type": "string"}}, ["id", "code"]),
]


def call_tool(conn, name, args):
    args = dict(args)

    def take(key):
        if args.get(key) is None:
            raise ShopError(400, f"`{key}` is required")
        return args.pop(key)

    if name == "search_products":
        db.check_fields(args, ("query", "category"))
        return db.list_products(conn, args.get("query"), args.get("category"))
    if name == "get_product":
        return db.get_product(conn, take("id"))
    if name == "update_product":
        return db.update_product(conn, take("id"), args)
    if name == "list_orders":
        db.check_fields(args, ("status", "customer_id"))
        return db.list_orders(conn, db.text(args.get("status"), "status"), args.get("customer_id"))
    if name == "get_order":
        return db.get_order(conn, take("id"))
    if name == "create_order":
        return db.create_order(conn, args)
    if name == "update_order_status":
        return db.update_order_status(conn, take("id"), args)
    if name == "list_customers":
        db.check_fields(args, ("query",))
        return db.list_customers(conn, args.get("query"))
    if name == "apply_coupon":
        return db.apply_coupon(conn, take("id"), args)
    raise ShopError(404, f"unknown tool '{name}'")


def mcp(request, open_db):
    """Answers one JSON-RPC request (None for a notification, which gets no answer)."""
    if not isinstance(request, dict):
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}
    rid = request.get("id")
    method = request.get("method")
    params = request.get("params") if isinstance(request.get("params"), dict) else {}
    if isinstance(method, str) and method.startswith("notifications/"):
        return None
    if method == "initialize":
        result = {"protocolVersion": "2025-03-26", "capabilities": {"tools": {}}, "serverInfo": SERVER_INFO}
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "ping":
        result = {}
    elif method == "tools/call":
        name, args = params.get("name"), params.get("arguments")
        try:
            if not isinstance(name, str):
                raise ShopError(400, "`name` (the tool) is required")
            if args is not None and not isinstance(args, dict):
                raise ShopError(400, "`arguments` must be an object")
            with open_db() as conn:
                value = call_tool(conn, name, args or {})
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            result = {"content": [{"type": "text", "text": text}], "structuredContent": {"result": value},
                      "isError": False}
        except ShopError as e:
            result = {"content": [{"type": "text", "text": e.message}], "isError": True}
    else:
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"method '{method}' not found"}}
    return {"jsonrpc": "2.0", "id": rid, "result": result}


# --- HTTP -------------------------------------------------------------------------------------

class Unavailable(Exception):
    """The database cannot be used right now (missing, locked, being reset)."""


class Conn:
    """A connection for one request, closed after it."""

    def __enter__(self):
        try:
            self.conn = db.connect(os.environ.get("DATABASE_PATH", "current.db"))
        except sqlite3.Error as e:
            raise Unavailable(str(e)) from None
        return self.conn

    def __exit__(self, kind, value, tb):
        self.conn.close()
        if isinstance(value, sqlite3.Error):
            raise Unavailable(str(value)) from None


class Handler(BaseHTTPRequestHandler):
    server_version = "flotilla-shop/1.0"
    timeout = 30  # seconds a client may stall mid-request

    def do_GET(self):
        self.serve("GET")

    def do_HEAD(self):
        self.serve("HEAD")

    def do_POST(self):
        self.serve("POST")

    def do_PATCH(self):
        self.serve("PATCH")

    def do_PUT(self):
        self.serve("PUT")

    def do_DELETE(self):
        self.serve("DELETE")

    def log_message(self, format, *args):
        # No line per request: anyone holding the instance URL could grow app.log without end.
        # Errors still reach it (tracebacks go to stderr).
        pass

    # responses

    def send(self, status, body, content_type, headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def json(self, status, value):
        self.send(status, json.dumps(value, ensure_ascii=False), "application/json")

    def page(self, status, title, body):
        self.send(status, pages.layout(self.prefix, title, body), "text/html; charset=utf-8")

    def redirect(self, path):
        self.send(303, "", "text/plain", [("Location", self.prefix + path)])

    # requests

    def body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise ShopError(411, "send the body with a Content-Length")
        length = self.headers.get("Content-Length", "0").strip() or "0"
        if not (length.isascii() and length.isdigit()) or len(length) > 18:
            raise ShopError(400, "bad Content-Length")
        size = int(length)
        if size > MAX_BODY:
            if size <= DRAIN_LIMIT:
                while size > 0:
                    chunk = self.rfile.read(min(size, 65536))
                    if not chunk:
                        break
                    size -= len(chunk)
            self.close_connection = True
            raise ShopError(413, "the request body is over 1 MiB")
        return self.rfile.read(size)

    def json_body(self):
        raw = self.body()
        if not raw.strip():
            return {}
        try:
            return parse_json(raw)
        except (ValueError, RecursionError) as e:
            raise ShopError(400, f"Invalid JSON: {e}") from None

    def form(self):
        try:
            return {k: v[0] for k, v in parse_qs(self.body().decode("utf-8", "replace")).items()}
        except ValueError:
            raise ShopError(400, "bad form data") from None

    def serve(self, method):
        forwarded = self.headers.get("X-Forwarded-Prefix", "")
        self.prefix = forwarded.rstrip("/") if PREFIX.fullmatch(forwarded) else ""
        url = urlsplit(self.path)
        segments = [s for s in url.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        api = bool(segments) and segments[0] in ("api", "health", "mcp")
        try:
            self.route("GET" if method == "HEAD" else method, segments, query)
        except ShopError as e:
            if api:
                self.json(e.status, {"detail": e.message})
            else:
                self.page(e.status, "Error", pages.error(self.prefix, e.message))
        except Unavailable as e:
            sys.stderr.write(f"database unavailable: {e}\n")
            self.json(503, {"detail": "the database is unavailable; retry shortly"})
        except (TimeoutError, ConnectionError):  # the client stalled or went away: nothing to answer
            self.close_connection = True
        except Exception:  # a bug, not bad input: logged to app.log, never shown to the client
            traceback.print_exc()
            self.json(500, {"detail": "internal error"})

    def route(self, method, segments, q):
        match (method, segments):
            case ("GET", ["health"]):
                self.json(200, {"ok": True})
            case ("POST", ["mcp"]):
                self.serve_mcp()
            # JSON API
            case ("GET", ["api", "products"]):
                with Conn() as conn:
                    self.json(200, db.list_products(conn, q.get("q"), q.get("category")))
            case ("GET", ["api", "products", n]) if num(n) is not None:
                with Conn() as conn:
                    self.json(200, db.get_product(conn, num(n)))
            case ("PATCH", ["api", "products", n]) if num(n) is not None:
                changes = self.json_body()
                with Conn() as conn:
                    self.json(200, db.update_product(conn, num(n), changes))
            case ("GET", ["api", "customers"]):
                with Conn() as conn:
                    self.json(200, db.list_customers(conn, q.get("q")))
            case ("GET", ["api", "customers", n]) if num(n) is not None:
                with Conn() as conn:
                    self.json(200, db.get_customer(conn, num(n)))
            case ("GET", ["api", "orders"]):
                customer_id = query_int(q.get("customer_id"), "customer_id")
                with Conn() as conn:
                    self.json(200, db.list_orders(conn, q.get("status"), customer_id))
            case ("POST", ["api", "orders"]):
                data = self.json_body()
                with Conn() as conn:
                    self.json(201, db.create_order(conn, data))
            case ("GET", ["api", "orders", n]) if num(n) is not None:
                with Conn() as conn:
                    self.json(200, db.get_order(conn, num(n)))
            case ("PATCH", ["api", "orders", n]) if num(n) is not None:
                data = self.json_body()
                with Conn() as conn:
                    self.json(200, db.update_order_status(conn, num(n), data))
            case ("POST", ["api", "orders", n, "coupon"]) if num(n) is not None:
                data = self.json_body()
                with Conn() as conn:
                    self.json(200, db.apply_coupon(conn, num(n), data))
            case ("GET", ["api", "coupons"]):
                with Conn() as conn:
                    self.json(200, db.list_coupons(conn))
            # pages
            case ("GET", []):
                with Conn() as conn:
                    products = db.list_products(conn, q.get("q"))
                self.page(200, "Products", pages.product_list(self.prefix, products, q.get("q", "")))
            case ("GET", ["products", n]) if num(n) is not None:
                with Conn() as conn:
                    product = db.get_product(conn, num(n))
                self.page(200, product["name"], pages.product_detail(self.prefix, product))
            case ("POST", ["products", n]) if num(n) is not None:
                form, changes = self.form(), {}
                if form.get("price", "").strip():
                    changes["price_cents"] = parse_price(form["price"])
                if form.get("stock", "").strip():
                    stock = query_int(form["stock"].strip(), "stock")
                    changes["stock"] = db.integer(stock, "stock", 0, db.MAX_STOCK)
                if form.get("active") in ("0", "1"):
                    changes["active"] = form["active"] == "1"
                with Conn() as conn:
                    db.update_product(conn, num(n), changes)
                self.redirect(f"/products/{n}")
            case ("GET", ["orders"]):
                status, customer_id = q.get("status") or None, query_int(q.get("customer_id"), "customer_id")
                with Conn() as conn:
                    orders = db.list_orders(conn, status, customer_id)
                self.page(200, "Orders", pages.order_list(self.prefix, orders, status, customer_id))
            case ("GET", ["orders", n]) if num(n) is not None:
                with Conn() as conn:
                    order = db.get_order(conn, num(n))
                self.page(200, f"Order #{order['id']}", pages.order_detail(self.prefix, order))
            case ("POST", ["orders", n, "status"]) if num(n) is not None:
                status = self.form().get("status")
                with Conn() as conn:
                    db.update_order_status(conn, num(n), {"status": status})
                self.redirect(f"/orders/{n}")
            case ("POST", ["orders", n, "coupon"]) if num(n) is not None:
                code = self.form().get("code")
                with Conn() as conn:
                    db.apply_coupon(conn, num(n), {"code": code})
                self.redirect(f"/orders/{n}")
            case ("GET", ["customers"]):
                with Conn() as conn:
                    customers = db.list_customers(conn, q.get("q"))
                self.page(200, "Customers", pages.customer_list(self.prefix, customers, q.get("q", "")))
            case _:
                raise ShopError(404, f"No route {method} /{'/'.join(segments)}")

    def serve_mcp(self):
        try:
            request = parse_json(self.body() or b"null")
        except (ValueError, RecursionError) as e:
            return self.json(200, {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": f"parse error: {e}"}})
        answer = mcp(request, Conn)
        if answer is None:
            return self.send(202, "", "application/json")
        self.json(200, answer)


def main():
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"flotilla-shop listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
