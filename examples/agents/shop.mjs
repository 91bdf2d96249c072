// The scripted strategy for every task of the built-in shop (server/environments/shop/tasks.json):
// acts through the shop's JSON API (`env.urls.api`) and MCP tools (`env.urls.mcp`), logging each
// step to the transcript `t` (see helpdesk.mjs). Returns the final answer, or undefined.
import { api, mcp } from './helpdesk.mjs';

const dollars = (cents) => (cents / 100).toFixed(2);

/** The one customer called `name`, found with the MCP tool `list_customers`. */
async function customerNamed(env, t, name) {
  const customers = await t.step('list_customers', { query: name }, () => mcp(env, 'list_customers', { query: name }));
  const customer = customers.find((c) => c.name === name);
  if (!customer) throw new Error(`no customer named ${name}`);
  return customer;
}

/** The one product called `name`, found through the JSON API's search. */
async function productNamed(env, t, name) {
  const path = `/products?q=${encodeURIComponent(name)}`;
  const products = await t.step('search_products', { query: name }, () => api(env, 'GET', path));
  const product = products.find((p) => p.name === name);
  if (!product) throw new Error(`no product named ${name}`);
  return product;
}

/** The customer's only pending order. */
async function pendingOrderOf(env, t, customer) {
  const path = `/orders?status=pending&customer_id=${customer.id}`;
  const orders = await t.step('list_orders', { status: 'pending', customer_id: customer.id }, () => api(env, 'GET', path));
  if (orders.length !== 1) throw new Error(`${customer.name} has ${orders.length} pending orders`);
  return orders[0];
}

export async function solveShop(task, env, t) {
  switch (task.key) {
    case 'shop-restock-mug': {
      const [mug] = await t.step('search_products', { query: 'MUG-01' }, () => api(env, 'GET', '/products?q=MUG-01'));
      await t.step('update_product', { id: mug.id, stock: 25 }, () => api(env, 'PATCH', `/products/${mug.id}`, { stock: 25 }));
      break;
    }
    case 'shop-deliver-order':
      await t.step('update_order_status', { id: 1003, status: 'delivered' },
        () => api(env, 'PATCH', '/orders/1003', { status: 'delivered' }));
      break;
    case 'shop-relaunch-stove': {
      const [stove] = await t.step('search_products', { query: 'Camping Stove' },
        () => mcp(env, 'search_products', { query: 'Camping Stove' }));
      await t.step('update_product', { id: stove.id, active: true, stock: 10 },
        () => mcp(env, 'update_product', { id: stove.id, active: true, stock: 10 }));
      break;
    }
    case 'shop-reprice-lamp': {
      const lamp = await productNamed(env, t, 'Desk Lamp');
      await t.step('update_product', { id: lamp.id, price_cents: 2499 },
        () => api(env, 'PATCH', `/products/${lamp.id}`, { price_cents: 2499 }));
      break;
    }
    case 'shop-cancel-order': {
      const edsger = await customerNamed(env, t, 'Edsger Dijkstra');
      const orders = await t.step('list_orders', { status: 'pending', customer_id: edsger.id },
        () => mcp(env, 'list_orders', { status: 'pending', customer_id: edsger.id }));
      for (const order of orders) {
        // Cancelling a pending order puts its items back in stock.
        await t.step('update_order_status', { id: order.id, status: 'cancelled' },
          () => mcp(env, 'update_order_status', { id: order.id, status: 'cancelled' }));
      }
      break;
    }
    case 'shop-create-order': {
      const grace = await customerNamed(env, t, 'Grace Hopper');
      const notebook = await productNamed(env, t, 'Dotted Notebook');
      const pens = await productNamed(env, t, 'Gel Pen (3-pack)');
      const order = { customer_id: grace.id, items: [{ product_id: notebook.id, quantity: 2 }, { product_id: pens.id, quantity: 1 }] };
      await t.step('create_order', order, () => mcp(env, 'create_order', order));
      break;
    }
    case 'shop-apply-coupon': {
      const grace = await customerNamed(env, t, 'Grace Hopper');
      const order = await pendingOrderOf(env, t, grace);
      await t.step('apply_coupon', { id: order.id, code: 'WELCOME10' },
        () => api(env, 'POST', `/orders/${order.id}/coupon`, { code: 'WELCOME10' }));
      break;
    }
    case 'shop-ship-paid-orders': {
      const paid = await t.step('list_orders', { status: 'paid' }, () => mcp(env, 'list_orders', { status: 'paid' }));
      for (const order of paid) {
        await t.step('update_order_status', { id: order.id, status: 'shipped' },
          () => mcp(env, 'update_order_status', { id: order.id, status: 'shipped' }));
      }
      break;
    }
    case 'shop-best-coupon': {
      const coupons = await t.step('list_coupons', {}, () => api(env, 'GET', '/coupons'));
      const usable = coupons.filter((c) => c.active && !c.expired).sort((a, b) => b.percent_off - a.percent_off);
      if (!usable.length) throw new Error('no usable coupon');
      const ada = await customerNamed(env, t, 'Ada Lovelace');
      const order = await pendingOrderOf(env, t, ada);
      await t.step('apply_coupon', { id: order.id, code: usable[0].code },
        () => mcp(env, 'apply_coupon', { id: order.id, code: usable[0].code }));
      break;
    }
    case 'shop-order-total': {
      const order = await t.step('get_order', { id: 1004 }, () => api(env, 'GET', '/orders/1004'));
      const answer = dollars(order.total_cents);
      await t.finish(`Order #1004 comes to $${answer} after its ${order.coupon_code} discount.`);
      return answer;
    }
    case 'shop-top-customer': {
      const delivered = await t.step('list_orders', { status: 'delivered' }, () => mcp(env, 'list_orders', { status: 'delivered' }));
      const spent = new Map();
      for (const order of delivered) spent.set(order.customer_name, (spent.get(order.customer_name) ?? 0) + order.total_cents);
      const [name, cents] = [...spent].sort((a, b) => b[1] - a[1])[0];
      await t.finish(`${name} has spent the most on delivered orders: $${dollars(cents)}.`);
      return name;
    }
    default:
      throw new Error(`the scripted agent has no strategy for ${task.key}`);
  }
  await t.finish('Done.');
  return undefined;
}
