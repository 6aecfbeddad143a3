"""Sign-in (OAuth2 password flow), one's own password, and admin-managed accounts."""

from typing import Annotated, Literal

from citizeninfo_shared.auth import AdminPrincipal, CurrentPrincipal, Principal, Role
from citizeninfo_shared.problems import Problem, RequestModel
from citizeninfo_shared.storable_text import has_control_characters
from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from pin_service.adapters.accounts import AccountStore, LastAdministrator, UsernameTaken
from pin_service.adapters.login_throttle import LoginThrottle
from pin_service.adapters.password_work import PasswordWork
from pin_service.api.client_address import ClientPseudonym
from pin_service.domain.accounts import MIN_PASSWORD_LENGTH

router = APIRouter(tags=["accounts"])

WRONG_CREDENTIALS = "Wrong username or password."
BEARER = {"WWW-Authenticate": "Bearer"}


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int


class UserCreate(RequestModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role
    department_id: str | None = Field(default=None, min_length=1, max_length=32)


class UserUpdate(RequestModel):
    """Fields left out (or null) stay as they are. `password` resets another account's password; one's
    own is changed with POST /auth/password and the current one."""

    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_PASSWORD_LENGTH, max_length=256)
    department_id: str | None = Field(default=None, min_length=1, max_length=32)
    role: Role | None = None


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)


class UserPublic(BaseModel):
    username: str
    role: Role
    department_id: str | None
    disabled: bool


async def _accounts(request: Request) -> AccountStore:
    return request.app.state.account_store


async def _sign_in_throttle(request: Request) -> LoginThrottle:
    return request.app.state.sign_in_throttle


async def _password_change_throttle(request: Request) -> LoginThrottle:
    return request.app.state.password_change_throttle


async def _password_work(request: Request) -> PasswordWork:
    return request.app.state.password_work


Accounts = Annotated[AccountStore, Depends(_accounts)]
SignInThrottle = Annotated[LoginThrottle, Depends(_sign_in_throttle)]
PasswordChangeThrottle = Annotated[LoginThrottle, Depends(_password_change_throttle)]
Passwords = Annotated[PasswordWork, Depends(_password_work)]


def _throttled(seconds: int) -> Problem:
    return Problem(
        429,
        f"Too many wrong passwords from here for this account; try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )


def _token(request: Request, user: dict) -> TokenResponse:
    principal = Principal(
        username=user["_id"],
        role=Role(user["role"]),
        department_id=user.get("department_id"),
        token_epoch=int(user.get("token_epoch") or 0),
    )
    codec = request.app.state.token_codec
    return TokenResponse(access_token=codec.issue(principal), expires_in=codec.ttl_seconds)


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="Sign in (OAuth2 password flow)",
    responses={
        401: {"description": "Wrong credentials or disabled account"},
        429: {"description": "Too many wrong passwords from this client for this account: wait Retry-After"},
    },
)
async def sign_in(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    client: ClientPseudonym,
    accounts: Accounts,
    throttle: SignInThrottle,
    passwords: Passwords,
) -> TokenResponse:
    if has_control_characters(form.username):
        # No account can have this name, and the database would answer a NUL in it with an error.
        raise Problem(401, WRONG_CREDENTIALS, headers=BEARER)
    if wait := await throttle.seconds_to_wait(client, form.username):
        raise _throttled(wait)
    user = await accounts.find(form.username)
    # An unknown user costs the same argon2 work as a known one: timing does not tell them apart.
    if not await passwords.verify(user["password_hash"] if user else None, form.password) or user is None:
        await throttle.record_failure(client, form.username)
        raise Problem(401, WRONG_CREDENTIALS, headers=BEARER)
    if user.get("disabled"):
        raise Problem(401, "This account is disabled; ask a national administrator.", headers=BEARER)
    await throttle.clear(client, form.username)
    return _token(request, user)


@router.post(
    "/auth/password",
    response_model=TokenResponse,
    summary="Change one's own password (the current one is required)",
    description="Every token issued before the change is refused from then on; a fresh one is returned.",
    responses={
        403: {"description": "The current password is wrong"},
        429: {"description": "Too many wrong current passwords: wait Retry-After"},
    },
)
async def change_own_password(
    request: Request,
    body: PasswordChange,
    principal: CurrentPrincipal,
    client: ClientPseudonym,
    accounts: Accounts,
    throttle: PasswordChangeThrottle,
    passwords: Passwords,
) -> TokenResponse:
    if wait := await throttle.seconds_to_wait(client, principal.username):
        raise _throttled(wait)
    user = await accounts.find(principal.username)
    if user is None or user.get("disabled"):
        raise Problem(401, "This account no longer exists or is disabled.", headers=BEARER)
    if not await passwords.verify(user["password_hash"], body.current_password):
        await throttle.record_failure(client, principal.username)
        raise Problem(403, "The current password is wrong.")
    await throttle.clear(client, principal.username)
    changed = await accounts.update(
        principal.username, {"password": True}, password_hash=await passwords.hash(body.new_password)
    )
    if changed is None:
        raise Problem(401, "This account no longer exists.", headers=BEARER)
    return _token(request, changed)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    summary="Create an account",
    responses={409: {"description": "The username is taken"}},
)
async def create_user(body: UserCreate, _admin: AdminPrincipal, accounts: Accounts, passwords: Passwords) -> UserPublic:
    if body.role is Role.AGENCY_STAFF and not body.department_id:
        raise Problem(422, "Agency staff must belong to a department: give department_id.")
    try:
        user = await accounts.create(body.username, await passwords.hash(body.password), body.role, body.department_id)
    except UsernameTaken as error:
        raise Problem(409, f"The username {body.username!r} is taken.") from error
    return UserPublic(username=user["_id"], role=body.role, department_id=user["department_id"], disabled=False)


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


@router.patch(
    "/users/{username}",
    response_model=UserPublic,
    summary="Disable, enable, reset the password of, move or change the role of another account (admin)",
    responses={409: {"description": "It would leave no enabled national administrator"}},
)
async def update_user(
    username: str, body: UserUpdate, admin: AdminPrincipal, accounts: Accounts, passwords: Passwords
) -> UserPublic:
    changes = {field: value for field, value in body.model_dump(exclude_unset=True).items() if value is not None}
    user = await accounts.find(username)
    if user is None:
        raise Problem(404, f"No account {username!r}.")
    if username == admin.username and "password" in changes:
        raise Problem(403, "Change your own password with POST /auth/password, giving the current one.")
    if username == admin.username and changes.get("disabled"):
        raise Problem(422, "An administrator cannot disable their own account.")
    role = changes.get("role", Role(user["role"]))
    if role is Role.ADMIN:
        if "department_id" in changes:
            raise Problem(422, "Only agency staff belong to a department.")
        if user["role"] != Role.ADMIN.value:
            changes["department_id"] = None
    elif not (changes.get("department_id") or user.get("department_id")):
        raise Problem(422, "Agency staff must belong to a department: give department_id.")
    password_hash = await passwords.hash(changes["password"]) if "password" in changes else None
    try:
        updated = await accounts.update(username, changes, password_hash=password_hash)
    except LastAdministrator as error:
        raise Problem(409, "This is the last enabled national administrator; it must stay one.") from error
    if updated is None:
        raise Problem(404, f"No account {username!r}.")
    return _public(updated)
