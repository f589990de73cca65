"""A client that drives the web chat the way the browser does, for the load and cold-start benchmarks.

The page's events are registered with api_visibility="private": hidden from the API docs and from
the Gradio client libraries, but the page itself calls them through Gradio's queue protocol, and so
does this client (it is not access control; `--auth` is):

1. GET  /config                                  → the components and the events ("dependencies");
   the chat is the event whose target is (the textbox with elem_id "qa-question", "submit").
2. POST /gradio_api/queue/join {data, fn_index, trigger_id, session_hash, event_data}
   → {"event_id"}; `data` has one value per input (the question, then null for the gr.State, whose
   value the server keeps per session_hash; follow-up questions resolve against it).
3. GET  /gradio_api/queue/data?session_hash=…    → server-sent events: estimation, process_starts,
   process_generating (the streamed frames, as diffs), process_completed (the full outputs), close_stream.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
import uuid
from dataclasses import dataclass

import httpx

API = "/gradio_api"
FAILED = "answering failed"  # what qa/ui/app.py shows in the chat when ask() raised a bug


@dataclass(frozen=True)
class Reply:
    question: str
    ok: bool
    seconds: float  # join → process_completed (queue wait, answering and streaming)
    first_frame_s: float  # join → first frame showing the answer (after the "Searching…" frame)
    answer: str  # the short answer shown, as text
    error: str = ""


@dataclass(frozen=True)
class ChatEndpoint:
    fn_index: int
    trigger_id: int
    inputs: tuple[int, ...]  # the question goes to the input that is the textbox (trigger_id)


def find_chat(config: dict) -> ChatEndpoint:
    """The chat event in a Gradio /config: the question box's submit event."""
    box = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-question")
    for dep in config["dependencies"]:
        if [box, "submit"] in dep["targets"]:
            return ChatEndpoint(dep["id"], box, tuple(dep["inputs"]))
    raise RuntimeError("no submit event on the question box in the app's /config")


async def wait_until_up(client: httpx.AsyncClient, timeout: float, alive=lambda: True) -> dict:
    """Poll /config until the app answers; its config."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the app exited before it was up")
        try:
            r = await client.get("/config", timeout=5)
            if r.status_code == 200:
                return r.json()
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the app did not answer within {timeout:.0f} s")


class ChatSession:
    """One browser tab: a session hash, asking questions one after another."""

    def __init__(self, client: httpx.AsyncClient, chat: ChatEndpoint):
        self.client, self.chat = client, chat
        self.session_hash = uuid.uuid4().hex[:11]

    async def ask(self, question: str, timeout: float = 600) -> Reply:
        t0 = time.perf_counter()
        try:
            return await asyncio.wait_for(self._ask(question, t0), timeout)
        except (httpx.HTTPError, asyncio.TimeoutError, RuntimeError, ValueError) as e:
            return Reply(question, False, time.perf_counter() - t0, float("nan"), "", f"{type(e).__name__}: {e}")

    async def _ask(self, question: str, t0: float) -> Reply:
        data = [question if i == self.chat.trigger_id else None for i in self.chat.inputs]
        body = {
            "data": data,
            "fn_index": self.chat.fn_index,
            "trigger_id": self.chat.trigger_id,
            "session_hash": self.session_hash,
            "event_data": None,
        }
        r = await self.client.post(f"{API}/queue/join", json=body)
        r.raise_for_status()
        event_id = r.json()["event_id"]
        first = float("nan")
        frames = 0
        async with self.client.stream(
            "GET", f"{API}/queue/data", params={"session_hash": self.session_hash}, timeout=httpx.Timeout(30, read=None)
        ) as stream:
            stream.raise_for_status()
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") not in (event_id, None):
                    continue
                kind = msg.get("msg")
                if kind == "process_generating":
                    frames += 1
                    if frames == 2:
                        first = time.perf_counter() - t0
                elif kind == "process_completed":
                    seconds = time.perf_counter() - t0
                    out = msg.get("output") or {}
                    if not msg.get("success"):
                        return Reply(question, False, seconds, first, "", f"event failed: {out.get('error')}")
                    text = last_answer(out.get("data") or [])
                    return Reply(question, FAILED not in text, seconds, first, text, "" if FAILED not in text else text)
                elif kind in ("close_stream", "unexpected_error"):
                    break
        raise RuntimeError(f"the event stream ended without a result ({msg})")


def last_answer(outputs: list) -> str:
    """The last assistant message's short answer (or its whole text) from the chat outputs."""
    messages = outputs[0] if outputs and isinstance(outputs[0], list) else []
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "assistant":
            content = m.get("content")
            raw = content[0].get("text", "") if isinstance(content, list) and content else str(content or "")
            m_ans = re.search(r'class="qa-answer">(.*?)</p>', raw, re.S)
            return plain(m_ans.group(1) if m_ans else raw)
    return ""


def plain(fragment: str) -> str:
    text = re.sub(r'<a class="qa-cite".*?</a>', "", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())
