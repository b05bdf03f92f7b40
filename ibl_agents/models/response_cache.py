"""A SQLite cache of model replies: rerunning a finished run's config makes no model calls.

Why LangChain's cache seam with a key of our own: ``BaseChatModel.cache`` takes any ``BaseCache`` and is
consulted before every provider request, so neither the loop nor the provider classes change. But the key
LangChain hands over (``llm_string``) holds the request timeout and retry count, which never change a
reply, and has no slot for a replicate number; for the embedded server it would also hold an ephemeral
port. So this cache ignores it and keys on an explicit ``ModelIdentity`` (model, base_url, temperature,
reply cap, replicate), the prompt's sha256, and the occurrence of that prompt within the run: the n-th
time a run sends the same prompt gets the n-th stored reply, so repeated prompts stay independent samples
as they are without the cache, and a replay follows the original run step by step.

Values are reply text and usage as JSON (not LangChain's serialization, so entries outlive library
upgrades), with the reply's finish reason, so a replayed cut-off reply is handled as the original was.
Usage is replayed as recorded: a replay's token counts and budgets match the original run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, Generation

REPLAYED = "ibl_replayed"  # response_metadata flag of a reply served from the cache
# Why the reply ended, stored beside its usage (replies stored before it was kept replay without it)
FINISH_REASON = "finish_reason"
SCHEMA = "create table if not exists replies (key text primary key, text text not null, usage text)"


@dataclass(frozen=True)
class ModelIdentity:
    """Everything that changes what a model replies to a prompt."""

    model: str
    base_url: str | None
    temperature: float
    max_reply_tokens: int
    replicate: int
    sample: int = 0  # a run's generator calls after the first draw with seeds of their own: see providers


class ReplyCache(BaseCache):
    """The replies of one model identity, stored in one SQLite file shared by all runs."""

    def __init__(self, path: Path, identity: ModelIdentity) -> None:
        self.path = path
        self.identity = identity
        self._seen: Counter[str] = Counter()
        self._pending: dict[str, str] = {}  # prompt hash -> key of the lookup that missed
        self._lock = threading.Lock()

    def lookup(self, prompt: str, llm_string: str) -> list[Generation] | None:
        digest = hashlib.sha256(prompt.encode()).hexdigest()
        with self._lock:
            key = self._key(digest, self._seen[digest])
            self._seen[digest] += 1
            self._pending[digest] = key
        if not self.path.is_file():  # created on the first stored reply, never by a lookup
            return None
        with closing(sqlite3.connect(self.path)) as db:
            row = db.execute("select text, usage from replies where key = ?", (key,)).fetchone()
        if row is None:
            return None
        stored = json.loads(row[1]) if row[1] else {}
        finish = stored.pop(FINISH_REASON, None)
        metadata = {REPLAYED: True, **({FINISH_REASON: finish} if finish else {})}
        message = AIMessage(content=row[0], usage_metadata=stored or None, response_metadata=metadata)
        return [ChatGeneration(message=message)]

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        digest = hashlib.sha256(prompt.encode()).hexdigest()
        with self._lock:
            key = self._pending.pop(digest)
        generation = return_val[0] if return_val else None
        if not isinstance(generation, ChatGeneration) or not isinstance(generation.message, AIMessage):
            return
        stored: dict[str, Any] = dict(generation.message.usage_metadata or {})
        if finish := generation.message.response_metadata.get(FINISH_REASON):
            stored[FINISH_REASON] = finish
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path)) as db, db:
            db.execute(SCHEMA)
            db.execute(
                "insert or replace into replies values (?, ?, ?)",
                (key, generation.text, json.dumps(stored) if stored else None),
            )

    def clear(self, **kwargs: Any) -> None:
        """Delete every stored reply (of all identities: the file is one cache)."""
        self.path.unlink(missing_ok=True)

    def _key(self, prompt_digest: str, occurrence: int) -> str:
        identity = asdict(self.identity)
        if not identity["sample"]:  # the first sample keeps the key it had before samples were told apart
            del identity["sample"]
        material = json.dumps([identity, prompt_digest, occurrence], sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()
