"""What routes depend on, as `Annotated` aliases: settings, the store, the gate, the token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Unauthorized
from api.gate import Gate
from api.settings import ServiceSettings, get_service_settings
from api.store import Store

_bearer = HTTPBearer(auto_error=False, description="LDB_AUTH_TOKEN, when the operator set one")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _gate(request: Request) -> Gate:
    gate: Gate = request.app.state.gate
    return gate


SettingsDep = Annotated[ServiceSettings, Depends(get_service_settings)]
StoreDep = Annotated[Store, Depends(_store)]
GateDep = Annotated[Gate, Depends(_gate)]


def authorised(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Passes every request when no token is set; else only those bearing it."""
    expected = settings.auth_token
    if expected is None:
        return
    if credentials is None:
        raise Unauthorized("this service needs `Authorization: Bearer <token>`")
    given = credentials.credentials.encode()
    if not secrets.compare_digest(given, expected.get_secret_value().encode()):
        raise Unauthorized("the bearer token is not valid")
