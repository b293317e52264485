"""The credit report as PDF (reportlab), Chinese set in the built-in CID font STSong-Light.

STSong-Light is one of the Adobe Asian fonts every PDF reader provides: reportlab embeds no font
file and needs no network. The PDF shows what a loan officer reads; the full audit paths stay in the
JSON form (``format=json``), which the PDF names together with the report id.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ggzy_credit.financing.schemas import CreditReportOut

FONT = "STSong-Light"
TITLE = "公共资源交易信用报告（融资信用查询）"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "mono": ParagraphStyle("mono", parent=base, fontName="Courier", fontSize=7, leading=9),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey),
    }


def _table(rows: list[list[object]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)))
    table.setStyle(TableStyle(style))
    return table


def render(report: CreditReportOut) -> bytes:
    s = _styles()
    cell, mono = s["cell"], s["mono"]

    def p(text: object, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(_escape("" if text is None else str(text)), style)

    subject = report.subject
    identity = subject.uscc or subject.id_number_masked or "—"
    story: list[object] = [Paragraph(TITLE, s["title"])]
    meta = [
        [p("经营主体"), p(subject.name), p("证照号码"), p(identity)],
        [p("主体编号"), p(subject.id), p("报告日期"), p(report.as_of)],
        [
            p("查询方"),
            p(report.requested_by),
            p("生成时间"),
            p(report.generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        ],
    ]
    if report.grant is not None:
        g = report.grant
        meta.append([p("授权编号"), p(g.id), p("授权期限"), p(f"{g.valid_from} 至 {g.valid_until}")])
        meta.append([p("授权用途"), p(g.purpose), p("报告编号"), p(report.report_id, mono)])
    else:
        meta.append([p("说明"), p("经营主体本人预览"), p("报告编号"), p(report.report_id, mono)])
    story.append(_table(meta, [22 * mm, 63 * mm, 22 * mm, 63 * mm], header=False))

    story.append(Paragraph("一、各平台信用记分与信用标注", s["h2"]))
    rows: list[list[object]] = [
        [p(h) for h in ("平台", "标准版本", "记分", "信用标注", "评估周期", "适用措施")]
    ]
    for sc in report.scores:
        cycle = f"{sc.cycle_start} 至 {sc.cycle_end}" if sc.cycle_start else "—"
        measures = "；".join(f"{m.name}（{m.kind_name}）" for m in sc.measures) or "—"
        rows.append(
            [
                p(sc.platform_name),
                p(sc.standard_version or "—"),
                p(sc.score),
                p(sc.label_name or "—"),
                p(cycle),
                p(measures),
            ]
        )
    story.append(_table(rows, [34 * mm, 18 * mm, 12 * mm, 22 * mm, 38 * mm, 46 * mm]))

    story.append(Paragraph("二、计入信用记分的记录", s["h2"]))
    if report.records:
        rows = [[p(h) for h in ("平台", "信用事项", "扣分日期", "扣分", "状态", "账本序号 / 叶子哈希")]]
        for r in report.records:
            status = r.status_name + (f"；{r.objection_status}" if r.objection_status else "")
            ledger = f"{r.ledger.index} / {r.ledger.leaf_hash}" if r.ledger else "未入账"
            rows.append(
                [
                    p(r.platform_name),
                    p(f"{r.item_name}（{r.item_code}）"),
                    p(r.deducted_on),
                    p(r.points),
                    p(status),
                    p(ledger, mono),
                ]
            )
        story.append(_table(rows, [28 * mm, 48 * mm, 20 * mm, 12 * mm, 22 * mm, 40 * mm]))
    else:
        story.append(Paragraph("无计入当前评估周期的扣分记录。", s["body"]))

    story.append(Paragraph("三、防篡改账本签名树头", s["h2"]))
    head = report.ledger.tree_head
    rows = [
        [p("树规模"), p(head.tree_size)],
        [p("根哈希"), p(head.root_hash, mono)],
        [p("时间戳（毫秒）"), p(head.timestamp)],
        [p("Ed25519 签名"), p(head.signature, mono)],
        [p("公钥指纹"), p(report.ledger.key_id, mono)],
    ]
    story.append(_table(rows, [30 * mm, 140 * mm], header=False))
    story.append(Spacer(1, 4 * mm))
    for note in [*report.notes, "各记录的审计路径见同一报告的 JSON 格式（format=json）。"]:
        story.append(Paragraph(_escape(note), s["small"]))

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE} - {subject.name}",
        author="ggzy-credit",
        subject=report.report_id,
    )
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    """Paragraph text is a small markup language: escape what a record's text could contain."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
