// A loopback HTTP proxy that injects faults in front of flotilla-server, for retry and
// de-duplication tests. Rules match a method and a path prefix and apply to the next N requests.
//
//   kind 'drop-after-commit': forward, let the server act, then destroy the client socket.
//   kind 'status':            answer `status` (with `retryAfter`) without forwarding.
//   kind 'reset':             destroy the socket before forwarding anything.
//   kind 'delay':             forward after `ms`.
import http from 'node:http';

export async function startFaultProxy(targetBaseUrl) {
  const target = new URL(targetBaseUrl);
  const rules = [];
  const log = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rule = rules.find((r) => r.count > 0 && r.method === req.method && req.url.startsWith(r.path));
      if (rule) rule.count -= 1;
      log.push({ method: req.method, path: req.url, requestId: req.headers['x-request-id'] ?? null, fault: rule?.kind ?? null });
      if (rule?.kind === 'reset') return req.socket.destroy();
      if (rule?.kind === 'status') {
        const headers = { 'content-type': 'application/json' };
        if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
        res.writeHead(rule.status, headers);
        return res.end(JSON.stringify({ detail: `injected ${rule.status}` }));
      }
      const forward = () => {
        const upstream = http.request({
          host: target.hostname, port: target.port, method: req.method, path: req.url,
          headers: { ...req.headers, host: target.host },
        }, (up) => {
          const data = [];
          up.on('data', (c) => data.push(c));
          up.on('end', () => {
            if (rule?.kind === 'drop-after-commit') return req.socket.destroy();
            res.writeHead(up.statusCode, up.headers);
            res.end(Buffer.concat(data));
          });
        });
        upstream.on('error', () => req.socket.destroy());
        upstream.end(body);
      };
      if (rule?.kind === 'delay') setTimeout(forward, rule.ms);
      else forward();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    /** Adds a fault for the next `count` matching requests. */
    inject(rule) { rules.push({ count: 1, ...rule }); },
    clear() { rules.length = 0; log.length = 0; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
