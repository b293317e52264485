"""Public pages (no login): search, subject page, standards, data list, ledger proof; masking."""

from __future__ import annotations

import re

from ggzy_credit.portal.i18n import COOKIE


def test_home_is_the_portal_not_the_api_docs(portal, world):
    response = portal.get("/")
    assert response.status_code == 200
    assert "公共资源交易信用信息平台" in response.text
    assert '<main id="main"' in response.text and "<title>" in response.text
    assert "/assets/portal.css" in response.text


def test_search_by_name_and_by_uscc_links_to_subject_page(portal, world, db):
    from ggzy_credit.subjects.models import Subject

    by_name = portal.get("/search", params={"q": "测试建设"})
    assert by_name.status_code == 200
    assert f'href="/subjects/{world.company}"' in by_name.text
    with db.session() as session:
        uscc = session.get(Subject, world.company).uscc
    by_code = portal.get("/search", params={"q": uscc.lower()})
    assert f'href="/subjects/{world.company}"' in by_code.text
    assert "守信科技" not in by_code.text


def test_subject_page_shows_only_published_records(portal, world):
    page = portal.get(f"/subjects/{world.expert}")
    assert page.status_code == 200
    assert f'id="record-{world.expert_record}"' in page.text
    assert f'id="record-{world.hidden_record}"' not in page.text
    assert "未公开事项" not in page.text
    assert "（1 条）" in page.text


def test_natural_person_identity_is_masked(portal, world, db):
    from ggzy_credit.subjects.models import Subject

    with db.session() as session:
        subject = session.get(Subject, world.expert)
        masked, index = subject.id_number_masked, subject.id_number_index
    page = portal.get(f"/subjects/{world.expert}")
    assert masked in page.text
    digits = re.findall(r"\d{17}[\dX]", page.text)
    assert digits == [], "an unmasked ID number reached the public page"
    assert index not in page.text
    results = portal.get("/search", params={"q": page.text.split("<h1>")[1].split("</h1>")[0]})
    assert masked in results.text


def test_revoked_record_leaves_public_display(portal, world, db):
    from ggzy_credit.records.events import revoke_record

    with db.session() as session:
        revoke_record(session, world.public_record, "异议成立，撤销", "reviewer:test")
    page = portal.get(f"/subjects/{world.company}")
    assert f'id="record-{world.public_record}"' not in page.text
    assert portal.get(f"/records/{world.public_record}/proof").status_code == 404


def test_record_proof_is_verified_against_the_signed_head(portal, world, db):
    from ggzy_credit.ledger import service as ledger
    from ggzy_credit.ledger.keys import signing_key

    with db.session() as session:
        ledger.sign_if_grown(session, signing_key(db.settings.secrets_dir))
    page = portal.get(f"/subjects/{world.company}")
    assert f'href="/records/{world.public_record}/proof"' in page.text
    proof = portal.get(f"/records/{world.public_record}/proof")
    assert proof.status_code == 200
    assert "包含证明核验通过" in proof.text and "树头签名有效" in proof.text
    hidden = portal.get(f"/records/{world.hidden_record}/proof")
    assert hidden.status_code == 404


def test_standards_list_versions_and_effective_dates(portal, world):
    index = portal.get("/standards")
    assert index.status_code == 200
    assert "2024.1" in index.text and "2024-01-01" in index.text and "现行" in index.text
    detail = portal.get("/standards/engineering", params={"version": "2023.1"})
    assert detail.status_code == 200
    assert "2023-01-01" in detail.text and "EC-R-001" in detail.text
    assert portal.get("/standards/engineering", params={"version": "1999.9"}).status_code == 404
    assert portal.get("/standards/nowhere").status_code == 404


def test_data_list_is_published_with_version(portal, world):
    page = portal.get("/data-list")
    assert page.status_code == 200
    assert "数据清单" in page.text and "2024.1" in page.text and "2023-12-28" in page.text
    assert "DL-03" in page.text and "脱敏" in page.text


def test_unknown_subject_is_an_html_404(portal, world):
    response = portal.get("/subjects/999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>" in response.text


def test_english_switch_is_remembered(portal, world):
    english = portal.get("/standards", params={"lang": "en"})
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert "Scoring standards" in english.text
    assert portal.cookies.get(COOKIE) == "en"
    again = portal.get("/data-list")
    assert '<html lang="en">' in again.text
    back = portal.get("/", params={"lang": "zh-CN"})
    assert '<html lang="zh-CN">' in back.text


def test_static_assets_are_served_locally(portal, world):
    home = portal.get("/")
    css = re.search(r'href="(/assets/portal\.css\?v=[0-9a-f]+)"', home.text)
    assert css
    assert portal.get(css.group(1)).status_code == 200
    assert portal.get("/assets/record-form.js").status_code == 200
    assert "http://" not in home.text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in home.text
