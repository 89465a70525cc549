"""Which Rasa replica serves a conversation: consistent hashing of the conversation id.

Every message of one conversation must reach the same Rasa replica. Rasa's Redis lock store
is meant to serialise the turns of a conversation across replicas, but its ticket lock is a
plain GET-then-SET in Redis (no transaction): two replicas taking a ticket for the same
conversation at the same moment can both go ahead, and Rasa's SQL tracker store then saves
"the events after the ones already stored" by *count*, so one replica's events are dropped.
Pinning a conversation to one replica makes its turns queue up in that replica's process,
where the lock is exact (docs/scale-out.md).

The ring is a pure function of the replica URLs: each URL gets `VIRTUAL_NODES` points
(SHA-256 of ``"<url>#<i>"``), a conversation goes to the first point at or after the SHA-256
of its id. It does not depend on the order of the URLs, on the process or on
``PYTHONHASHSEED``, so every web worker picks the same replica, and adding a replica moves
only about 1/N of the conversations (to the new replica).
"""

from __future__ import annotations

import bisect
import hashlib
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache

#: Points per replica on the ring: more points, a more even spread (within ±10 % for 2–5
#: replicas at 256) and a larger ring (N × 256 points, built once per set of URLs).
VIRTUAL_NODES = 256
#: Rasa's port when neither RASA_URLS nor RASA_URL is set (as bot.settings.load_settings).
DEFAULT_RASA_PORT = 5005


def _point(text: str) -> int:
    """A 64-bit position on the ring: the first 8 bytes of SHA-256 (the same everywhere)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _normalise(url: str) -> str:
    return url.strip().rstrip("/")


class HashRing:
    """A consistent-hash ring over replica URLs, with `vnodes` virtual nodes each."""

    def __init__(self, urls: Sequence[str], vnodes: int = VIRTUAL_NODES) -> None:
        if vnodes < 1:
            raise ValueError("vnodes must be at least 1")
        nodes = sorted({_normalise(url) for url in urls if url.strip()})
        if not nodes:
            raise ValueError("no Rasa replica URLs to route to")
        self.nodes: tuple[str, ...] = tuple(nodes)
        # (position, url): ties (astronomically rare) are broken by the URL, not by order.
        ring = sorted((_point(f"{node}#{i}"), node) for node in nodes for i in range(vnodes))
        self._points = [point for point, _ in ring]
        self._owners = [node for _, node in ring]

    def pick(self, key: str) -> str:
        """The replica for `key`: the owner of the first point at or after its hash."""
        index = bisect.bisect_left(self._points, _point(key))
        return self._owners[index % len(self._points)]


@lru_cache(maxsize=64)
def _ring(urls: tuple[str, ...]) -> HashRing:
    return HashRing(urls)


def pick(conversation_id: str, urls: Sequence[str]) -> str:
    """The Rasa base URL (without a trailing slash) that serves `conversation_id`.

    The same id always gets the same URL for the same set of URLs (in any order), in every
    process. ValueError when `urls` is empty.
    """
    nodes = tuple(urls)
    if len(nodes) == 1:
        only = _normalise(nodes[0])
        if not only:
            raise ValueError("no Rasa replica URLs to route to")
        return only
    return _ring(nodes).pick(conversation_id)


def _split_urls(text: str) -> list[str]:
    urls: list[str] = []
    for part in text.split(","):
        url = _normalise(part)
        if not url:
            continue
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL in RASA_URLS: {url!r}")
        if url not in urls:
            urls.append(url)
    return urls


def rasa_urls_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """The Rasa replicas: ``RASA_URLS`` (comma-separated), else the single default.

    The default is ``RASA_URL``, else ``http://127.0.0.1:$RASA_PORT`` (port 5005), the same
    one Rasa server `make run` starts. URLs come back without trailing slashes, duplicates
    dropped; ValueError for an entry that is not an http(s) URL.
    """
    env = os.environ if environ is None else environ
    urls = _split_urls(env.get("RASA_URLS", ""))
    if urls:
        return urls
    single = _normalise(env.get("RASA_URL", ""))
    if single:
        return [single]
    port = int(env.get("RASA_PORT", "").strip() or DEFAULT_RASA_PORT)
    return [f"http://127.0.0.1:{port}"]
