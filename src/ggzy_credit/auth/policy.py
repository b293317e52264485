"""Route policies: who may call a route and on whose data — declared per route, read from the app.

Every route declares exactly one kind of policy through a dependency: ``allow(*roles, own=…)``
(authenticated) or ``public()`` (no login). The dependency carries its ``Policy`` as the attribute
``policy``; ``policies_of(route)`` finds it by walking the route's dependency tree, which is how the
access matrix (``docs/access.md``) and the tests enumerate the whole application. The enforcement
itself is ``ggzy_credit.auth.guard`` — one function for every route.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ggzy_credit.auth.roles import Role

# Framework routes that cannot carry dependencies and are public by nature (the published API schema).
FRAMEWORK_PUBLIC = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Policy:
    """``roles`` may call the route; a role in ``own`` only for subjects it acts for.

    ``own`` needs a subject the request is about: a ``subject_id`` path parameter, or one resolved from
    ``record_id`` / ``sha256`` (the record's subject). A route restricted to own data without such a
    parameter refuses the restricted roles (fail closed).

    ``nonpublic`` (default): the route reads non-public credit data — each read is written to the
    audit trail and regulators must state a purpose. Writes are audited whatever the flag says.
    ``rate`` names a per-IP rate bucket (``login``, ``search``, ``public``). ``audit=False`` (public
    routes only) skips the anonymous write line for routes that log themselves (login).
    """

    roles: frozenset[Role]
    own: frozenset[Role] = frozenset()
    nonpublic: bool = True
    public: bool = False
    rate: str | None = None
    audit: bool = True

    @classmethod
    def of(
        cls,
        roles: Iterable[Role],
        *,
        own: Role | Iterable[Role] = (),
        nonpublic: bool = True,
        rate: str | None = None,
    ) -> Policy:
        roles = frozenset(Role(r) for r in roles)
        own_set = frozenset({Role(own)} if isinstance(own, str) else (Role(r) for r in own))
        if not roles:
            raise ValueError("a policy needs at least one role; use public() for routes without login")
        if not own_set <= roles:
            raise ValueError(f"own-data roles {sorted(own_set - roles)} are not among the allowed roles")
        return cls(roles=roles, own=own_set, nonpublic=nonpublic, rate=rate)

    @classmethod
    def public_route(cls, rate: str | None = "public", audit: bool = True) -> Policy:
        return cls(roles=frozenset(Role), nonpublic=False, public=True, rate=rate, audit=audit)

    def admits(self, role: Role) -> bool:
        return self.public or role in self.roles

    def cell(self, role: Role) -> str:
        """The access-matrix cell for ``role``: ✓, ``own`` or –."""
        if self.public or (role in self.roles and role not in self.own):
            return "✓"
        return "own" if role in self.own else "–"


def combine(policies: Iterable[Policy]) -> Policy | None:
    """Several guards on one route all apply: roles intersect, own-data restrictions add up."""
    found = [p for p in policies if not p.public] or list(policies)
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    roles = frozenset.intersection(*(p.roles for p in found))
    own = frozenset.union(*(p.own for p in found)) & roles
    return Policy(
        roles=roles,
        own=own,
        nonpublic=any(p.nonpublic for p in found),
        public=all(p.public for p in found),
        rate=next((p.rate for p in found if p.rate), None),
        audit=all(p.audit for p in found),
    )


def policies_of(route: Any) -> list[Policy]:
    """Every policy declared on a FastAPI route (through its dependencies, at any depth)."""
    dependant = getattr(route, "dependant", None)
    return list(_walk(dependant)) if dependant is not None else []


def _walk(dependant: Any) -> Iterator[Policy]:
    policy = getattr(dependant.call, "policy", None)
    if isinstance(policy, Policy):
        yield policy
    for sub in dependant.dependencies:
        yield from _walk(sub)


def policy_of(route: Any) -> Policy | None:
    return combine(policies_of(route))


def api_routes(app: Any) -> Iterator[tuple[str, str, Any]]:
    """(method, full path, route) for every HTTP route of ``app`` (included routers flattened),
    HEAD and OPTIONS left out. ``policies_of`` accepts the route objects yielded here."""
    try:  # FastAPI ≥ 0.13x keeps included routers lazily; this walks them with their prefixes.
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI flattens routes on include
        routes: Iterable[Any] = app.routes
    else:
        routes = iter_route_contexts(app.routes)
    for route in routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            if method not in ("HEAD", "OPTIONS"):
                yield method, route.path, route
