"""A loopback proxy that injects faults in front of flotilla-server.

`fail_after_commit`: the next N matching requests are forwarded (so the server commits them) and
then answered 500, as when a response is lost after the server acted.
"""
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


class FaultProxy:
    def __init__(self, target):
        self.target = urlparse(target)
        self.fail_after_commit = {}  # (method, path prefix) -> remaining count
        self.log = []  # (method, path, status, x-request-id)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                upstream = conn.getresponse()
                data = upstream.read()
                status = upstream.status
                key = next((k for k in proxy.fail_after_commit
                            if k[0] == self.command and self.path.startswith(k[1]) and proxy.fail_after_commit[k] > 0), None)
                if key:
                    proxy.fail_after_commit[key] -= 1
                    status, data = 500, b'{"detail":"injected: response lost after commit"}'
                proxy.log.append((self.command, self.path, status, self.headers.get("X-Request-ID")))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
