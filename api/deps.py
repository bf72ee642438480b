"""What routes depend on, as `Annotated` aliases: settings, the store, the gate, the token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


def bearer_documented(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Puts the bearer scheme in the OpenAPI document. The token itself is checked in one
    place, `api.middleware.RequestContext`, before any of a request's body is read."""
