"""Staff: record entry (one record, live-validated in the browser) and batch upload.

The form posts plain HTML and works without JavaScript; ``static/record-form.js`` adds validation as
you type against the standard in force (fetched from ``/api/v1/standards``). The server is the
authority either way: the record goes through ``records.ingest`` like an API push, and each problem
comes back next to its field.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.portal import labels
from ggzy_credit.portal.batch import BatchReport, import_rows
from ggzy_credit.portal.forms import clean, domain_errors, parse
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.records.files import detect_format, read_rows
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn, Source
from ggzy_credit.standards import service as standards
from ggzy_credit.standards.service import StandardResolver
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, allow

router = APIRouter(prefix="/staff/records", route_class=PortalRoute, include_in_schema=False)
writers = allow(Role.ADMIN, Role.RECORDER, nonpublic=False)
readers = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER)
FIELDS = (
    "platform",
    "subject_uscc",
    "subject_id_number",
    "item_code",
    "occurred_on",
    "deducted_on",
    "project_code",
    "project_name",
    "description",
    "source",
)
# A missing or double subject reference is reported on subject_id; show it at the USCC field.
ALIASES = {"subject_id": "subject_uscc"}
MAX_UPLOAD = 10 * 1024 * 1024


def _platforms(session: Session, caller: Caller) -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in standards.list_platforms(session) if caller.sees_platform(p.code)]


def _items(session: Session, platform: str, on: date) -> list[dict[str, Any]]:
    resolved = StandardResolver(session).resolve(platform, on) if platform else None
    if resolved is None:
        return []
    standard, items = resolved
    return [
        {
            "code": i.code,
            "name": i.name,
            "category": i.category,
            "points": i.points,
            "kind": i.kind,
            "applies_to": list(i.applies_to),
            "version": standard.version,
        }
        for i in sorted(items.values(), key=lambda i: i.code)
    ]


def _form(
    request: Request,
    session: Session,
    caller: Caller,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    platforms = _platforms(session, caller)
    if not values.get("platform") and platforms:
        values["platform"] = platforms[0][0]
    try:
        on = (
            date.fromisoformat(values.get("deducted_on") or "")
            if values.get("deducted_on")
            else clock.today()
        )
    except ValueError:
        on = clock.today()
    return page(
        request,
        "staff/record_form.html",
        {
            "values": values,
            "errors": errors,
            "platforms": platforms,
            "items": _items(session, values.get("platform", ""), on),
            "sources": [(s.value, t.gettext(labels.SOURCES[s.value])) for s in Source],
            "kinds": {k: t.gettext(v) for k, v in labels.KINDS.items()},
        },
        title=t.gettext("录入信用记录"),
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse, summary="信用记录录入页")
def new_record(
    request: Request, session: SessionDep, caller: Annotated[Caller, Depends(writers)]
) -> HTMLResponse:
    """An empty form — or, without JavaScript, the form re-shown for another platform or date."""
    values = clean(request.query_params, FIELDS)
    values["deducted_on"] = values["deducted_on"] or clock.today().isoformat()
    values["source"] = values["source"] or Source.MANUAL.value
    return _form(request, session, caller, values, {})


@router.post("/new", response_class=HTMLResponse, summary="录入信用记录（门户）")
async def create_record(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(writers)],
) -> Response:
    t = tr(request)
    values = clean(await request.form(), FIELDS)
    errors: dict[str, str] = {}
    if values["platform"] and not caller.sees_platform(values["platform"]):
        errors["platform"] = t.gettext("超出本账号授权的平台范围")
    data = {k: v for k, v in values.items() if v}
    record, parse_errors = parse(RecordIn, data, t)
    errors.update(parse_errors)
    if not errors:
        try:
            [outcome] = ingest(
                session, cipher, [record], caller.label, loc_prefix=("body",), with_index=False
            )
        except (InvalidInput, Conflict) as exc:
            session.rollback()
            errors = domain_errors(exc, ALIASES)
        else:
            _sign(session, settings.secrets_dir)
            return RedirectResponse(f"/staff/records/{outcome.id}?created=1", status_code=303)
    return _form(request, session, caller, values, errors, status_code=422)


def _sign(session: Session, secrets_dir: Path | None) -> None:
    """Sign a new tree head after writing, as the records API does, so the proof is available at once."""
    assert secrets_dir is not None
    ledger.sign_if_grown(session, signing_key(secrets_dir))


@router.get("/batch", response_class=HTMLResponse, summary="批量导入页")
def batch_form(request: Request, caller: Annotated[Caller, Depends(writers)]) -> HTMLResponse:
    return page(
        request,
        "staff/batch.html",
        {"report": None, "errors": {}, "skip_invalid": False},
        title=tr(request).gettext("批量导入信用记录"),
    )


@router.post("/batch", response_class=HTMLResponse, summary="批量导入信用记录（门户）")
async def batch_upload(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(writers)],
    file: Annotated[UploadFile | None, File()] = None,
    skip_invalid: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Check every row; write all of them, or — with ``skip_invalid`` — the good ones, never half a row."""
    t = tr(request)
    errors: dict[str, str] = {}
    report: BatchReport | None = None
    name = (file.filename or "") if file is not None else ""
    content = await file.read(MAX_UPLOAD + 1) if file is not None else b""
    suffix = Path(name).suffix.lower()
    if not name or not content:
        errors["file"] = t.gettext("请选择要上传的 .csv 或 .jsonl 文件")
    elif len(content) > MAX_UPLOAD:
        errors["file"] = t.gettext("文件超过 10 MiB，请拆分后上传或使用命令行导入")
    else:
        try:
            detect_format(Path(name))
        except ValueError as exc:
            errors["file"] = str(exc)
    if not errors:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(content)
            try:
                rows = list(read_rows(path))
            except UnicodeDecodeError:
                rows = []
                errors["file"] = t.gettext("文件应为 UTF-8 编码")
        if not errors:
            report = import_rows(session, cipher, rows, caller, skip_invalid=bool(skip_invalid))
            if report.written:
                _sign(session, settings.secrets_dir)
            else:
                session.rollback()
    status_code = 422 if errors or (report and report.bad and not report.written) else 200
    return page(
        request,
        "staff/batch.html",
        {"report": report, "errors": errors, "filename": name, "skip_invalid": bool(skip_invalid)},
        title=t.gettext("批量导入信用记录"),
        status_code=status_code,
    )
