"""The English catalogue: complete, placeholders intact, read without a compile step."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from ggzy_credit.portal import catalogue, i18n

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_message_of_the_portal_has_an_english_translation():
    assert catalogue.untranslated() == []


def test_translations_keep_their_placeholders():
    with catalogue.PO_FILE.open("rb") as fh:
        parsed = read_po(fh, locale="en")
    for message in parsed:
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), (
                message.id
            )


def test_translator_falls_back_to_chinese_and_fills_values():
    en = i18n.translator("en")
    assert en.gettext("首页") == "Home"
    assert en.gettext("没有这条消息") == "没有这条消息"
    assert en.gettext("共找到 %(n)s 个经营主体", n=3) == "3 market entities found"
    assert i18n.translator(None).gettext("首页") == "首页"
    assert (
        i18n.normalise("zh_CN") == "zh-CN" and i18n.normalise("EN") == "en" and i18n.normalise("fr") is None
    )
