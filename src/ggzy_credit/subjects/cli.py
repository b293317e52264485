"""``ggzy-credit subjects``: register, update, search and show market entities."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from ggzy_credit.cli.context import console, domain_errors, err_console, open_context
from ggzy_credit.subjects import service
from ggzy_credit.subjects.kinds import SubjectKind
from ggzy_credit.subjects.schemas import LegalPersonIn, NaturalPersonIn, SubjectOut, SubjectUpdate

app = typer.Typer(help="经营主体登记与检索", no_args_is_help=True)


def _parse(model, data):  # type: ignore[no-untyped-def]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            err_console.print(f"[red]错误：[/red]{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}")
        raise typer.Exit(2) from None


def _show(subject: SubjectOut) -> None:
    console.print_json(json.dumps(subject.model_dump(mode="json", exclude_none=True), ensure_ascii=False))


@app.command("add")
@domain_errors
def add(
    name: Annotated[str, typer.Option(help="名称或姓名")],
    kind: Annotated[list[SubjectKind], typer.Option(help="主体类别，可重复")],
    uscc: Annotated[str | None, typer.Option(help="统一社会信用代码（法人）")] = None,
    id_number: Annotated[str | None, typer.Option(help="身份证号码（自然人）")] = None,
    address: Annotated[str | None, typer.Option()] = None,
    legal_representative: Annotated[str | None, typer.Option()] = None,
    contact_person: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话")] = None,
    intermediary_id: Annotated[int | None, typer.Option(help="从业人员所属中介机构 ID")] = None,
) -> None:
    """Register a legal person (--uscc) or a natural person (--id-number)."""
    if (uscc is None) == (id_number is None):
        err_console.print(
            "[red]错误：[/red]uscc / id_number: 法人提供 --uscc，自然人提供 --id-number，二者择一"
        )
        raise typer.Exit(2)
    if uscc is not None:
        data = _parse(
            LegalPersonIn,
            {
                "type": "legal",
                "name": name,
                "uscc": uscc,
                "address": address,
                "kinds": kind,
                "legal_representative": legal_representative,
                "contact_person": contact_person,
                "contact_phone": phone,
            },
        )
    else:
        data = _parse(
            NaturalPersonIn,
            {
                "type": "natural",
                "name": name,
                "id_number": id_number,
                "address": address,
                "phone": phone,
                "kinds": kind,
                "intermediary_id": intermediary_id,
            },
        )
    ctx = open_context()
    with ctx.transaction() as session:
        subject = service.to_out(service.create_subject(session, ctx.cipher, data))
    _show(subject)


@app.command("update")
@domain_errors
def update(
    subject_id: int,
    name: Annotated[str | None, typer.Option()] = None,
    address: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话（法人为联系人电话）")] = None,
    kind: Annotated[list[SubjectKind] | None, typer.Option(help="替换主体类别")] = None,
) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        subject = service.get_subject(session, subject_id)
        changes: dict[str, object] = {
            k: v for k, v in {"name": name, "address": address, "kinds": kind}.items() if v
        }
        if phone:
            changes["contact_phone" if subject.type == "legal" else "phone"] = phone
        out = service.to_out(
            service.update_subject(session, ctx.cipher, subject_id, _parse(SubjectUpdate, changes))
        )
    _show(out)


@app.command("search")
@domain_errors
def search(
    q: Annotated[str | None, typer.Argument(help="名称片段")] = None,
    uscc: Annotated[str | None, typer.Option()] = None,
    id_number: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        total, rows = service.search_subjects(
            session, ctx.cipher, q=q, uscc=uscc, id_number=id_number, limit=limit
        )
        table = Table("id", "类型", "名称", "类别", "统一社会信用代码/身份证", title=f"共 {total} 个经营主体")
        for s in rows:
            table.add_row(
                str(s.id),
                "法人" if s.type == "legal" else "自然人",
                s.name,
                ",".join(s.kind_names),
                s.uscc or s.id_number_masked or "",
            )
    console.print(table)


@app.command("show")
@domain_errors
def show(subject_id: int) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        out = service.to_out(service.get_subject(session, subject_id))
    _show(out)
