-- The shop's seed ("store:v1"): schema and rows. Deterministic: fixed ids and timestamps.
-- Facts the task pack relies on: the Ceramic Mug (MUG-01) is out of stock; the Camping Stove is
-- inactive; orders #1004 and #1006 are paid; #1007 (Edsger Dijkstra) and #1010 (Grace Hopper)
-- are pending; #1004 carries WELCOME10 (10% off 104.00 = 93.60); on delivered orders Ada
-- Lovelace has spent the most (63.99 + 159.98). SUMMER20 has expired, SPRING25 is inactive.
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    stock       INTEGER NOT NULL CHECK (stock >= 0),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE TABLE customers (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    city  TEXT NOT NULL
);
CREATE TABLE coupons (
    code        TEXT PRIMARY KEY,
    percent_off INTEGER NOT NULL CHECK (percent_off BETWEEN 1 AND 100),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    expires_at  TEXT
);
CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    created_at  TEXT NOT NULL,
    coupon_code TEXT REFERENCES coupons(code)
);
CREATE TABLE order_items (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders(id),
    product_id       INTEGER NOT NULL REFERENCES products(id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0)
);
CREATE INDEX order_items_by_order ON order_items(order_id);

INSERT INTO products (id, sku, name, category, price_cents, stock, active) VALUES
    (1, 'MUG-01', 'Ceramic Mug', 'Kitchen', 1200, 0, 1),
    (2, 'KETTLE-01', 'Electric Kettle', 'Kitchen', 3999, 12, 1),
    (3, 'PAN-01', 'Cast Iron Pan', 'Kitchen', 4500, 8, 1),
    (4, 'KNIFE-01', 'Chef''s Knife', 'Kitchen', 5900, 5, 1),
    (5, 'NOTE-01', 'Dotted Notebook', 'Office', 899, 40, 1),
    (6, 'PEN-03', 'Gel Pen (3-pack)', 'Office', 499, 120, 1),
    (7, 'LAMP-01', 'Desk Lamp', 'Office', 2999, 15, 1),
    (8, 'CHAIR-01', 'Ergonomic Chair', 'Office', 18900, 3, 1),
    (9, 'TENT-02', 'Two-Person Tent', 'Outdoor', 14900, 4, 1),
    (10, 'BOTTLE-01', 'Steel Water Bottle', 'Outdoor', 2200, 30, 1),
    (11, 'HEADLAMP-01', 'Headlamp', 'Outdoor', 1899, 22, 1),
    (12, 'STOVE-01', 'Camping Stove', 'Outdoor', 6500, 6, 0),
    (13, 'CABLE-01', 'USB-C Cable', 'Electronics', 1299, 50, 1),
    (14, 'CHARGER-65', 'Wall Charger 65W', 'Electronics', 3499, 18, 1),
    (15, 'BUDS-01', 'Wireless Earbuds', 'Electronics', 7999, 9, 1);

INSERT INTO customers (id, name, email, city) VALUES
    (1, 'Ada Lovelace', 'ada@shop.example', 'London'),
    (2, 'Grace Hopper', 'grace@shop.example', 'New York'),
    (3, 'Alan Turing', 'alan@shop.example', 'Manchester'),
    (4, 'Katherine Johnson', 'katherine@shop.example', 'Hampton'),
    (5, 'Margaret Hamilton', 'margaret@shop.example', 'Boston'),
    (6, 'Edsger Dijkstra', 'edsger@shop.example', 'Rotterdam');

INSERT INTO coupons (code, percent_off, active, expires_at) VALUES
    ('WELCOME10', 10, 1, '2099-12-31T23:59:59Z'),
    ('SPRING25', 25, 0, '2099-06-30T23:59:59Z'),
    ('SUMMER20', 20, 1, '2025-08-31T23:59:59Z');

INSERT INTO orders (id, customer_id, status, created_at, coupon_code) VALUES
    (1001, 1, 'delivered', '2026-10-01T09:00:00Z', NULL),
    (1002, 2, 'delivered', '2026-10-02T10:15:00Z', NULL),
    (1003, 3, 'shipped', '2026-10-03T11:30:00Z', NULL),
    (1004, 4, 'paid', '2026-10-04T14:00:00Z', 'WELCOME10'),
    (1005, 1, 'pending', '2026-10-05T08:45:00Z', NULL),
    (1006, 5, 'paid', '2026-10-06T16:20:00Z', NULL),
    (1007, 6, 'pending', '2026-10-07T12:00:00Z', NULL),
    (1008, 1, 'delivered', '2026-10-08T09:30:00Z', NULL),
    (1009, 6, 'cancelled', '2026-10-09T13:10:00Z', NULL),
    (1010, 2, 'pending', '2026-10-10T17:45:00Z', NULL);

INSERT INTO order_items (id, order_id, product_id, quantity, unit_price_cents) VALUES
    (1, 1001, 2, 1, 3999),
    (2, 1001, 1, 2, 1200),
    (3, 1002, 8, 1, 18900),
    (4, 1003, 9, 1, 14900),
    (5, 1003, 11, 2, 1899),
    (6, 1004, 3, 1, 4500),
    (7, 1004, 4, 1, 5900),
    (8, 1005, 5, 3, 899),
    (9, 1005, 6, 2, 499),
    (10, 1006, 7, 1, 2999),
    (11, 1006, 14, 1, 3499),
    (12, 1007, 9, 1, 14900),
    (13, 1007, 10, 2, 2200),
    (14, 1008, 15, 2, 7999),
    (15, 1009, 8, 2, 18900),
    (16, 1009, 12, 1, 6500),
    (17, 1010, 13, 2, 1299),
    (18, 1010, 10, 1, 2200);
