"""Signing in to the dashboard: a key exchanged once for an HttpOnly session cookie; who is
signed in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from heron.server.auth import SESSION_COOKIE, SESSION_SECONDS, Authenticator, Caller
from heron.server.deps import ReadDep, StoreDep

router = APIRouter()


class SignIn(BaseModel):
    key: str


def me_json(request: Request, caller: Caller) -> dict[str, Any]:
    return {"user": caller.user, "role": caller.role or ("admin" if caller.open else None),
            "teams": [{"name": n, "role": r} for n, r in sorted(caller.teams.items())],
            "access": request.app.state.access, "via": caller.via}


@router.post("/session")
def sign_in(body: SignIn, request: Request, response: Response, store: StoreDep
            ) -> dict[str, Any]:
    """Exchange an API key for a session cookie (the key is not kept by the browser)."""
    auth: Authenticator = request.app.state.auth
    found = auth.check_key(request, body.key.strip())
    with store.access_session(write=True) as access:
        token = access.create_session(found.key_id, SESSION_SECONDS)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_SECONDS), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    caller = Caller(user=found.user, role=found.role, teams=found.teams, via="session",
                    key_id=found.key_id)
    return me_json(request, caller)


@router.delete("/session")
def sign_out(request: Request, response: Response, store: StoreDep) -> dict[str, bool]:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with store.access_session(write=True) as access:
            access.end_session(token)
        request.app.state.auth.forget()
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return {"signed_out": bool(token)}


@router.get("/me")
def me(request: Request, caller: ReadDep) -> dict[str, Any]:
    """Who the request speaks for: ``via`` is ``key``, ``session`` or ``anonymous``."""
    return me_json(request, caller)
