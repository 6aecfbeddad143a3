"""Sign-in (OAuth2 password flow) and admin-created accounts."""

from typing import Annotated, Literal

from citizeninfo_shared.auth import AdminPrincipal, Principal, Role
from citizeninfo_shared.problems import Problem, RequestModel
from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from pin_service.adapters.accounts import AccountStore, UsernameTaken
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


def _accounts(request: Request) -> AccountStore:
    return AccountStore(request.app.state.db)


Accounts = Annotated[AccountStore, Depends(_accounts)]


@router.post("/auth/token", response_model=TokenResponse, summary="Sign in (OAuth2 password flow)")
async def sign_in(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], accounts: Accounts
) -> TokenResponse:
    user = await accounts.find(form.username)
    if user is None or user.get("disabled") or not password_matches(user["password_hash"], form.password):
        raise Problem(
            401, "Wrong username or password, or the account is disabled.", headers={"WWW-Authenticate": "Bearer"}
        )
    principal = Principal(username=user["_id"], role=Role(user["role"]), department_id=user.get("department_id"))
    codec = request.app.state.token_codec
    return TokenResponse(access_token=codec.issue(principal), expires_in=codec.ttl_seconds)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic, summary="Create an account")
async def create_user(body: UserCreate, _admin: AdminPrincipal, accounts: Accounts) -> UserPublic:
    if body.role is Role.AGENCY_STAFF and not body.department_id:
        raise Problem(422, "Agency staff must belong to a department: give department_id.")
    try:
        user = await accounts.create(body.username, body.password, body.role, body.department_id)
    except UsernameTaken as error:
        raise Problem(409, f"The username {body.username!r} is taken.") from error
    return UserPublic(username=user["_id"], role=body.role, department_id=user["department_id"], disabled=False)
