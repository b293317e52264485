"""API shapes for login, accounts and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.auth.roles import Role
from ggzy_credit.web.params import DbId


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, description="用户名")
    password: str = Field(min_length=1, max_length=256, description="密码")
    totp: str | None = Field(default=None, max_length=12, description="动态口令（已开启双因素认证的账号）")


class CallerOut(BaseModel):
    name: str
    role: Role
    organisation: str | None = None
    user_id: int | None = None
    subject_ids: list[int] = Field(default_factory=list, description="账号所代表的经营主体")
    platforms: list[str] | None = Field(default=None, description="授权的平台范围；空为全部平台")
    scopes: list[str] | None = Field(default=None, description="令牌权限范围；空为角色的全部权限")
    via: str = Field(description="session（门户会话）或 token（API 令牌）")


class LoginOut(BaseModel):
    caller: CallerOut
    csrf_token: str = Field(description="修改类请求须在 X-CSRF-Token 头中提供")
    expires_at: datetime


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    role: Role
    display_name: str = Field(min_length=1, max_length=100)
    organisation: str | None = Field(
        default=None, max_length=200, description="所属单位（监管部门、金融机构必填）"
    )
    subject_ids: list[DbId] = Field(
        default_factory=list, max_length=200, description="经营主体账号代表的主体"
    )
    platforms: list[str] | None = Field(
        default=None, max_length=50, description="授权的平台代码；缺省为全部平台"
    )


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    organisation: str | None = None
    subject_ids: list[int] = Field(default_factory=list)
    platforms: list[str] | None = None
    totp_enabled: bool
    locked: bool
    created_at: datetime


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="调用方名称")
    role: Role | None = Field(default=None, description="角色（个人令牌取用户的角色）")
    user_id: DbId | None = Field(default=None, description="个人令牌所属用户")
    subject_id: DbId | None = None
    organisation: str | None = Field(default=None, max_length=200)
    scopes: list[str] | None = Field(
        default=None, max_length=50, description="read、write 或 资源:read|write|*"
    )
    platforms: list[str] | None = Field(default=None, max_length=50)
    valid_days: int | None = Field(default=90, ge=1, le=3650, description="有效天数")


class TokenOut(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str
    user_id: int | None = None
    subject_id: int | None = None
    organisation: str | None = None
    scopes: list[str] | None = None
    platforms: list[str] | None = None
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    rotated_from_id: int | None = None


class TokenCreated(TokenOut):
    token: str = Field(description="令牌本身，只显示这一次")


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_hours: int = Field(default=24, ge=0, le=168, description="旧令牌继续有效的小时数")
