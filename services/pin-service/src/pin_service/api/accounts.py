"""Sign-in (OAuth2 password flow), one's own password, a first password from a setup code, and the
accounts managed by national administrators and department coordinators (domain/account_rights.py)."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from citizeninfo_shared.auth import CurrentPrincipal, Principal, Role
from citizeninfo_shared.problems import Problem, RequestModel
from citizeninfo_shared.storable_text import has_control_characters
from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import AfterValidator, BaseModel, Field

from pin_service.adapters.accounts import AccountStore, LastAdministrator, UsernameTaken
from pin_service.adapters.login_throttle import LoginThrottle
from pin_service.adapters.password_work import PasswordWork
from pin_service.api.client_address import ClientPseudonym
from pin_service.domain.account_import import EMAIL_MAX, USERNAME_MAX, USERNAME_MIN, USERNAME_PATTERN, valid_email
from pin_service.domain.account_rights import NOT_A_MANAGER, Refusal, Verdict, may_change, may_create, may_see
from pin_service.domain.accounts import MIN_PASSWORD_LENGTH, SetupCode, new_setup_code, setup_code_matches

router = APIRouter(tags=["accounts"])

WRONG_CREDENTIALS = "Wrong username or password."
BEARER = {"WWW-Authenticate": "Bearer"}


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int


def _checked_email(email: str) -> str:
    if not valid_email(email):
        raise ValueError("not a valid e-mail address")
    return email


class UserCreate(RequestModel):
    """Without `password` the account gets a one-time setup code instead (in the answer, shown once)."""

    username: str = Field(min_length=USERNAME_MIN, max_length=USERNAME_MAX, pattern=USERNAME_PATTERN)
    password: str | None = Field(default=None, min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role
    department_id: str | None = Field(default=None, min_length=1, max_length=32)
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Annotated[str, AfterValidator(_checked_email)] | None = Field(default=None, max_length=EMAIL_MAX)


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


class SetupPassword(RequestModel):
    username: str = Field(min_length=1, max_length=USERNAME_MAX)
    setup_code: str = Field(min_length=1, max_length=64)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)


class UserPublic(BaseModel):
    username: str
    role: Role
    department_id: str | None
    disabled: bool
    display_name: str | None = None
    email: str | None = None
    # False until the holder of a setup code has chosen a password.
    has_password: bool = True


class UserCreated(UserPublic):
    """The created account; when it was created without a password, its one-time setup code."""

    setup_code: str | None = None
    setup_code_expires_at: datetime | None = None


class SetupCodeIssued(BaseModel):
    username: str
    setup_code: str
    setup_code_expires_at: datetime


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


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
        raise Problem(401, "This account is disabled; ask your coordinator or an administrator.", headers=BEARER)
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
    "/auth/setup-password",
    response_model=TokenResponse,
    summary="Choose the first password of an account with its one-time setup code",
    description="For accounts created without a password (CSV import, approved registration requests, or "
    "`POST /users` without one) or after a reset: the code is used up, every older token is refused, and "
    "a token is returned. A wrong, used or expired code is 401, throttled like sign-in (429).",
    responses={401: {"description": "Wrong, used or expired setup code"}, 429: {"description": "Wait Retry-After"}},
)
async def setup_password(
    request: Request,
    body: SetupPassword,
    response: Response,
    client: ClientPseudonym,
    accounts: Accounts,
    throttle: SignInThrottle,
    passwords: Passwords,
) -> TokenResponse:
    response.headers.update(NO_STORE)
    if wait := await throttle.seconds_to_wait(client, body.username):
        raise _throttled(wait)
    user = await accounts.find(body.username)
    if user is None or not setup_code_matches(user, body.setup_code, datetime.now(UTC)):
        await throttle.record_failure(client, body.username)
        raise Problem(401, "Wrong, used or expired setup code; ask your coordinator for a new one.", headers=BEARER)
    if user.get("disabled"):
        raise Problem(401, "This account is disabled; ask your coordinator.", headers=BEARER)
    await throttle.clear(client, body.username)
    changed = await accounts.update(
        body.username, {"password": True}, password_hash=await passwords.hash(body.new_password)
    )
    if changed is None:
        raise Problem(401, "This account no longer exists.", headers=BEARER)
    return _token(request, changed)


def _refused(refusal: Refusal, username: str) -> Problem:
    if refusal.verdict is Verdict.HIDDEN:
        return _no_account(username)
    return Problem(403, f"{refusal.detail_th} — {refusal.detail}", detail_th=refusal.detail_th)


def _no_account(username: str) -> Problem:
    return Problem(404, f"ไม่พบบัญชี {username!r} — no account {username!r}.")


def setup_code_ttl(request: Request) -> timedelta:
    return timedelta(days=request.app.state.settings.account_setup_code_ttl_days)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserCreated,
    summary="Create an account (admin: any; department coordinator: staff of its department)",
    description="Without `password`, the account has none until its holder chooses one with the one-time "
    "`setup_code` of the answer (`POST /auth/setup-password`); the answer is then not to be stored.",
    responses={403: {"description": "Not within the caller's rights"}, 409: {"description": "The username is taken"}},
)
async def create_user(
    request: Request,
    response: Response,
    body: UserCreate,
    principal: CurrentPrincipal,
    accounts: Accounts,
    passwords: Passwords,
) -> UserCreated:
    if (refusal := may_create(principal, body.role, body.department_id)).verdict is not Verdict.ALLOWED:
        raise _refused(refusal, body.username)
    if body.role is not Role.ADMIN and not body.department_id:
        raise Problem(422, "Agency staff and coordinators must belong to a department: give department_id.")
    setup: SetupCode | None = None
    if body.password is None:
        setup = new_setup_code(datetime.now(UTC), setup_code_ttl(request))
        response.headers.update(NO_STORE)
    password_hash = await passwords.hash(body.password) if body.password is not None else None
    try:
        user = await accounts.create(
            body.username,
            password_hash,
            body.role,
            body.department_id,
            display_name=body.display_name,
            email=body.email,
            setup=setup,
            created_by=principal.username,
        )
    except UsernameTaken as error:
        raise Problem(409, f"The username {body.username!r} is taken.") from error
    created = UserCreated(**user_view(user).model_dump())
    if setup is not None:
        created.setup_code, created.setup_code_expires_at = setup.code, setup.expires_at
    return created


def user_view(user: dict) -> UserPublic:
    return UserPublic(
        username=user["_id"], role=Role(user["role"]), department_id=user.get("department_id"),
        disabled=bool(user.get("disabled")), display_name=user.get("display_name"), email=user.get("email"),
        has_password=user.get("password_hash") is not None,
    )  # fmt: skip


async def _managed(principal: Principal, username: str, accounts: AccountStore) -> dict:
    """The account, if the caller manages accounts and may see this one; else 403 (not a manager) or
    the same 404 as for an account that does not exist."""
    if not (principal.is_admin or principal.is_coordinator):
        raise _refused(NOT_A_MANAGER, username)
    user = await accounts.find(username)
    if user is None or not may_see(principal, user):
        raise _no_account(username)
    return user


@router.get(
    "/users/{username}",
    response_model=UserPublic,
    summary="One account (admin; department coordinator: its department's accounts)",
)
async def get_user(username: str, principal: CurrentPrincipal, accounts: Accounts) -> UserPublic:
    return user_view(await _managed(principal, username, accounts))


@router.post(
    "/users/{username}:setup-code",
    response_model=SetupCodeIssued,
    summary="Reset an account's password to a new one-time setup code (admin; coordinator: its staff)",
    description="The account's password and every token issued before stop working at once; its holder "
    "chooses a new password with the code (`POST /auth/setup-password`). Shown once: not to be stored.",
)
async def issue_setup_code(
    request: Request, response: Response, username: str, principal: CurrentPrincipal, accounts: Accounts
) -> SetupCodeIssued:
    user = await _managed(principal, username, accounts)
    if (refusal := may_change(principal, user, {"password"})).verdict is not Verdict.ALLOWED:
        raise _refused(refusal, username)
    if username == principal.username:
        raise Problem(403, "Change your own password with POST /auth/password, giving the current one.")
    setup = new_setup_code(datetime.now(UTC), setup_code_ttl(request))
    try:
        updated = await accounts.update(username, {"password": True}, setup=setup)
    except LastAdministrator as error:  # not reached: a reset keeps the role; kept for completeness
        raise Problem(409, "This is the last enabled national administrator; it must stay one.") from error
    if updated is None:
        raise _no_account(username)
    response.headers.update(NO_STORE)
    return SetupCodeIssued(username=username, setup_code=setup.code, setup_code_expires_at=setup.expires_at)


@router.patch(
    "/users/{username}",
    response_model=UserPublic,
    summary="Disable, enable, reset the password of, move or change the role of another account "
    "(admin; department coordinator: disable, enable or reset the password of its staff)",
    responses={409: {"description": "It would leave no enabled national administrator"}},
)
async def update_user(
    username: str, body: UserUpdate, admin: CurrentPrincipal, accounts: Accounts, passwords: Passwords
) -> UserPublic:
    changes = {field: value for field, value in body.model_dump(exclude_unset=True).items() if value is not None}
    user = await _managed(admin, username, accounts)
    if (refusal := may_change(admin, user, changes.keys())).verdict is not Verdict.ALLOWED:
        raise _refused(refusal, username)
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
        raise Problem(422, "Agency staff and coordinators must belong to a department: give department_id.")
    password_hash = await passwords.hash(changes["password"]) if "password" in changes else None
    try:
        updated = await accounts.update(username, changes, password_hash=password_hash)
    except LastAdministrator as error:
        raise Problem(409, "This is the last enabled national administrator; it must stay one.") from error
    if updated is None:
        raise _no_account(username)
    return user_view(updated)
