"""Sign-in (OAuth2 password flow) and admin-created accounts."""

from datetime import timedelta
from typing import Annotated, Literal

from citizeninfo_shared.auth import AdminPrincipal, Principal, Role
from citizeninfo_shared.problems import Problem, RequestModel
from citizeninfo_shared.storable_text import has_control_characters
from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from pin_service.adapters.accounts import AccountStore, UsernameTaken
from pin_service.adapters.login_throttle import LoginThrottle
from pin_service.domain.accounts import MIN_PASSWORD_LENGTH, password_matches

router = APIRouter(tags=["accounts"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int


class UserCreate(RequestModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role
    department_id: str | None = Field(default=None, min_length=1, max_length=32)


class UserPublic(BaseModel):
    username: str
    role: Role
    department_id: str | None
    disabled: bool


async def _accounts(request: Request) -> AccountStore:
    return AccountStore(request.app.state.db)


Accounts = Annotated[AccountStore, Depends(_accounts)]


async def _throttle(request: Request) -> LoginThrottle:
    settings = request.app.state.settings
    return LoginThrottle(
        request.app.state.db,
        max_failures=settings.login_max_failures,
        lockout=timedelta(seconds=settings.login_lockout_seconds),
    )


Throttle = Annotated[LoginThrottle, Depends(_throttle)]


def _locked(seconds: int) -> Problem:
    return Problem(
        429,
        f"Too many wrong passwords for this account; try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="Sign in (OAuth2 password flow)",
    responses={401: {"description": "Wrong credentials or disabled account"}, 429: {"description": "Locked"}},
)
async def sign_in(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], accounts: Accounts, throttle: Throttle
) -> TokenResponse:
    if has_control_characters(form.username):
        # No account can have this name, and the database would answer a NUL in it with an error.
        raise Problem(401, "Wrong username or password.", headers={"WWW-Authenticate": "Bearer"})
    if locked := await throttle.seconds_locked(form.username):
        raise _locked(locked)
    user = await accounts.find(form.username)
    if user is None or not password_matches(user["password_hash"], form.password):
        if locked := await throttle.record_failure(form.username):
            raise _locked(locked)
        raise Problem(401, "Wrong username or password.", headers={"WWW-Authenticate": "Bearer"})
    if user.get("disabled"):
        raise Problem(
            401, "This account is disabled; ask a national administrator.", headers={"WWW-Authenticate": "Bearer"}
        )
    await throttle.clear(form.username)
    principal = Principal(username=user["_id"], role=Role(user["role"]), department_id=user.get("department_id"))
    codec = request.app.state.token_codec
    return TokenResponse(access_token=codec.issue(principal), expires_in=codec.ttl_seconds)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    summary="Create an account",
    responses={409: {"description": "The username is taken"}},
)
async def create_user(body: UserCreate, _admin: AdminPrincipal, accounts: Accounts) -> UserPublic:
    if body.role is Role.AGENCY_STAFF and not body.department_id:
        raise Problem(422, "Agency staff must belong to a department: give department_id.")
    try:
        user = await accounts.create(body.username, body.password, body.role, body.department_id)
    except UsernameTaken as error:
        raise Problem(409, f"The username {body.username!r} is taken.") from error
    return UserPublic(username=user["_id"], role=body.role, department_id=user["department_id"], disabled=False)


class UserUpdate(RequestModel):
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_PASSWORD_LENGTH, max_length=256)
    department_id: str | None = Field(default=None, min_length=1, max_length=32)


def _public(user: dict) -> UserPublic:
    return UserPublic(
        username=user["_id"], role=Role(user["role"]), department_id=user.get("department_id"),
        disabled=bool(user.get("disabled")),
    )  # fmt: skip


@router.get("/users/{username}", response_model=UserPublic, summary="One account (admin)")
async def get_user(username: str, _admin: AdminPrincipal, accounts: Accounts) -> UserPublic:
    user = await accounts.find(username)
    if user is None:
        raise Problem(404, f"No account {username!r}.")
    return _public(user)


@router.patch("/users/{username}", response_model=UserPublic, summary="Disable, enable or change an account (admin)")
async def update_user(username: str, body: UserUpdate, admin: AdminPrincipal, accounts: Accounts) -> UserPublic:
    user = await accounts.find(username)
    if user is None:
        raise Problem(404, f"No account {username!r}.")
    if username == admin.username and body.disabled:
        raise Problem(422, "An administrator cannot disable their own account.")
    if body.department_id is not None and user["role"] != Role.AGENCY_STAFF.value:
        raise Problem(422, "Only agency staff belong to a department.")
    return _public(await accounts.update(username, body.model_dump(exclude_unset=True)))
