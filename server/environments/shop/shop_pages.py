"""The shop's HTML pages. Every value is escaped; every link and form action starts with the
prefix the proxy sent (X-Forwarded-Prefix), already checked by the app."""
from html import escape

from shop_db import STATUSES, TRANSITIONS

STYLE = """body{font-family:system-ui,sans-serif;max-width:980px;margin:1rem auto;padding:0 1rem;color:#222}
nav a{margin-right:1rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}td.n,th.n{text-align:right}
.muted{color:#777}.error{color:#a00}form.inline{display:inline;margin-right:.5rem}
label{margin-right:1rem}.status{font-weight:600}"""

ACTIONS = {"paid": "Mark paid", "shipped": "Ship", "delivered": "Mark delivered", "cancelled": "Cancel order"}


def money(cents):
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def layout(p, title, body):
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · Shop</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head><body>'
            f'<nav><strong>Shop</strong> &nbsp; <a href="{p}/">Products</a><a href="{p}/orders">Orders</a>'
            f'<a href="{p}/customers">Customers</a></nav><h1>{escape(title)}</h1>{body}</body></html>')


def error(p, message):
    return f'<p class="error">{escape(message)}</p><p><a href="{p}/">Back to the shop</a></p>'


def table(headers, rows):
    head = "".join(f'<th class="n">{h[1:]}</th>' if h.startswith("#") else f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(rows_cells) + "</tr>" for rows_cells in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def td(value, numeric=False):
    return f'<td class="n">{value}</td>' if numeric else f"<td>{value}</td>"


def product_list(p, products, q):
    rows = [[td(r["id"], True), td(f'<a href="{p}/products/{r["id"]}">{escape(r["name"])}</a>'),
             td(escape(r["sku"])), td(escape(r["category"])), td(money(r["price_cents"]), True),
             td(r["stock"] if r["stock"] else '<span class="error">out of stock</span>', True),
             td("yes" if r["active"] else '<span class="muted">inactive</span>')] for r in products]
    search = (f'<form method="get" action="{p}/"><input name="q" value="{escape(q)}" placeholder="Search products">'
              ' <button>Search</button></form>')
    return search + (table(["#Id", "Name", "SKU", "Category", "#Price", "#Stock", "Active"], rows)
                     if rows else '<p class="muted">No products match.</p>')


def product_detail(p, r):
    price = f'{r["price_cents"] // 100}.{r["price_cents"] % 100:02d}'
    active = "".join(f'<option value="{v}"{" selected" if r["active"] == (v == "1") else ""}>{label}</option>'
                     for v, label in (("1", "active"), ("0", "inactive")))
    return (f'<p>SKU <strong>{escape(r["sku"])}</strong> · {escape(r["category"])} · {money(r["price_cents"])}'
            f' · {r["stock"]} in stock · {"active" if r["active"] else "inactive"}</p>'
            f'<form method="post" action="{p}/products/{r["id"]}">'
            f'<label>Price ($) <input name="price" value="{price}" size="8"></label>'
            f'<label>Stock <input name="stock" value="{r["stock"]}" size="6"></label>'
            f'<label>Status <select name="active">{active}</select></label> <button>Save</button></form>'
            f'<p><a href="{p}/">All products</a></p>')


def order_list(p, orders, status, customer_id):
    links = [f'<a href="{p}/orders">all</a>'] + [
        f'<strong>{s}</strong>' if s == status else f'<a href="{p}/orders?status={s}">{s}</a>' for s in STATUSES]
    rows = [[td(f'<a href="{p}/orders/{o["id"]}">#{o["id"]}</a>'),
             td(f'<a href="{p}/orders?customer_id={o["customer_id"]}">{escape(o["customer_name"] or "?")}</a>'),
             td(f'<span class="status">{escape(o["status"])}</span>'), td(escape(o["created_at"])),
             td(escape(o["coupon_code"] or "")), td(money(o["total_cents"]), True)] for o in orders]
    who = f' <span class="muted">(customer {customer_id})</span>' if customer_id is not None else ""
    return (f'<p>Status: {" · ".join(links)}{who}</p>'
            + (table(["Order", "Customer", "Status", "Created", "Coupon", "#Total"], rows)
               if rows else '<p class="muted">No orders match.</p>'))


def order_detail(p, o):
    rows = [[td(f'<a href="{p}/products/{i["product_id"]}">{escape(i["name"] or "?")}</a>'), td(escape(i["sku"] or "")),
             td(i["quantity"], True), td(money(i["unit_price_cents"]), True), td(money(i["line_total_cents"]), True)]
            for i in o["items"]]
    sums = [("Subtotal", o["subtotal_cents"])]
    if o["coupon_code"]:
        sums.append((f'Discount ({escape(o["coupon_code"])})', -o["discount_cents"]))
    sums.append(("<strong>Total</strong>", o["total_cents"]))
    rows += [[td(""), td(""), td(""), td(label, True), td(money(cents), True)] for label, cents in sums]
    action = f'{p}/orders/{o["id"]}'
    buttons = "".join(f'<form class="inline" method="post" action="{action}/status">'
                      f'<input type="hidden" name="status" value="{s}"><button>{ACTIONS[s]}</button></form>'
                      for s in TRANSITIONS.get(o["status"], ()))
    coupon = (f'<form method="post" action="{action}/coupon"><label>Coupon <input name="code" size="12"></label>'
              ' <button>Apply</button></form>' if o["status"] == "pending" and not o["coupon_code"] else "")
    customer = f'<a href="{p}/orders?customer_id={o["customer_id"]}">{escape(o["customer_name"] or "?")}</a>'
    return (f'<p>{customer} · <span class="status">{escape(o["status"])}</span> · {escape(o["created_at"])}</p>'
            + table(["Product", "SKU", "#Qty", "#Unit price", "#Line total"], rows)
            + f'<div>{buttons}</div>{coupon}<p><a href="{p}/orders">All orders</a></p>')


def customer_list(p, customers, q):
    rows = [[td(c["id"], True), td(escape(c["name"])), td(escape(c["email"])), td(escape(c["city"])),
             td(f'<a href="{p}/orders?customer_id={c["id"]}">orders</a>')] for c in customers]
    search = (f'<form method="get" action="{p}/customers"><input name="q" value="{escape(q)}"'
              ' placeholder="Search customers"> <button>Search</button></form>')
    return search + (table(["#Id", "Name", "Email", "City", ""], rows)
                     if rows else '<p class="muted">No customers match.</p>')

