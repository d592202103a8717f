#!/usr/bin/env python3
"""tests/lab/delay-relay.py LISTEN_IP:PORT TARGET_IP:PORT DELAY_MS — a WAN-latency stand-in.

The kernel here has no netem, so the lab emulates latency in userspace: every accepted TCP
connection is relayed to TARGET after DELAY_MS (the "connect" leg), and every chunk is
delivered DELAY_MS after it was read, in order, in both directions (so a round trip costs
2 x DELAY_MS and throughput is not serialised by the sleeps). python3 stdlib only.
`tests/lab/up` runs one in the gateway namespace in front of the plain squid (see docs/lab.md).
"""
import asyncio
import sys
import time


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


async def pump(reader, writer, delay):
    q = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await q.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    writer.write_eof()
                except (OSError, RuntimeError):
                    pass
                return
            writer.write(data)
            await writer.drain()

    task = asyncio.ensure_future(deliver())
    try:
        while True:
            data = await reader.read(65536)
            q.put_nowait((time.monotonic() + delay, data or None))
            if not data:
                break
        await task
    except (OSError, asyncio.CancelledError):
        task.cancel()


async def handle(cr, cw, target, delay):
    try:
        await asyncio.sleep(delay)
        sr, sw = await asyncio.wait_for(asyncio.open_connection(*target), timeout=10)
    except (OSError, asyncio.TimeoutError):
        cw.close()
        return
    try:
        await asyncio.gather(pump(cr, sw, delay), pump(sr, cw, delay))
    finally:
        for w in (sw, cw):
            try:
                w.close()
            except OSError:
                pass


async def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    listen, target, delay = hostport(sys.argv[1]), hostport(sys.argv[2]), int(sys.argv[3]) / 1000.0
    server = await asyncio.start_server(lambda r, w: handle(r, w, target, delay), *listen, backlog=512)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
