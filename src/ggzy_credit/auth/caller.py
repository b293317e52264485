"""The authenticated caller: enough to authorise a request and to write its audit line."""

from __future__ import annotations

from dataclasses import dataclass, field

from ggzy_credit.auth.roles import Role


@dataclass(frozen=True)
class Caller:
    """Who is calling, through which credential, for whom and within which scope.

    ``principal`` identifies the person or system behind the call for the four-eyes rule: a user
    (``user:7``, whether through a portal session or a personal token) or a stand-alone system token
    (``token:3``). ``platforms`` is ``None`` when the caller may see every platform.
    """

    token_id: int | None
    name: str
    role: Role
    subject_id: int | None = None
    user_id: int | None = None
    organisation: str | None = None
    subject_ids: frozenset[int] = field(default_factory=frozenset)
    platforms: frozenset[str] | None = None
    scopes: frozenset[str] | None = None
    session_id: int | None = None

    def __post_init__(self) -> None:
        if self.subject_id is not None and self.subject_id not in self.subject_ids:
            object.__setattr__(self, "subject_ids", self.subject_ids | {self.subject_id})

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.name}"

    @property
    def principal(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"token:{self.token_id}"

    @property
    def via_session(self) -> bool:
        return self.session_id is not None

    def acts_for(self, subject_id: int) -> bool:
        return subject_id in self.subject_ids

    def sees_platform(self, platform: str) -> bool:
        return self.platforms is None or platform in self.platforms
