"""The Shanghai rule, set-based: every (subject, platform)'s score timeline in one SQL statement.

The pure rule (``scoring.rule``) walks one subject's deductions; this module computes the same
answer for millions of subjects at once with window functions, on SQLite and PostgreSQL.

Why a window query can do it: a cycle's end is always its *last* deduction's date + 12 months, so a
deduction starts a new cycle exactly when its date is on or after ``add_months(previous deduction,
12)`` — a LAG over the subject's counting deductions ordered by date. Running sums then give the
points of the current cycle on each deduction day, and each deduction day opens a segment that lasts
until the next deduction day or the cycle end, whichever comes first.

Repairs (``until``) change which deductions exist from a date on, which can change the cycle structure
itself, so a subject with repairs is evaluated once per *epoch* (between consecutive repair dates)
with the deductions alive in it, and each epoch's segments are clipped to the epoch. Segments are
finally split where the platform's standard in force changes (the label comes from its bands) and
capped at the horizon: nothing is said about days after it (``valid_to`` NULL = still open then).

Output rows: ``(subject_id, platform_id, valid_from, valid_to, score, points, label, standard_id,
cycle_start, cycle_end)`` for the periods with an open cycle; every other day scores 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from ggzy_credit.records.events import REMOVING, EventKind, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring.rule import FULL_SCORE
from ggzy_credit.scoring.sqlfuncs import cycle_end_of, greatest, least
from ggzy_credit.standards.models import Platform, Standard
from ggzy_credit.standards.service import in_force

BEGINNING = date(1, 1, 1)  # start of the first epoch / of the "no standard yet" period
FOREVER = date(9999, 12, 31)  # an open end while computing; becomes NULL in the output

_tmp = MetaData()


def _temp(name: str, *columns: Column) -> Table:  # type: ignore[type-arg]
    return Table(name, _tmp, *columns, prefixes=["TEMPORARY"])


PAIRS = _temp(
    "_score_pairs",
    Column("subject_id", Integer, primary_key=True),
    Column("platform_id", Integer, primary_key=True),
)
PERIODS = _temp(
    "_score_periods",
    Column("platform_id", Integer),
    Column("standard_id", Integer),
    Column("p_from", Date),
    Column("p_to", Date),
)
# One row per (standard, score 0–100): the label is then an equality join, not a range test per band.
LABELS = _temp(
    "_score_labels",
    Column("standard_id", Integer, primary_key=True),
    Column("score", Integer, primary_key=True),
    Column("label", String(16)),
)
FRESH = _temp(
    "_score_fresh",
    Column("subject_id", Integer),
    Column("platform_id", Integer),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("score", Integer),
    Column("points", Integer),
    Column("label", String(16)),
    Column("standard_id", Integer),
    Column("cycle_start", Date),
    Column("cycle_end", Date),
)
CHANGED = _temp(
    "_score_changed",
    Column("subject_id", Integer, primary_key=True),
    Column("platform_id", Integer, primary_key=True),
)
TEMP_TABLES = (PAIRS, PERIODS, LABELS, FRESH, CHANGED)
HISTORY_COLUMNS = [c.name for c in FRESH.columns]


def prepare_temp_tables(session: Session) -> None:
    """Create the work tables on this connection if needed, and empty them.

    They are reused rather than dropped: PostgreSQL keeps a lock per table created in a transaction,
    so creating fresh ones for every evaluation would exhaust the lock table when many re-evaluations
    share one transaction.
    """
    conn = session.connection()
    for table in TEMP_TABLES:
        conn.execute(CreateTable(table, if_not_exists=True))
    if conn.dialect.name == "sqlite":  # SQLite joins by index lookups only (no hash joins): give it one
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {FRESH.name}_key ON {FRESH.name} "
                "(subject_id, platform_id, valid_from)"
            )
        )
    clear_temp_tables(session)


def clear_temp_tables(session: Session) -> None:
    conn = session.connection()
    verb = "TRUNCATE TABLE" if conn.dialect.name == "postgresql" else "DELETE FROM"
    for table in TEMP_TABLES:
        conn.execute(text(f"{verb} {table.name}"))


def analyze(session: Session, *tables: Table) -> None:
    """PostgreSQL never auto-analyzes temporary tables; without statistics it guesses join plans."""
    if session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f"ANALYZE {table.name}"))


@dataclass(frozen=True)
class Period:
    platform_id: int
    standard_id: int | None
    start: date
    end: date  # exclusive; FOREVER when open


def standard_periods(session: Session, horizon: date) -> tuple[list[Period], dict[int, list[dict]]]:  # type: ignore[type-arg]
    """Per platform, which standard is in force when (``standards.service.in_force``), up to ``horizon``.

    Before a platform's first standard there is a period with no standard (no label). Also returns the
    bands of every standard that appears, by standard id.
    """
    periods: list[Period] = []
    bands: dict[int, list[dict]] = {}  # type: ignore[type-arg]
    versions = session.scalars(select(Standard)).all()
    for platform_id in session.scalars(select(Platform.id)).all():
        own = [s for s in versions if s.platform_id == platform_id]
        starts = sorted(
            {
                s.effective_from
                for s in own
                if s.status == "filed" and s.effective_from and s.effective_from <= horizon
            }
        )
        edges = [BEGINNING, *starts, FOREVER]
        for i, start in enumerate(edges[:-1]):
            chosen = in_force(own, start) if start != BEGINNING else None
            periods.append(Period(platform_id, chosen.id if chosen else None, start, edges[i + 1]))
            if chosen is not None:
                bands[chosen.id] = list((chosen.rules or {}).get("bands", []))
    return periods, bands


def fill_standards(session: Session, horizon: date) -> None:
    periods, bands = standard_periods(session, horizon)
    session.execute(
        PERIODS.insert(),
        [
            {"platform_id": p.platform_id, "standard_id": p.standard_id, "p_from": p.start, "p_to": p.end}
            for p in periods
        ],
    )
    rows = [
        {"standard_id": sid, "score": score, "label": b["label"]}
        for sid, standard_bands in bands.items()
        for b in standard_bands
        for score in range(max(0, b["min"]), min(FULL_SCORE, b["max"]) + 1)
    ]
    if rows:
        session.execute(LABELS.insert(), rows)
    analyze(session, PERIODS, LABELS)


def timeline(horizon: date, *, only_pairs: bool) -> Select:  # type: ignore[type-arg]
    """The score timeline of every pair (or of the pairs in ``_score_pairs``), known on ``horizon``."""
    r = CreditRecord.__table__
    ev = RecordEvent.__table__
    h = literal(horizon, Date)
    start_of_time = literal(BEGINNING, Date)
    forever = literal(FOREVER, Date)

    # Repairs that stop counting, by record (few). A plain subquery where records are joined to it, so the
    # planner sees how small it is; the pairs with repairs come from a separate copy, computed once.
    def repaired_query():  # type: ignore[no-untyped-def]
        return (
            select(ev.c.record_id, func.min(ev.c.effective_on).label("until"))
            .where(
                ev.c.kind == EventKind.REPAIRED.value, ev.c.stops_counting.is_(True), ev.c.effective_on <= h
            )
            .group_by(ev.c.record_id)
        )

    repaired = repaired_query().subquery("repaired")
    removed = exists().where(ev.c.record_id == r.c.id, ev.c.kind.in_(REMOVING))
    known = (r.c.points > 0, r.c.deducted_on <= h, ~removed)  # a deduction, known on h, not revoked
    counting = (*known, or_(repaired.c.until.is_(None), repaired.c.until > r.c.deducted_on))
    source = r.outerjoin(repaired, repaired.c.record_id == r.c.id)
    if only_pairs:
        source = source.join(
            PAIRS, and_(PAIRS.c.subject_id == r.c.subject_id, PAIRS.c.platform_id == r.c.platform_id)
        )
    # Every counting deduction in the first epoch (which starts at the beginning of time).
    base = (
        select(
            r.c.subject_id.label("s"),
            r.c.platform_id.label("p"),
            r.c.deducted_on.label("day"),
            r.c.id,
            r.c.points.label("pts"),
            start_of_time.label("e_from"),
        )
        .select_from(source)
        .where(*counting)
    )

    # Epochs: only pairs with a repair have more than one. Found from the (few) repair events, so the
    # common case costs no extra pass over the records.
    own = repaired_query().subquery("own_repairs")
    repairs_from = own.join(r, r.c.id == own.c.record_id)
    if only_pairs:
        repairs_from = repairs_from.join(
            PAIRS, and_(PAIRS.c.subject_id == r.c.subject_id, PAIRS.c.platform_id == r.c.platform_id)
        )
    repairs = (
        select(r.c.subject_id.label("s"), r.c.platform_id.label("p"), own.c.until)
        .select_from(repairs_from)
        .where(*known, own.c.until > r.c.deducted_on)
        .cte("repairs")
    )
    epoch_starts = union(
        select(repairs.c.s, repairs.c.p, repairs.c.until.label("e_from")),
        select(repairs.c.s, repairs.c.p, start_of_time.label("e_from")),
    ).subquery("epoch_starts")
    bounds = select(
        epoch_starts.c.s,
        epoch_starts.c.p,
        epoch_starts.c.e_from,
        func.lead(epoch_starts.c.e_from, type_=Date)
        .over(partition_by=(epoch_starts.c.s, epoch_starts.c.p), order_by=epoch_starts.c.e_from)
        .label("e_to"),
    ).cte("bounds")
    later_epochs = (
        select(r.c.subject_id, r.c.platform_id, r.c.deducted_on, r.c.id, r.c.points, bounds.c.e_from)
        .select_from(
            bounds.join(r, and_(r.c.subject_id == bounds.c.s, r.c.platform_id == bounds.c.p)).outerjoin(
                repaired, repaired.c.record_id == r.c.id
            )
        )
        .where(
            *counting,
            bounds.c.e_from > start_of_time,
            or_(repaired.c.until.is_(None), repaired.c.until > bounds.c.e_from),
        )
    )
    days = union_all(base, later_epochs).subquery("days")

    # Ordered by (date, id): several deductions on one day are walked one after the other; all but the
    # last of them get an empty segment (their next day is the same day), which is dropped below.
    # One frame for every window function, so PostgreSQL computes them in a single pass per level.
    def window(t):  # type: ignore[no-untyped-def]
        return {"partition_by": (t.c.s, t.c.p, t.c.e_from), "order_by": (t.c.day, t.c.id), "rows": (None, 0)}

    walked = select(
        days.c.s,
        days.c.p,
        days.c.e_from,
        days.c.day,
        days.c.id,
        days.c.pts,
        func.lag(days.c.day, type_=Date).over(**window(days)).label("prev_day"),
        func.lead(days.c.day, type_=Date).over(**window(days)).label("next_day"),
        cast(func.sum(days.c.pts).over(**window(days)), Integer).label("cum"),
    ).subquery("walked")
    # 评估周期内新增扣分 joins the cycle; a deduction on or after the previous one + 12 months starts anew.
    starts = or_(walked.c.prev_day.is_(None), walked.c.day >= cycle_end_of(walked.c.prev_day))
    flagged = select(
        walked.c.s,
        walked.c.p,
        walked.c.e_from,
        walked.c.day,
        walked.c.id,
        walked.c.next_day,
        walked.c.cum,
        case((starts, walked.c.cum - walked.c.pts), else_=None).label("base"),
        case((starts, walked.c.day), else_=None).label("first_day"),
    ).subquery("flagged")
    # Bases and first days only grow along a pair, so a running MAX finds the current cycle's.
    cycled = select(
        flagged.c.s,
        flagged.c.p,
        flagged.c.e_from,
        flagged.c.day,
        flagged.c.next_day,
        (flagged.c.cum - func.max(flagged.c.base).over(**window(flagged))).label("points"),
        func.max(flagged.c.first_day).over(**window(flagged)).label("cycle_start"),
        cycle_end_of(flagged.c.day).label("cycle_end"),
    ).subquery("cycled")

    segments = (
        select(
            cycled.c.s,
            cycled.c.p,
            greatest(cycled.c.day, cycled.c.e_from).label("v_from"),
            least(
                func.coalesce(cycled.c.next_day, forever),
                cycled.c.cycle_end,
                func.coalesce(bounds.c.e_to, forever),
            ).label("v_to"),
            cycled.c.points,
            cycled.c.cycle_start,
            cycled.c.cycle_end,
        )
        .select_from(
            cycled.outerjoin(
                bounds,
                and_(bounds.c.s == cycled.c.s, bounds.c.p == cycled.c.p, bounds.c.e_from == cycled.c.e_from),
            )
        )
        .subquery("segments")
    )
    per = PERIODS
    split = (
        select(
            segments.c.s,
            segments.c.p,
            greatest(segments.c.v_from, per.c.p_from).label("valid_from"),
            least(segments.c.v_to, per.c.p_to).label("valid_to"),
            case((segments.c.points >= FULL_SCORE, 0), else_=FULL_SCORE - segments.c.points).label("score"),
            segments.c.points,
            per.c.standard_id,
            segments.c.cycle_start,
            segments.c.cycle_end,
        )
        .select_from(
            segments.join(
                per,
                and_(
                    per.c.platform_id == segments.c.p,
                    per.c.p_from < segments.c.v_to,
                    per.c.p_to > segments.c.v_from,
                ),
            )
        )
        .where(segments.c.v_from < segments.c.v_to)
        .subquery("split")
    )
    return (
        select(
            split.c.s.label("subject_id"),
            split.c.p.label("platform_id"),
            split.c.valid_from,
            case((split.c.valid_to > h, None), else_=split.c.valid_to).label("valid_to"),
            split.c.score,
            split.c.points,
            LABELS.c.label,
            split.c.standard_id,
            split.c.cycle_start,
            split.c.cycle_end,
        )
        .select_from(
            split.outerjoin(
                LABELS, and_(LABELS.c.standard_id == split.c.standard_id, LABELS.c.score == split.c.score)
            )
        )
        .where(split.c.valid_from < split.c.valid_to)
    )


def fill_fresh(session: Session, horizon: date, *, only_pairs: bool) -> None:
    """Compute the timeline into ``_score_fresh``."""
    session.execute(FRESH.insert().from_select(HISTORY_COLUMNS, timeline(horizon, only_pairs=only_pairs)))
