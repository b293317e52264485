"""Deterministic, fast generator of realistic Chinese subjects for demos and benchmarks.

Standard library + python-stdnum only. Everything derives from ``random.Random(seed)`` and
integer arithmetic (never ``hash()`` of a string), so one seed always gives the same stream.

* :meth:`Faker.uscc` — valid GB 32100 unified social credit codes (统一社会信用代码): a real
  administrative division code, a GB 11714 organisation code with its own check character,
  and the GB 32100 check character. Unique within one :class:`Faker` by construction: the
  organisation code comes from a per-instance bijective scramble of a counter, so no set of
  issued codes is kept (capacity: 2**29 "MA…" codes + 2**26 numeric codes).
* :meth:`Faker.id_number` — valid GB 11643 resident ID numbers (居民身份证号码) whose region
  code was in force in the birth year (as ``stdnum.cn.ric`` checks). Unique within one
  :class:`Faker` by construction: the sequence code is a per-(birth date, gender) counter
  scrambled modulo 499, so memory is bounded by the number of distinct birth dates.

Generated codes and ID numbers are *structurally valid* and may coincide with those of real
organisations and people, and generated company names may coincide with real companies.
Use them for demos and benchmarks only, clearly labelled as demonstration data (演示数据).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from random import Random

from stdnum.cn import ric as _ric

__all__ = ["ENTITY_KINDS", "REGIONS", "Faker", "gb11714_check_char", "gb32100_check_char"]

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------

# (code, province, city, district/county, short city name for trade names, first year the code
# is in force per stdnum's cn/loc database; 0 = no start year). All are in force today.
REGIONS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("110101", "北京市", "北京市", "东城区", "北京", 0),
    ("110102", "北京市", "北京市", "西城区", "北京", 0),
    ("110105", "北京市", "北京市", "朝阳区", "北京", 0),
    ("110106", "北京市", "北京市", "丰台区", "北京", 0),
    ("110108", "北京市", "北京市", "海淀区", "北京", 0),
    ("110112", "北京市", "北京市", "通州区", "北京", 1997),
    ("110114", "北京市", "北京市", "昌平区", "北京", 1999),
    ("120101", "天津市", "天津市", "和平区", "天津", 0),
    ("120103", "天津市", "天津市", "河西区", "天津", 0),
    ("120104", "天津市", "天津市", "南开区", "天津", 0),
    ("120116", "天津市", "天津市", "滨海新区", "天津", 2009),
    ("310101", "上海市", "上海市", "黄浦区", "上海", 0),
    ("310104", "上海市", "上海市", "徐汇区", "上海", 0),
    ("310105", "上海市", "上海市", "长宁区", "上海", 0),
    ("310106", "上海市", "上海市", "静安区", "上海", 0),
    ("310107", "上海市", "上海市", "普陀区", "上海", 0),
    ("310109", "上海市", "上海市", "虹口区", "上海", 0),
    ("310110", "上海市", "上海市", "杨浦区", "上海", 0),
    ("310112", "上海市", "上海市", "闵行区", "上海", 1981),
    ("310115", "上海市", "上海市", "浦东新区", "上海", 1992),
    ("310117", "上海市", "上海市", "松江区", "上海", 1998),
    ("500103", "重庆市", "重庆市", "渝中区", "重庆", 1997),
    ("500106", "重庆市", "重庆市", "沙坪坝区", "重庆", 1997),
    ("500107", "重庆市", "重庆市", "九龙坡区", "重庆", 1997),
    ("130102", "河北省", "石家庄市", "长安区", "石家庄", 1983),
    ("130104", "河北省", "石家庄市", "桥西区", "石家庄", 1983),
    ("140105", "山西省", "太原市", "小店区", "太原", 1997),
    ("140121", "山西省", "太原市", "清徐县", "太原", 0),
    ("150102", "内蒙古自治区", "呼和浩特市", "新城区", "呼和浩特", 1983),
    ("150121", "内蒙古自治区", "呼和浩特市", "土默特左旗", "呼和浩特", 0),
    ("210102", "辽宁省", "沈阳市", "和平区", "沈阳", 1983),
    ("210202", "辽宁省", "大连市", "中山区", "大连", 1983),
    ("210421", "辽宁省", "抚顺市", "抚顺县", "抚顺", 0),
    ("220102", "吉林省", "长春市", "南关区", "长春", 1983),
    ("222401", "吉林省", "延边朝鲜族自治州", "延吉市", "延吉", 0),
    ("230102", "黑龙江省", "哈尔滨市", "道里区", "哈尔滨", 1983),
    ("320102", "江苏省", "南京市", "玄武区", "南京", 1983),
    ("320106", "江苏省", "南京市", "鼓楼区", "南京", 1983),
    ("320211", "江苏省", "无锡市", "滨湖区", "无锡", 1983),
    ("320505", "江苏省", "苏州市", "虎丘区", "苏州", 2000),
    ("320508", "江苏省", "苏州市", "姑苏区", "苏州", 2012),
    ("330106", "浙江省", "杭州市", "西湖区", "杭州", 1983),
    ("330108", "浙江省", "杭州市", "滨江区", "杭州", 1996),
    ("330122", "浙江省", "杭州市", "桐庐县", "杭州", 0),
    ("330203", "浙江省", "宁波市", "海曙区", "宁波", 1983),
    ("340104", "安徽省", "合肥市", "蜀山区", "合肥", 1983),
    ("340121", "安徽省", "合肥市", "长丰县", "合肥", 0),
    ("350102", "福建省", "福州市", "鼓楼区", "福州", 1983),
    ("350121", "福建省", "福州市", "闽侯县", "福州", 0),
    ("350203", "福建省", "厦门市", "思明区", "厦门", 1983),
    ("360102", "江西省", "南昌市", "东湖区", "南昌", 1983),
    ("360121", "江西省", "南昌市", "南昌县", "南昌", 0),
    ("370102", "山东省", "济南市", "历下区", "济南", 1983),
    ("370103", "山东省", "济南市", "市中区", "济南", 1983),
    ("370112", "山东省", "济南市", "历城区", "济南", 1987),
    ("370202", "山东省", "青岛市", "市南区", "青岛", 1983),
    ("370211", "山东省", "青岛市", "黄岛区", "青岛", 1983),
    ("370602", "山东省", "烟台市", "芝罘区", "烟台", 1983),
    ("410105", "河南省", "郑州市", "金水区", "郑州", 1983),
    ("420106", "湖北省", "武汉市", "武昌区", "武汉", 1983),
    ("420111", "湖北省", "武汉市", "洪山区", "武汉", 1983),
    ("430102", "湖南省", "长沙市", "芙蓉区", "长沙", 1983),
    ("430104", "湖南省", "长沙市", "岳麓区", "长沙", 1983),
    ("430121", "湖南省", "长沙市", "长沙县", "长沙", 0),
    ("430321", "湖南省", "湘潭市", "湘潭县", "湘潭", 0),
    ("440104", "广东省", "广州市", "越秀区", "广州", 1983),
    ("440106", "广东省", "广州市", "天河区", "广州", 1985),
    ("440303", "广东省", "深圳市", "罗湖区", "深圳", 1983),
    ("440304", "广东省", "深圳市", "福田区", "深圳", 1983),
    ("440305", "广东省", "深圳市", "南山区", "深圳", 1983),
    ("450103", "广西壮族自治区", "南宁市", "青秀区", "南宁", 1983),
    ("460106", "海南省", "海口市", "龙华区", "海口", 2002),
    ("510104", "四川省", "成都市", "锦江区", "成都", 1990),
    ("510107", "四川省", "成都市", "武侯区", "成都", 1990),
    ("510121", "四川省", "成都市", "金堂县", "成都", 0),
    ("520102", "贵州省", "贵阳市", "南明区", "贵阳", 1983),
    ("530102", "云南省", "昆明市", "五华区", "昆明", 1983),
    ("530124", "云南省", "昆明市", "富民县", "昆明", 0),
    ("540102", "西藏自治区", "拉萨市", "城关区", "拉萨", 1983),
    ("540121", "西藏自治区", "拉萨市", "林周县", "拉萨", 0),
    ("610103", "陕西省", "西安市", "碑林区", "西安", 1983),
    ("610113", "陕西省", "西安市", "雁塔区", "西安", 1983),
    ("610323", "陕西省", "宝鸡市", "岐山县", "宝鸡", 0),
    ("620102", "甘肃省", "兰州市", "城关区", "兰州", 1983),
    ("620121", "甘肃省", "兰州市", "永登县", "兰州", 0),
    ("630102", "青海省", "西宁市", "城东区", "西宁", 1983),
    ("640104", "宁夏回族自治区", "银川市", "兴庆区", "银川", 2002),
    ("640121", "宁夏回族自治区", "银川市", "永宁县", "银川", 0),
    ("650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "乌鲁木齐", 1983),
    ("650121", "新疆维吾尔自治区", "乌鲁木齐市", "乌鲁木齐县", "乌鲁木齐", 0),
)

_REGION_BY_CODE = {r[0]: r for r in REGIONS}
_MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})

# GB 32100 registration-authority + entity-type prefixes this generator supports, with the
# default mix (trading-centre subjects are overwhelmingly enterprises).
ENTITY_KINDS: dict[str, tuple[str, int]] = {
    "91": ("企业（市场监管部门登记）", 955),
    "12": ("事业单位（机构编制部门登记）", 25),
    "51": ("社会团体（民政部门登记）", 8),
    "52": ("民办非企业单位 / 社会服务机构（民政部门登记）", 12),
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _expand(pairs: Iterable[tuple[str, int]]) -> tuple[str, ...]:
    """A lookup table in which each value appears ``weight`` times (O(1) weighted choice)."""
    out: list[str] = []
    for value, weight in pairs:
        out.extend([value] * weight)
    return tuple(out)


# Surnames with weights roughly proportional to their share of the population (‰).
_SURNAMES = _expand(
    [
        ("王", 71),
        ("李", 70),
        ("张", 67),
        ("刘", 54),
        ("陈", 46),
        ("杨", 31),
        ("黄", 22),
        ("赵", 21),
        ("吴", 20),
        ("周", 19),
        ("徐", 14),
        ("孙", 14),
        ("马", 12),
        ("朱", 12),
        ("胡", 11),
        ("郭", 10),
        ("何", 10),
        ("林", 9),
        ("高", 9),
        ("罗", 9),
        ("郑", 8),
        ("梁", 8),
        ("谢", 6),
        ("宋", 6),
        ("唐", 6),
        ("许", 5),
        ("韩", 5),
        ("冯", 5),
        ("邓", 5),
        ("曹", 5),
        ("彭", 5),
        ("曾", 4),
        ("肖", 4),
        ("田", 4),
        ("董", 4),
        ("袁", 4),
        ("潘", 4),
        ("于", 4),
        ("蒋", 4),
        ("蔡", 4),
        ("余", 4),
        ("杜", 3),
        ("叶", 3),
        ("程", 3),
        ("苏", 3),
        ("魏", 3),
        ("吕", 3),
        ("丁", 3),
        ("任", 3),
        ("沈", 3),
        ("姚", 3),
        ("卢", 3),
        ("姜", 3),
        ("崔", 3),
        ("钟", 3),
        ("谭", 3),
        ("陆", 2),
        ("汪", 2),
        ("范", 2),
        ("金", 2),
        ("石", 2),
        ("廖", 2),
        ("贾", 2),
        ("夏", 2),
        ("韦", 2),
        ("付", 2),
        ("方", 2),
        ("白", 2),
        ("邹", 2),
        ("孟", 2),
        ("熊", 2),
        ("秦", 2),
        ("邱", 2),
        ("江", 2),
        ("尹", 2),
        ("薛", 2),
        ("闫", 2),
        ("段", 2),
        ("雷", 2),
        ("侯", 1),
        ("龙", 1),
        ("史", 1),
        ("陶", 1),
        ("黎", 1),
        ("贺", 1),
        ("顾", 1),
        ("毛", 1),
        ("郝", 1),
        ("龚", 1),
        ("邵", 1),
        ("万", 1),
        ("钱", 1),
        ("严", 1),
        ("覃", 1),
        ("武", 1),
        ("戴", 1),
        ("莫", 1),
        ("孔", 1),
        ("向", 1),
        ("汤", 1),
        ("欧阳", 1),
        ("诸葛", 1),
        ("上官", 1),
        ("司马", 1),
    ]
)

_GIVEN_MALE = tuple(
    "伟强军磊涛勇杰斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋峰建国志文博亮东海成"
    "江晨阳云彬鸣坤毅锋振庆德晓"
)
_GIVEN_FEMALE = tuple(
    "芳娜敏静丽艳霞娟燕玲婷雪琳慧颖倩洁莉萍红梅琴秀英桂兰凤晶佳欣怡悦雯瑶璐萱蕾薇月露思梦雅婧"
)
_GIVEN_NEUTRAL = tuple("华文明晓春秋嘉子一小立新永清安宏志海天世雨")

# Trade names (字号): a curated list plus a two-part composition for variety.
_TRADE_NAMES = _words(
    "宏达 鑫源 恒信 华泰 金诚 泰和 永安 顺达 博远 天成 瑞丰 汇通 盛世 长青 宏远 中诚 华信 正和 "
    "广厦 建业 鼎盛 鸿运 隆昌 兴业 振华 富达 安泰 德诚 嘉禾 锦程 明珠 新力 海润 润泽 通达 远洋 "
    "立信 精诚 恒达 昌盛 金桥 天宇 华鼎 宏图 方圆 信达 合力 众诚 联创 腾飞 骏达 卓越 凯旋 宇通 "
    "亚泰 华宇 伟业 祥和 康泰 永信 荣盛 恒泰 金鼎 龙腾 天华 中宏 恒远 广信 安达 志诚 晨光 蓝天 "
    "绿源 青山 碧水 鼎新 宏业 德信 弘毅 致远 同创 众合 和信 嘉信 诚达 欣荣 瑞祥 福瑞 鸿达 恒安 "
    "盛达 华胜 博大 广源 宝丰 鑫泰 金源 天祥 恒升 永盛 泰丰 宏泰 兴达 东升 华兴 新宇 建峰 同济 "
    "中恒 九州 华夏 神州 长城 万通 万达 四方 八方 三江 五岳 千禾 百川 金石 银河 星辰 朗润 沃土 "
    "启明 远景 睿智 智慧 卓信 聚源 汇源 源通 利民 惠民 安居 乐业 诚和 信和 鹏程 锦华 金辉 银泰"
)
_TRADE_FIRST = tuple(
    "宏鑫恒华金泰永顺博天瑞汇盛正广建鼎鸿隆兴振富安德嘉锦明新海润通远立精昌"
    "宇创方信合众联腾骏卓凯亚伟祥康诚荣龙晨弘致同欣福宝东中大友名佳美万亿千"
    "百舜尚上景晶力科翔翰皓聚君冠铭泓"
)
_TRADE_SECOND = tuple(
    "达源信泰诚和安远成丰通业盛运昌华力润泽桥宇鼎图新合创飞越祥康荣腾光毅发辉阳峰晟瀚睿拓展恒锐晖"
    "基建筑邦豪程峻川城楼云瑞顺强捷迅驰佳"
)

_INDUSTRIES = _expand(
    [
        ("建设工程", 10),
        ("建筑工程", 8),
        ("市政工程", 6),
        ("园林绿化", 5),
        ("路桥工程", 3),
        ("水利工程", 3),
        ("电力工程", 3),
        ("装饰工程", 4),
        ("安装工程", 3),
        ("消防工程", 2),
        ("工程咨询", 5),
        ("工程造价咨询", 3),
        ("造价咨询", 2),
        ("招标代理", 3),
        ("工程监理", 3),
        ("建设监理", 2),
        ("测绘", 2),
        ("测绘技术", 1),
        ("勘察设计", 2),
        ("建筑设计", 2),
        ("医疗器械", 4),
        ("医药", 3),
        ("信息技术", 4),
        ("网络科技", 3),
        ("智能科技", 2),
        ("电子科技", 2),
        ("环保科技", 3),
        ("环境工程", 2),
        ("检测技术", 2),
        ("物业管理", 2),
        ("建材", 2),
        ("机电设备", 2),
        ("矿业", 1),
        ("置业", 2),
        ("房地产开发", 1),
        ("劳务", 1),
        ("交通设施", 1),
    ]
)
_COMPANY_FORMS = _expand([("有限公司", 78), ("有限责任公司", 12), ("股份有限公司", 7), ("集团有限公司", 3)])

_INSTITUTIONS = (
    "人民医院",
    "中医医院",
    "妇幼保健院",
    "疾病预防控制中心",
    "第{n}人民医院",
    "第{n}中学",
    "第{n}小学",
    "实验小学",
    "实验中学",
    "职业技术学校",
    "建设工程质量安全监督站",
    "市政工程管理所",
    "园林绿化管理所",
    "水务管理中心",
    "图书馆",
    "文化馆",
    "体育中心",
    "环境监测站",
    "城市建设档案馆",
    "住房保障服务中心",
    "机关事务服务中心",
    "排水管理所",
    "卫生健康综合监督所",
    "公路管理所",
    "教育技术装备中心",
)
_ASSOCIATIONS = (
    "建筑业协会",
    "建设工程招标投标协会",
    "建设工程造价管理协会",
    "勘察设计协会",
    "建设监理协会",
    "市政工程协会",
    "园林绿化行业协会",
    "建筑装饰行业协会",
    "医疗器械行业协会",
    "医药行业协会",
    "软件行业协会",
    "环境保护产业协会",
    "测绘地理信息学会",
    "土木建筑学会",
    "安装行业协会",
    "房地产业协会",
)
_PRIVATE_NON_ENTERPRISE = (
    "职业技能培训学校",
    "工程技术研究院",
    "养老服务中心",
    "康复医院",
    "社会工作服务中心",
    "建筑科学研究院",
    "培训中心",
    "幼儿园",
    "公益服务中心",
)
_CN_DIGITS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九")
_CN_ORDINALS = tuple(
    (_CN_DIGITS[n // 10] if n >= 20 else "") + ("十" if n >= 10 else "") + _CN_DIGITS[n % 10]
    for n in range(1, 31)
)
_STREET_UNITS = ("社区卫生服务中心", "社区事务受理服务中心", "城市运行管理中心", "文化活动中心", "市政管理所")
_ROAD_SCHOOLS = ("小学", "中学", "幼儿园", "第二小学")

_ROAD_BASES = _words(
    "人民 解放 中山 建设 和平 新华 文化 胜利 长江 黄河 友谊 朝阳 光明 东风 青年 工业 科技 创业 "
    "学府 滨河 环城 迎宾 振兴 建国 复兴 民主 团结 幸福 健康 北京 南京 上海 天津 延安 华山 泰山 "
    "嵩山 黄山 衡山 珠江 松花江 湘江 汉江 金沙江 淮河 银河 天府 锦绣 金桥 新城 花园 公园 体育 "
    "工农 劳动 红旗 前进 开发 高新 园区 站前"
)
_ROAD_SUFFIXES = _expand(
    [("路", 48), ("大道", 8), ("街", 12), ("东路", 7), ("西路", 7), ("南路", 6), ("北路", 6), ("中路", 6)]
)

_MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "170 171 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 "
    "191 193 195 196 198 199"
)
_MAIL_DOMAINS = _expand(
    [("163.com", 30), ("qq.com", 30), ("126.com", 15), ("sina.com", 8), ("foxmail.com", 7), ("139.com", 5)]
)
_LATIN = "abcdefghijklmnopqrstuvwxyz"

# --------------------------------------------------------------------------------------------
# Check characters
# --------------------------------------------------------------------------------------------

# GB 32100 code alphabet (no I, O, Z, S, V); a character's value is its index.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def gb11714_check_char(body: str) -> str:
    """Check character of an 8-character GB 11714 organisation code body.

    Characters are valued 0–9 for digits and 10–35 for A–Z; C9 = 11 − Σ(Cᵢ·Wᵢ) mod 11 with
    W = 3 7 9 10 5 8 4 2; 10 → "X", 11 → "0".
    """
    if len(body) != 8:
        raise ValueError("an organisation code body has 8 characters")
    total = 0
    for ch, w in zip(body, _ORG_WEIGHTS, strict=True):
        if "0" <= ch <= "9":
            v = ord(ch) - 48
        elif "A" <= ch <= "Z":
            v = ord(ch) - 55
        else:
            raise ValueError(f"invalid organisation code character {ch!r}")
        total += v * w
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def gb32100_check_char(body: str) -> str:
    """Check character of the first 17 characters of a unified social credit code.

    Same result as ``stdnum.cn.uscc.calc_check_digit`` (GB 32100: weights 3**i mod 31,
    check = 31 − Σ mod 31), without its per-call normalisation, because it is on the hot path.
    """
    total = 0
    for ch, w in zip(body, _USCC_WEIGHTS, strict=True):
        total += _USCC_VALUE[ch] * w
    return _USCC_ALPHABET[-total % 31]


# --------------------------------------------------------------------------------------------
# Bijective scrambling (uniqueness without remembering what was issued)
# --------------------------------------------------------------------------------------------


class _Scrambler:
    """A seeded bijection of [0, 2**bits): xor, odd multiply, xorshift, odd multiply, xorshift."""

    __slots__ = ("_m1", "_m2", "_mask", "_salt", "_shift")

    def __init__(self, rng: Random, bits: int) -> None:
        self._mask = (1 << bits) - 1
        self._shift = bits // 2
        self._salt = rng.getrandbits(bits)
        self._m1 = rng.getrandbits(bits) | 1
        self._m2 = rng.getrandbits(bits) | 1

    def __call__(self, x: int) -> int:
        mask, s = self._mask, self._shift
        x = ((x ^ self._salt) * self._m1) & mask
        x ^= x >> s
        x = (x * self._m2) & mask
        return x ^ (x >> s)


_MA_BITS = 29  # 2**29 < 31**6: six base-31 characters after "MA"
_NUM_BITS = 26  # 2**26 < 10**8: eight decimal digits
_ID_SEQ_SLOTS = 499  # sequence codes per (birth date, gender): male 001..997, female 002..998


class Faker:
    """Deterministic generator of Chinese legal and natural persons (see module docstring)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        rng = Random(seed)
        self._rng = rng
        self._random = rng.random
        self._ma = _Scrambler(rng, _MA_BITS)
        self._num = _Scrambler(rng, _NUM_BITS)
        self._ma_count = 0
        self._num_count = 0
        self._id_mult = 1 + rng.randrange(_ID_SEQ_SLOTS - 1)  # 499 is prime: any 1..498 works
        self._id_salt = rng.randrange(_ID_SEQ_SLOTS)
        self._id_used: dict[int, int] = {}  # birth ordinal * 2 + male -> persons issued
        self._ymd: dict[int, str] = {}
        self._regions_by_year: dict[int, tuple[tuple[str, str, str, str, str, int], ...]] = {}
        self._kind_tables: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._base31 = _base31_table()

    # -- small helpers ------------------------------------------------------------------------

    def _pick(self, seq: Sequence[str]) -> str:
        return seq[int(self._random() * len(seq))]

    def _region(self, region: str | None = None) -> tuple[str, str, str, str, str, int]:
        if region is None:
            return REGIONS[int(self._random() * len(REGIONS))]
        try:
            return _REGION_BY_CODE[region]
        except KeyError:
            pass
        name = region.removesuffix("市")
        matches = [r for r in REGIONS if r[4] == name or r[2].removesuffix("市") == name]
        if not matches:
            raise ValueError(f"unknown region or city {region!r}")
        return matches[int(self._random() * len(matches))]

    # -- identifiers ----------------------------------------------------------------------------

    def uscc(self, kind: str = "91", region: str | None = None) -> str:
        """A valid, unique 18-character unified social credit code (GB 32100).

        ``kind`` is the registration-authority + entity-type prefix ("91" enterprise,
        "12" public institution, "51" social group, "52" private non-enterprise unit);
        ``region`` an administrative division code from :data:`REGIONS` or a city name.
        """
        if kind not in ENTITY_KINDS:
            raise ValueError(f"unsupported entity kind {kind!r}; expected one of {sorted(ENTITY_KINDS)}")
        code = self._region(region)[0]
        r = self._random()
        if r < 0.12:  # registered at city level (e.g. 91370100…, 91310000…)
            code = code[:2] + "0000" if code[:2] in ("11", "12", "31", "50") else code[:4] + "00"
        # Enterprises registered since 2015 mostly carry "MA…" organisation codes.
        org = self._ma_org_code() if kind == "91" and self._random() < 0.65 else self._numeric_org_code()
        body = kind + code + org
        return body + gb32100_check_char(body)

    def _ma_org_code(self) -> str:
        # Organisation codes issued with the USCC since 2015 start with "MA" (市场监管).
        n = self._ma_count
        if n >> _MA_BITS:
            raise RuntimeError("this Faker has issued all of its 'MA' organisation codes")
        self._ma_count = n + 1
        hi, lo = divmod(self._ma(n), 29791)  # 31**3
        body = "MA" + self._base31[hi] + self._base31[lo]
        return body + gb11714_check_char(body)

    def _numeric_org_code(self) -> str:
        n = self._num_count
        if n >> _NUM_BITS:
            raise RuntimeError("this Faker has issued all of its numeric organisation codes")
        self._num_count = n + 1
        body = f"{self._num(n):08d}"
        return body + gb11714_check_char(body)

    def id_number(self, birth_from: int = 1955, birth_to: int = 2002) -> str:
        """A valid, unique 18-digit resident ID number (GB 11643), gender chosen at random."""
        return self._id_number(self._random() < 0.5, birth_from, birth_to)[0]

    def _id_number(
        self, male: bool, birth_from: int, birth_to: int
    ) -> tuple[str, tuple[str, str, str, str, str, int]]:
        if not 1900 <= birth_from <= birth_to <= 2099:
            raise ValueError(f"invalid birth year range {birth_from}..{birth_to}")
        lo = date(birth_from, 1, 1).toordinal()
        span = date(birth_to, 12, 31).toordinal() - lo + 1
        used = self._id_used
        rand = self._random
        for _ in range(10_000):
            ordinal = lo + int(rand() * span)
            key = ordinal * 2 + male
            count = used.get(key, 0)
            if count < _ID_SEQ_SLOTS:
                break
        else:
            raise RuntimeError(f"no unused ID numbers left for births in {birth_from}..{birth_to}")
        used[key] = count + 1
        k = (self._id_mult * count + ordinal * 7919 + self._id_salt + 250 * male) % _ID_SEQ_SLOTS
        seq = 2 * k + 1 if male else 2 * k + 2
        ymd = self._ymd.get(ordinal)
        if ymd is None:
            d = date.fromordinal(ordinal)
            ymd = self._ymd[ordinal] = f"{d.year:04d}{d.month:02d}{d.day:02d}"
        regions = self._regions_for_year(int(ymd[:4]))
        region = regions[int(rand() * len(regions))]
        body = f"{region[0]}{ymd}{seq:03d}"
        return body + _ric.calc_check_digit(body + "0"), region

    def _regions_for_year(self, year: int) -> tuple[tuple[str, str, str, str, str, int], ...]:
        regions = self._regions_by_year.get(year)
        if regions is None:
            regions = self._regions_by_year[year] = tuple(r for r in REGIONS if r[5] <= year)
        return regions

    # -- names, contacts, addresses -------------------------------------------------------------

    def person_name(self, gender: str | None = None) -> str:
        """A realistic Chinese full name; ``gender`` "男"/"女" picks fitting given-name characters."""
        rand = self._random
        if gender is None:
            gender = "男" if rand() < 0.5 else "女"
        chars = _GIVEN_MALE if gender == "男" else _GIVEN_FEMALE
        surname = _SURNAMES[int(rand() * len(_SURNAMES))]
        first = chars[int(rand() * len(chars))]
        r = rand()
        if r < 0.22:
            return surname + first
        if r < 0.40:
            second = _GIVEN_NEUTRAL[int(rand() * len(_GIVEN_NEUTRAL))]
            return surname + second + first
        second = chars[int(rand() * len(chars))]
        return surname + first + second

    def phone(self) -> str:
        """An 11-digit mainland mobile number with a real carrier prefix."""
        return f"{self._pick(_MOBILE_PREFIXES)}{int(self._random() * 100_000_000):08d}"

    def email(self) -> str:
        rand = self._random
        domain = self._pick(_MAIL_DOMAINS)
        if domain == "qq.com":
            return f"{10_000 + int(rand() * 3_000_000_000)}@qq.com"
        letters = "".join(_LATIN[int(rand() * 26)] for _ in range(3 + int(rand() * 6)))
        digits = f"{int(rand() * 10_000)}" if rand() < 0.6 else ""
        return f"{letters}{digits}@{domain}"

    def address(self, city: str | None = None) -> str:
        """A street address; ``city`` is a division code from :data:`REGIONS` or a city name."""
        return self._address(self._region(city), company=False)

    def _address(self, region: tuple[str, str, str, str, str, int], company: bool) -> str:
        rand = self._random
        _, province, city, district, _, _ = region
        head = city + district if province in _MUNICIPALITIES else province + city + district
        road = _ROAD_BASES[int(rand() * len(_ROAD_BASES))] + _ROAD_SUFFIXES[int(rand() * len(_ROAD_SUFFIXES))]
        number = 1 + int(rand() * rand() * 1200)  # small house numbers are more common
        r = rand()
        if company:
            if r < 0.45:
                return f"{head}{road}{number}号"
            if r < 0.85:
                return f"{head}{road}{number}号{1 + int(rand() * 28)}{1 + int(rand() * 20):02d}室"
            return f"{head}{road}{number}号{1 + int(rand() * 9)}号楼{1 + int(rand() * 12)}层"
        if r < 0.55:
            building = f"{1 + int(rand() * 30)}幢{1 + int(rand() * 4)}单元"
            return f"{head}{road}{number}号{building}{1 + int(rand() * 18)}{1 + int(rand() * 4):02d}室"
        if r < 0.75:
            return f"{head}{road}{number}号{1 + int(rand() * 20)}{1 + int(rand() * 8):02d}室"
        if r < 0.88:  # lane houses (弄)
            room = f"{1 + int(rand() * 6)}0{1 + int(rand() * 4)}室"
            return f"{head}{road}{number}弄{1 + int(rand() * 60)}号{room}"
        return f"{head}{road}{number}号"

    def company_name(self, kind: str = "91", region: str | None = None) -> str:
        """A realistic organisation name for the entity ``kind`` located in ``region``."""
        return self._org_name(kind, self._region(region))

    def _trade_name(self) -> str:
        rand = self._random
        r = rand()
        if r < 0.1:
            return _TRADE_NAMES[int(rand() * len(_TRADE_NAMES))]
        a = _TRADE_FIRST[int(rand() * len(_TRADE_FIRST))]
        b = _TRADE_SECOND[int(rand() * len(_TRADE_SECOND))]
        name = a + b if a != b else a + "达"
        if r > 0.82:  # a four-character trade name, e.g. 宏达恒信
            other = _TRADE_NAMES[int(rand() * len(_TRADE_NAMES))]
            return name + other if rand() < 0.5 else other + name
        return name

    def _org_name(self, kind: str, region: tuple[str, str, str, str, str, int]) -> str:
        rand = self._random
        _, _, city, district, short, _ = region
        if kind == "91":
            industry = _INDUSTRIES[int(rand() * len(_INDUSTRIES))]
            form = _COMPANY_FORMS[int(rand() * len(_COMPANY_FORMS))]
            trade = self._trade_name()
            if rand() < 0.06:
                return f"{trade}{industry}（{short}）{form}"
            return f"{short}{trade}{industry}{form}"
        if kind == "12":
            r = rand()
            if r < 0.4:
                template = _INSTITUTIONS[int(rand() * len(_INSTITUTIONS))]
                top = 6 if "医院" in template else len(_CN_ORDINALS)  # 第三人民医院, 第二十八中学
                name = template.format(n=_CN_ORDINALS[int(rand() * top)])
            elif r < 0.75:  # street-level units, e.g. 黄浦区人民街道社区卫生服务中心
                road = _ROAD_BASES[int(rand() * len(_ROAD_BASES))]
                name = f"{road}街道{_STREET_UNITS[int(rand() * len(_STREET_UNITS))]}"
            else:  # schools named after their road, e.g. 历下区解放路小学
                road = _ROAD_BASES[int(rand() * len(_ROAD_BASES))]
                name = f"{road}路{_ROAD_SCHOOLS[int(rand() * len(_ROAD_SCHOOLS))]}"
            return f"{city}{district}{name}"
        if kind == "51":
            r = rand()
            if r < 0.4:
                return f"{city}{_ASSOCIATIONS[int(rand() * len(_ASSOCIATIONS))]}"
            if r < 0.75:
                return f"{city}{district}{_ASSOCIATIONS[int(rand() * len(_ASSOCIATIONS))]}"
            origin = REGIONS[int(rand() * len(REGIONS))][4]  # 异地商会, e.g. 上海市温州商会
            return f"{city}{origin}商会" if origin != short else f"{city}{district}商会"
        if kind == "52":
            unit = _PRIVATE_NON_ENTERPRISE[int(rand() * len(_PRIVATE_NON_ENTERPRISE))]
            return f"{city}{district}{self._trade_name()}{unit}"
        raise ValueError(f"unsupported entity kind {kind!r}; expected one of {sorted(ENTITY_KINDS)}")

    # -- subjects -------------------------------------------------------------------------------

    def _kind_table(self, kinds: Iterable[str] | None) -> tuple[str, ...]:
        key = ("*",) if kinds is None else ((kinds,) if isinstance(kinds, str) else tuple(sorted(set(kinds))))
        table = self._kind_tables.get(key)
        if table is None:
            selected = list(ENTITY_KINDS) if kinds is None else list(key)
            bad = [k for k in selected if k not in ENTITY_KINDS]
            if bad or not selected:
                raise ValueError(f"unsupported entity kind(s) {bad}; expected some of {sorted(ENTITY_KINDS)}")
            table = self._kind_tables[key] = _expand((k, ENTITY_KINDS[k][1]) for k in selected)
        return table

    def legal_person(self, kinds: Iterable[str] | None = None) -> dict[str, str]:
        """A legal person (法人或其他组织): name, uscc, address, legal_representative,
        contact_person, contact_phone. ``kinds`` restricts the GB 32100 type prefixes."""
        table = self._kind_table(kinds)
        rand = self._random
        kind = table[int(rand() * len(table))]
        region = REGIONS[int(rand() * len(REGIONS))]
        representative = self.person_name()
        return {
            "name": self._org_name(kind, region),
            "uscc": self.uscc(kind, region[0]),
            "address": self._address(region, company=True),
            "legal_representative": representative,
            "contact_person": representative if rand() < 0.15 else self.person_name(),
            "contact_phone": self.phone(),
        }

    def natural_person(self, birth_from: int = 1955, birth_to: int = 2002) -> dict[str, str]:
        """A natural person (自然人): name, gender ("男"/"女", matching the ID number's 17th
        digit), id_number, phone, address."""
        rand = self._random
        male = rand() < 0.5
        id_number, region = self._id_number(male, birth_from, birth_to)
        gender = "男" if male else "女"
        if rand() >= 0.7:  # most people still live where they were registered at birth
            region = REGIONS[int(rand() * len(REGIONS))]
        return {
            "name": self.person_name(gender),
            "gender": gender,
            "id_number": id_number,
            "phone": self.phone(),
            "address": self._address(region, company=False),
        }

    def legal_persons(self, n: int, kinds: Iterable[str] | None = None) -> Iterator[dict[str, str]]:
        for _ in range(n):
            yield self.legal_person(kinds)

    def natural_persons(
        self, n: int, birth_from: int = 1955, birth_to: int = 2002
    ) -> Iterator[dict[str, str]]:
        for _ in range(n):
            yield self.natural_person(birth_from, birth_to)


@functools.cache
def _base31_table() -> tuple[str, ...]:
    """All 31**3 three-character strings over the GB 32100 alphabet, in numeric order."""
    a = _USCC_ALPHABET
    return tuple(x + y + z for x in a for y in a for z in a)
