"""Repeated wrong passwords from one client are slowed down.

Gradio's login form posts to `/login` (gradio/routes.py in gradio 6), which compares the password and
answers at once: 200 with a session cookie, or 400 "Incorrect credentials." — 300 wrong passwords took
0.8 s. `LoginThrottle` is an ASGI middleware in front of Gradio's app (app.py passes it to FastAPI through
`launch(app_kwargs={"middleware": …})`). After FREE_FAILURES failures from one client address, the next
attempt from it must wait FIRST_DELAY seconds, doubling with each failure up to MAX_DELAY; one attempt at
a time per client. An attempt made sooner is answered 429 with Retry-After, and its password is not
checked. A success clears the client's count; a client with no failure for FORGET seconds is forgotten.
Behind a proxy every client has the proxy's address, so all of them share one count.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict

FREE_FAILURES = 5  # a mistyped password or two costs nothing
FIRST_DELAY = 1.0  # seconds, after the free failures; doubled each failure
MAX_DELAY = 60.0  # then one guess a minute: 300 guesses take hours, not 0.8 s
FORGET = 15 * 60  # seconds without a failure after which a client starts afresh
MAX_CLIENTS = 10_000  # clients remembered at most (the oldest are dropped)


class LoginThrottle:
    """ASGI middleware: only POST …/login is looked at; every other request passes straight through."""

    def __init__(self, app, free: int = FREE_FAILURES, first_delay: float = FIRST_DELAY, clock=time.monotonic):
        self.app, self.free, self.first_delay, self.clock = app, free, first_delay, clock
        self.failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client -> (failures, next try at)
        self.busy: set[str] = set()  # clients with a login being checked

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") != "POST" or not _is_login(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.wait(client)
        if wait > 0 or client in self.busy:
            await _too_many(send, max(wait, 1.0))
            return
        status: dict[str, int] = {}

        async def noting_status(message):
            if message.get("type") == "http.response.start":
                status["code"] = message.get("status", 0)
            await send(message)

        self.busy.add(client)
        try:
            await self.app(scope, receive, noting_status)
        finally:
            self.busy.discard(client)
            self.record(client, ok=status.get("code") == 200)

    def wait(self, client: str) -> float:
        """Seconds before `client` may try again (0: now)."""
        failures, next_try = self.failures.get(client, (0, 0.0))
        now = self.clock()
        if failures and now - next_try > FORGET:
            del self.failures[client]
            return 0.0
        return max(0.0, next_try - now)

    def record(self, client: str, ok: bool) -> None:
        if ok:
            self.failures.pop(client, None)
            return
        failures = self.failures.get(client, (0, 0.0))[0] + 1
        delay = 0.0 if failures < self.free else min(MAX_DELAY, self.first_delay * 2 ** (failures - self.free))
        self.failures[client] = (failures, self.clock() + delay)
        self.failures.move_to_end(client)
        while len(self.failures) > MAX_CLIENTS:
            self.failures.popitem(last=False)


def _is_login(path: str) -> bool:
    return path.rstrip("/").endswith("/login")


async def _too_many(send, wait: float) -> None:
    seconds = math.ceil(wait)
    body = json.dumps(
        {"detail": f"Too many failed logins from this address: wait {seconds} s, then try again."}
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"retry-after", str(seconds).encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
