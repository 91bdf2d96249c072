// Loads the tasks your Fleet account can see and prints them. Uses only the public `flotilla`
// package; point it at any Fleet-compatible service with FLEET_BASE_URL and FLEET_API_KEY.
//
//   FLEET_BASE_URL=http://127.0.0.1:8700 FLEET_API_KEY=... node examples/load-tasks.mjs
import { Fleet, FleetError } from 'flotilla';

try {
  const fleet = new Fleet(); // reads FLEET_API_KEY and FLEET_BASE_URL
  const [account, tasks] = await Promise.all([fleet.account(), fleet.loadTasks()]);
  console.log(`${account.teamName} (${account.teamId}): ${account.instanceCount} of ${account.instanceLimit} instances running`);
  console.log(`${tasks.length} tasks at ${fleet.baseUrl}\n`);
  for (const task of tasks) {
    const difficulty = task.metadata && typeof task.metadata === 'object' && !Array.isArray(task.metadata)
      ? task.metadata.difficulty ?? '' : '';
    console.log(`- ${task.key}  [${task.envKey}${task.dataKey ? `, data ${task.dataKey}` : ''}] ${difficulty}`);
    console.log(`    ${task.prompt}`);
  }
} catch (error) {
  if (error instanceof FleetError) {
    console.error(`${error.name} (${error.code}): ${error.message}`);
    process.exit(1);
  }
  throw error;
}
