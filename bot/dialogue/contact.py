"""Contact details, collected only from patients who may be eligible and agree to be contacted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.dialogue.state import CONTACT_CONSENT, CONTACT_DETAILS, CONTACT_NAME
from bot.i18n import t

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_NAME = re.compile(r"^[^\d@<>{}/\\]{1,100}$")


def split_details(text: str) -> tuple[str | None, str | None]:
    """(phone, email) found in the text; either may be None."""
    email = _EMAIL.search(text)
    phone = _PHONE.search(text)
    return (phone.group(0).strip() if phone else None, email.group(0) if email else None)


def read_name(text: str) -> str | None:
    """The name typed, or None when it does not look like one."""
    return text if _NAME.match(text) and not text.startswith("/") else None


def read_details(text: str, language: str) -> str | None:
    """The phone number and/or e-mail address typed, as one line; None when there is neither."""
    phone, email = split_details(text)
    if phone and email:
        return t("dialogue.contact.details", language, phone=phone, email=email)
    return phone or email


def next_contact_slot(slots: Mapping[str, Any]) -> str | None:
    """Consent first; name and details only after a yes."""
    if slots.get(CONTACT_CONSENT) is None:
        return CONTACT_CONSENT
    if slots.get(CONTACT_CONSENT) is not True:
        return None
    for slot in (CONTACT_NAME, CONTACT_DETAILS):
        if not slots.get(slot):
            return slot
    return None
