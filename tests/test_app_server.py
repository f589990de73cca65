"""A real `python app.py` with a login, driven over HTTP as any client could (no browser): repeated wrong
passwords are slowed down, and the page's events refuse values the page never sends (issue 14). The index
is built with the hash embedder, so the app starts without the real model."""

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from bench.gradio_chat import API, ChatSession, find_chat
from bench.server import running_app
from qa.api import build_index
from qa.settings import Settings
from qa.ui.throttle import FREE_FAILURES

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "reader", "right-horse"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served")
    build_index([ROOT / "corpus"], tmp / "index", Settings(model="hash-64"), progress=False)
    log = tmp / "app.log"
    with running_app(tmp / "index", [ROOT / "corpus"], log, "--auth", f"{USER}:{PASSWORD}", "--no-uploads") as app:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert app.alive(), app.tail()
            try:
                if httpx.get(app.url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail(f"app.py did not start:\n{app.tail()}")
        yield app


def log_in(client: httpx.Client | httpx.AsyncClient, password: str = PASSWORD):
    return client.post("/login", data={"username": USER, "password": password})


def patient_log_in(client: httpx.Client) -> None:
    """Log in, waiting as the throttle says when an earlier test left failures."""
    for _ in range(10):
        r = log_in(client)
        if r.status_code != 429:
            assert r.status_code == 200, r.text
            return
        time.sleep(float(r.headers["retry-after"]))
    pytest.fail("could not log in")


def test_repeated_wrong_passwords_are_slowed_down_on_the_running_app(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        t0 = time.perf_counter()
        codes = [log_in(client, f"guess-{i}").status_code for i in range(40)]
        took = time.perf_counter() - t0
        assert codes[:FREE_FAILURES] == [400] * FREE_FAILURES  # a few mistakes are answered as before
        assert set(codes[FREE_FAILURES:]) == {429}  # then no guess is even checked until the wait is over
        refused = log_in(client)
        assert refused.status_code == 429 and "wait" in refused.json()["detail"]  # the right one must wait too
        time.sleep(float(refused.headers["retry-after"]))
        assert log_in(client).status_code == 200
    print(f"40 wrong passwords: {FREE_FAILURES} checked, the rest refused, in {took:.2f} s")


async def _click_source(url: str, data, cookies) -> tuple[bool, str]:
    """Ask a question in a session, then send the sources panel's click event with `data` as event data;
    (success, everything the server streamed back)."""
    async with httpx.AsyncClient(base_url=url, timeout=30, cookies=cookies) as client:
        config = (await client.get("/config")).json()
        session = ChatSession(client, find_chat(config))
        reply = await session.ask("Who described the 'Club of Other'?")
        assert reply.ok and "Borges" in reply.answer, reply
        panel = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-sources")
        dep = next(d for d in config["dependencies"] if [panel, "click"] in d["targets"])
        body = {"data": [None], "fn_index": dep["id"], "trigger_id": panel, "session_hash": session.session_hash}
        r = await client.post(f"{API}/queue/join", json={**body, "event_data": data})
        r.raise_for_status()
        seen = []
        async with client.stream("GET", f"{API}/queue/data", params={"session_hash": session.session_hash}) as s:
            async for line in s.aiter_lines():
                seen.append(line)
                if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed":
                    return json.loads(line[5:]).get("success", False), "\n".join(seen)
    return False, "\n".join(seen)


@pytest.mark.parametrize(
    "data", [{"kind": "c", "turn": 0, "n": "abc"}, {"kind": "c", "turn": "x", "n": 1}, "c-0-1", None, [1, 2]]
)
def test_the_source_event_with_values_the_page_never_sends_fails_quietly(server, data):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        patient_log_in(client)
        cookies = dict(client.cookies)
    before = len(server.tail(10**7))
    ok, streamed = asyncio.run(_click_source(server.url, data, cookies))
    assert ok, streamed  # the panel is left as it was: no error at all
    log = server.tail(10**7)[before:]
    assert "Traceback" not in log and "ValueError" not in log and "invalid literal" not in streamed


def test_a_citation_click_still_shows_its_source(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        patient_log_in(client)
        cookies = dict(client.cookies)
    ok, streamed = asyncio.run(_click_source(server.url, {"kind": "c", "turn": 0, "n": 1}, cookies))
    assert ok and "qa-panel" in streamed and "qa-current" in streamed


def test_no_uploads_leaves_no_upload_event_on_the_page(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        patient_log_in(client)
        config = client.get("/config").json()
    assert not [c for c in config["components"] if c.get("type") == "file"]
    assert not [d for d in config["dependencies"] if any(t[1] == "upload" for t in d["targets"])]
