// The scripted agent: knows how to do every task of the two built-in environments (the help desk
// here, the shop in shop.mjs), acts through the app's JSON API and MCP tools, and logs each step
// to its session. `flotilla eval --agent examples/agents/scripted.mjs --env helpdesk,shop`.
import { api, mcp, transcript } from './helpdesk.mjs';
import { solveShop } from './shop.mjs';

export default async function scripted({ task, env, session }) {
  const t = transcript(task, session);
  if (task.key.startsWith('shop-')) return solveShop(task, env, t);
  switch (task.key) {
    case 'helpdesk-close-printer':
      await t.step('update_ticket', { id: 2, status: 'closed' }, () => api(env, 'PATCH', '/tickets/2', { status: 'closed' }));
      break;
    case 'helpdesk-assign-vpn': {
      const [ticket] = await t.step('search_tickets', { q: 'VPN' }, () => api(env, 'GET', '/tickets?q=VPN'));
      await t.step('update_ticket', { id: ticket.id, assignee: 'maria' }, () => api(env, 'PATCH', `/tickets/${ticket.id}`, { assignee: 'maria' }));
      break;
    }
    case 'helpdesk-update-initech-email': {
      const customers = await t.step('list_customers', {}, () => api(env, 'GET', '/customers'));
      const initech = customers.find((c) => c.name === 'Initech');
      await t.step('update_customer', { id: initech.id, email: 'ops@initech.example' },
        () => api(env, 'PATCH', `/customers/${initech.id}`, { email: 'ops@initech.example' }));
      break;
    }
    case 'helpdesk-count-open': {
      const open = await t.step('list_tickets', { status: 'open' }, () => api(env, 'GET', '/tickets?status=open'));
      await t.finish(`There are ${open.length} open tickets.`);
      return String(open.length);
    }
    case 'helpdesk-create-invoice-ticket':
      await t.step('create_ticket', { subject: 'Invoice copy needed', customer: 'Acme Corp', priority: 'high' },
        () => mcp(env, 'create_ticket', { subject: 'Invoice copy needed', customer: 'Acme Corp', priority: 'high' }));
      break;
    case 'helpdesk-escalate-globex': {
      const open = await t.step('list_tickets', { query: 'Globex', status: 'open' }, () => mcp(env, 'list_tickets', { query: 'Globex', status: 'open' }));
      for (const ticket of open) {
        await t.step('update_ticket', { id: ticket.id, priority: 'urgent' }, () => mcp(env, 'update_ticket', { id: ticket.id, priority: 'urgent' }));
      }
      break;
    }
    case 'helpdesk-resolve-with-comment':
      await t.step('add_comment', { id: 2, body: 'Replaced toner, please retry' }, () => mcp(env, 'add_comment', { id: 2, body: 'Replaced toner, please retry' }));
      await t.step('update_ticket', { id: 2, status: 'resolved' }, () => mcp(env, 'update_ticket', { id: 2, status: 'resolved' }));
      break;
    case 'helpdesk-delete-spam': {
      const [spam] = await t.step('list_tickets', { query: 'FREE CRUISE' }, () => mcp(env, 'list_tickets', { query: 'FREE CRUISE' }));
      await t.step('delete_ticket', { id: spam.id }, () => mcp(env, 'delete_ticket', { id: spam.id }));
      break;
    }
    default:
      throw new Error(`the scripted agent has no strategy for ${task.key}`);
  }
  await t.finish('Done.');
  return undefined;
}
