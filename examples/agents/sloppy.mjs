// A deliberately worse agent, for comparisons: on five of the eight help-desk tasks and three of
// the shop's it does the wrong thing (the wrong ticket, the wrong count or total, nothing at
// all); on the rest it acts as the scripted agent does. `npm start` records it as the baseline
// and the scripted agent as the candidate, and `flotilla compare` tells them apart.
import scripted from './scripted.mjs';
import { api, transcript } from './helpdesk.mjs';

const SLOPPY = new Set([
  'helpdesk-close-printer', 'helpdesk-assign-vpn', 'helpdesk-count-open', 'helpdesk-escalate-globex', 'helpdesk-delete-spam',
  'shop-cancel-order', 'shop-ship-paid-orders', 'shop-order-total',
]);
const WRONG_ANSWERS = { 'helpdesk-count-open': '7', 'shop-order-total': '0' };

export default async function sloppy(run) {
  if (!SLOPPY.has(run.task.key)) return scripted(run);
  const t = transcript(run.task, run.session);
  if (run.task.key === 'helpdesk-close-printer') {
    await t.step('update_ticket', { id: 1, status: 'closed' }, () => api(run.env, 'PATCH', '/tickets/1', { status: 'closed' }));
  }
  await t.finish('I think that is done.');
  return WRONG_ANSWERS[run.task.key];
}
