"""Web settings read from the environment."""

from __future__ import annotations

import pytest

from bot.web.config import WebSettings, load_web_settings


def test_chat_rate_limit_defaults_and_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CHAT_RATE_LIMIT", raising=False)
    assert load_web_settings().chat_rate_limit == WebSettings.chat_rate_limit
    monkeypatch.setenv("WEB_CHAT_RATE_LIMIT", "120/minute")
    assert load_web_settings().chat_rate_limit == "120/minute"


def test_an_unreadable_rate_limit_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CHAT_RATE_LIMIT", "lots")
    with pytest.raises(ValueError, match=r"WEB_CHAT_RATE_LIMIT='lots'.*30/minute"):
        load_web_settings()
