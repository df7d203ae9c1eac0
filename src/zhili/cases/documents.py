"""The people's mediation agreement (人民调解协议书) as a Word document, with the content that
人民调解法 Art. 29 requires: the parties' basic facts; the main facts of the dispute, the matters in
dispute and each party's responsibility; the agreed terms, how and by when they are performed.
It takes effect when the parties and the mediator sign and the committee's seal is affixed."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from .models import Case

ROLE_LABEL = {"applicant": "申请人", "respondent": "被申请人", "reporter": "反映人"}


def cn_date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def agreement_sections(case: Case) -> list[tuple[str, list[str]]]:
    """The agreement's content, section by section; the Word file and the print page both use it."""
    a = case.agreement
    parties = []
    for p in case.parties.select_related("resident").filter(role__in=("applicant", "respondent")).order_by("role", "id"):
        r = p.resident
        bits = [f"{ROLE_LABEL[p.role]}：{r.name}"]
        if p.gender:
            bits.append(f"性别：{p.gender}")
        if p.ethnicity:
            bits.append(f"民族：{p.ethnicity}")
        if r.id_number:
            bits.append(f"身份证号码：{r.id_number}")
        if r.phone:
            bits.append(f"联系电话：{r.phone}")
        if r.address:
            bits.append(f"住址：{r.address}")
        parties.append("，".join(bits))
    return [
        ("一、当事人的基本情况", parties),
        ("二、纠纷的主要事实、争议事项以及各方当事人的责任",
         [f"主要事实：{a.facts}", f"争议事项：{a.disputed_items}", f"各方当事人的责任：{a.responsibilities}"]),
        ("三、当事人达成调解协议的内容、履行的方式、期限",
         [f"协议内容：{a.terms}", f"履行方式：{a.performance_method}", f"履行期限：{cn_date(a.performance_deadline)}前"]),
        ("四、协议的效力",
         ["本协议经各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
          "本协议具有法律约束力，当事人应当按照约定履行。",
          "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。",
          f"本协议一式{len(parties) + 1}份，当事人各执一份，人民调解委员会留存一份。"]),
    ]


def agreement_docx(case: Case) -> bytes:
    a = case.agreement
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.font.size = Pt(12)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("人民调解协议书")
    run.bold = True
    run.font.size = Pt(20)
    meta = doc.add_paragraph(f"编号：{a.number}　　案件编号：{case.number}")
    meta.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for heading, lines in agreement_sections(case):
        h = doc.add_paragraph()
        h.add_run(heading).bold = True
        for line in lines:
            doc.add_paragraph(line)
    doc.add_paragraph()
    names = [p.resident.name for p in case.parties.select_related("resident").filter(role__in=("applicant", "respondent"))]
    for n in names:
        doc.add_paragraph(f"当事人（签名、盖章或按指印）：{n}　＿＿＿＿＿＿＿＿")
    mediators = "、".join(m.display_name or m.username for m in a.mediators.all())
    doc.add_paragraph(f"人民调解员（签名）：{mediators}　＿＿＿＿＿＿＿＿")
    doc.add_paragraph(f"{a.committee.name}（印章）")
    doc.add_paragraph(cn_date(a.signed_on)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
