"""bot.web.routing: one Rasa replica per conversation, the same in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from bot.web import routing
from bot.web.routing import HashRing, pick, rasa_urls_from_env

IDS = [f"conv-{n}" for n in range(10_000)]


def replicas(n: int) -> list[str]:
    return [f"http://127.0.0.1:{15005 + i}" for i in range(n)]


def test_the_same_id_always_gets_the_same_replica() -> None:
    urls = replicas(3)
    first = [pick(cid, urls) for cid in IDS[:500]]
    assert [pick(cid, urls) for cid in IDS[:500]] == first
    # the order of the URLs and trailing slashes do not matter
    shuffled = [urls[2] + "/", urls[0], urls[1]]
    assert [pick(cid, shuffled) for cid in IDS[:500]] == first
    assert [HashRing(urls).pick(cid) for cid in IDS[:500]] == first


def test_assignment_is_stable_across_processes() -> None:
    """No dependence on PYTHONHASHSEED: another interpreter with another seed agrees."""
    urls = replicas(4)
    code = (
        "import sys\nfrom bot.web.routing import pick\n"
        f"urls = {urls!r}\n"
        "print(','.join(pick(f'conv-{n}', urls) for n in range(200)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()
    assert out.split(",") == [pick(f"conv-{n}", urls) for n in range(200)]


#: Pinned: changing the hash or the ring layout would move every live conversation.
PINNED = {
    "a": "http://rasa-2:5005",
    "conversation-42": "http://rasa-0:5005",
    "7f3c9e0b1d2a": "http://rasa-1:5005",
}


def test_known_assignments_do_not_change_between_releases() -> None:
    urls = ["http://rasa-0:5005", "http://rasa-1:5005", "http://rasa-2:5005"]
    assert {cid: pick(cid, urls) for cid in PINNED} == PINNED


@pytest.mark.parametrize("n", [2, 3, 4])
def test_ten_thousand_ids_spread_roughly_evenly(n: int) -> None:
    counts = Counter(pick(cid, replicas(n)) for cid in IDS)
    assert set(counts) == set(replicas(n))
    even = len(IDS) / n
    for url, count in counts.items():
        assert abs(count - even) / even < 0.15, (url, count, even)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_adding_a_replica_moves_only_its_share(n: int) -> None:
    before = replicas(n)
    after = replicas(n + 1)
    new = after[-1]
    moved = [cid for cid in IDS if pick(cid, before) != pick(cid, after)]
    # every moved conversation moved to the new replica, none between the old ones
    assert all(pick(cid, after) == new for cid in moved)
    # and about 1/(n+1) of them moved (a modulo hash would move about n/(n+1))
    share = len(moved) / len(IDS)
    assert abs(share - 1 / (n + 1)) < 0.05, share


def test_removing_a_replica_moves_only_its_conversations() -> None:
    before = replicas(4)
    after = before[:2] + before[3:]
    for cid in IDS[:2000]:
        if pick(cid, before) != before[2]:
            assert pick(cid, after) == pick(cid, before)


def test_one_replica_and_no_replica() -> None:
    assert pick("anything", ["http://127.0.0.1:5005/"]) == "http://127.0.0.1:5005"
    with pytest.raises(ValueError):
        pick("anything", [])
    with pytest.raises(ValueError):
        HashRing(["  "])
    with pytest.raises(ValueError):
        HashRing(replicas(2), vnodes=0)


def test_rasa_urls_from_env() -> None:
    env = {"RASA_URLS": " http://a:5005/, http://b:5005 ,,http://a:5005", "RASA_URL": "x"}
    assert rasa_urls_from_env(env) == ["http://a:5005", "http://b:5005"]
    assert rasa_urls_from_env({"RASA_URL": "http://rasa:5005/"}) == ["http://rasa:5005"]
    assert rasa_urls_from_env({"RASA_URLS": " , ", "RASA_PORT": "6000"}) == [
        "http://127.0.0.1:6000"
    ]
    assert rasa_urls_from_env({}) == [f"http://127.0.0.1:{routing.DEFAULT_RASA_PORT}"]
    with pytest.raises(ValueError, match="not an http"):
        rasa_urls_from_env({"RASA_URLS": "rasa-0:5005"})


def test_rasa_urls_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_URLS", "http://127.0.0.1:15005,http://127.0.0.1:15006")
    assert rasa_urls_from_env() == ["http://127.0.0.1:15005", "http://127.0.0.1:15006"]
