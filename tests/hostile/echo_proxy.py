#!/usr/bin/env python3
"""echo_proxy.py — a hostile HTTP CONNECT proxy on 127.0.0.1 (loopback only) that echoes
the client's Proxy-Authorization credentials back, in every place and shape a report
could pick them up from (issue 15).

The CONNECT target names the variant: "v<N>.hostile.test:443" is answered with
VARIANTS[N] (see variants()). Each variant is (where, text): `where` is one of
  status  407 with the text as reason phrase
  authn   407 with the text as Proxy-Authenticate value (as scheme, and as token68)
  header  403 with the text in Location / Via / X-Echo headers
  body    502 with the text as body
  tunnel  200, then the text as the first "TLS" bytes of the tunnel
and `text` is the credential (Basic line, token, user:password, password) whole, cut
at every offset, with control bytes interleaved, URL-, base64- and hex-encoded.

Usage: echo_proxy.py USER PASSWORD  — prints "PORT N_VARIANTS" on stdout, then serves
until stdin closes (so the test's exit always ends it)."""
import base64
import socket
import sys
import threading
import urllib.parse

WHERE = ["status", "authn", "header", "body", "tunnel"]


def forms(user, password):
    pair = f"{user}:{password}"
    token = base64.b64encode(pair.encode()).decode()
    line = f"Proxy-Authorization: Basic {token}"
    whole = [line, token, token.rstrip("="), pair, password]
    out = list(whole)
    # every truncation offset, both halves (what a cut at 64 or 128 bytes leaves)
    for s in (line, pair):
        for k in range(1, len(s)):
            out.append(s[:k])
            out.append(s[k:])
    # the reason text of the issue: padding then the credential, cut at 128
    out.append(("R" * 119 + password)[:128])
    # control bytes interleaved (a sanitiser that drops them joins the secret again)
    for s in (password, pair, token):
        out.append("\x01".join(s))
        out.append("\x1b".join(s))
        out.append("\x7f".join(s))
    # encoded forms
    for s in (password, pair):
        out.append(urllib.parse.quote(s, safe=""))
        out.append(base64.b64encode(s.encode()).decode())
        out.append(s.encode().hex())
        out.append(s.encode().hex().upper())
    return out


def variants(user, password):
    return [(w, t) for t in forms(user, password) for w in WHERE]


def clean_header(t):
    """A header value cannot hold CR/LF (the parser rightly rejects that head)."""
    return t.replace("\r", "").replace("\n", "")


def answer(where, text):
    b = text.encode("utf-8", "surrogateescape")
    h = clean_header(text).encode("utf-8", "surrogateescape")
    if where == "status":
        return b"HTTP/1.1 407 " + h + b"\r\nProxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n"
    if where == "authn":
        return (b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: " + h +
                b"\r\nProxy-Authenticate: Basic " + h + b"\r\nContent-Length: 0\r\n\r\n")
    if where == "header":
        return (b"HTTP/1.1 403 Forbidden\r\nLocation: http://x/" + h + b"\r\nVia: 1.1 " + h +
                b"\r\nX-Echo: " + h + b"\r\nContent-Length: 0\r\n\r\n")
    if where == "body":
        return b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: %d\r\n\r\n" % len(b) + b
    return b"HTTP/1.1 200 Connection established\r\n\r\n" + b


def serve(conn, table):
    try:
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        first = data.split(b"\r\n", 1)[0].decode("latin-1")
        target = first.split(" ")[1] if " " in first else ""
        host = target.rsplit(":", 1)[0]
        n = int(host.split(".")[0][1:]) if host.startswith("v") else -1
        if 0 <= n < len(table):
            conn.sendall(answer(*table[n]))
        else:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(4096):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def main():
    user, password = sys.argv[1], sys.argv[2]
    table = variants(user, password)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(256)
    print(srv.getsockname()[1], len(table), flush=True)

    def accept_loop():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c, table), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    sys.stdin.read()  # the test closes stdin (or exits) to stop us
    srv.close()


if __name__ == "__main__":
    main()
