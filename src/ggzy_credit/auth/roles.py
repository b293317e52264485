"""Roles of callers (DESIGN §1)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # 交易中心管理员
    RECORDER = "recorder"  # 分平台信用信息记录员
    REVIEWER = "reviewer"  # 复核员
    REGULATOR = "regulator"  # 行业主管部门、纪检监察、审计、公安
    SUBJECT = "subject"  # 经营主体账号
    BANK = "bank"  # 金融机构


STAFF = frozenset({Role.ADMIN, Role.RECORDER, Role.REVIEWER})
ALL_ROLES = frozenset(Role)
ROLE_LABELS = {
    Role.ADMIN: "交易中心管理员",
    Role.RECORDER: "信用信息记录员",
    Role.REVIEWER: "复核员",
    Role.REGULATOR: "监管部门",
    Role.SUBJECT: "经营主体",
    Role.BANK: "金融机构",
}
