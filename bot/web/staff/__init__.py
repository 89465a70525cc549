"""The staff review app under /staff: login, screenings, flags, exports, dashboard, audit.

`router` is included by `bot.web.app.create_app`; `create_user` backs the CLI's
``prescreen create-user --role ROLE USERNAME`` (password read from stdin by the CLI).
"""

from fastapi import APIRouter

from bot.web.staff import auth, dashboard, exports, screenings
from bot.web.staff.auth import create_user, require_staff

router = APIRouter()
router.include_router(auth.router)
router.include_router(screenings.router)
router.include_router(exports.router)
router.include_router(dashboard.router)

__all__ = ["create_user", "require_staff", "router"]
