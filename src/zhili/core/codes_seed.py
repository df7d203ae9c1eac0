"""The code tables (字典) Zhili ships with, seeded into :class:`~zhili.core.models.CodeItem`.

Every value comes from ``shared/reference/domain.md`` (or the Kuiwen article it summarises)
and carries its source and confidence tag in ``source``: [V] verified, [P] partly verified,
[U] unverified — a placeholder an administrator may edit. Codes are short, stable ASCII
strings, unique within their table; hierarchical tables use dotted or numeric child codes.

:func:`seed_codes` inserts what is missing and never touches what an administrator edited
(unless asked to). To retire a value, deactivate it (``active=False``) rather than delete it:
a deleted entry is seeded again on the next run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

# A node: (code, label, label_en) or (code, label, label_en, children) or with a 5th item,
# a source that overrides the table's.
Node = tuple


@dataclass(frozen=True)
class Entry:
    type: str
    code: str
    label: str
    label_en: str
    parent_code: str | None
    source: str
    order: int
    depth: int


# ---------------------------------------------------------------------------------------------
# The tables. Each: type → (source, description, nodes)

DISPUTE_CATEGORIES: list[Node] = [
    ("marriage_family", "婚姻家庭", "Marriage and family"),
    ("neighbour", "邻里", "Neighbours"),
    ("housing_homestead", "房屋宅基地", "Housing and homestead"),
    ("contract", "合同", "Contracts"),
    ("business", "生产经营", "Production and business"),
    ("damages", "损害赔偿", "Compensation for damage"),
    ("forest_land", "山林土地", "Forests and land"),
    ("land_requisition", "征地拆迁", "Land requisition and demolition"),
    ("environment", "环境污染", "Environmental pollution"),
    ("labour", "劳动争议", "Labour disputes"),
    ("migrant_wages", "拖欠农民工工资", "Unpaid wages of migrant workers"),
    ("medical", "医疗", "Medical"),
    ("traffic_accident", "道路交通事故", "Road traffic accidents"),
    ("property_mgmt", "物业", "Property management"),
    ("consumer", "消费", "Consumer"),
    ("tourism", "旅游", "Tourism"),
    ("ecommerce", "电子商务", "E-commerce"),
    ("other", "其他", "Other"),
]

# 数字城管 事件大类 with example 小类 (GB/T 30428.2; names [V], numeric codes [U]).
CITY_EVENT_CLASSES: list[Node] = [
    ("01", "市容环境", "City appearance and environment", [
        ("0101", "私搭乱建", "Illegal structures"),
        ("0102", "暴露垃圾", "Exposed rubbish"),
        ("0103", "积存渣土", "Accumulated muck"),
        ("0104", "道路不洁", "Dirty roads"),
        ("0105", "水域不洁", "Dirty water surfaces"),
        ("0106", "绿地脏乱", "Untidy green space"),
    ]),
    ("02", "宣传广告", "Publicity and advertising", [
        ("0201", "非法小广告", "Illegal small advertisements"),
        ("0202", "街头散发广告", "Leafleting in the street"),
        ("0203", "违规户外广告", "Non-compliant outdoor advertising"),
    ]),
    ("03", "施工管理", "Construction management", [
        ("0301", "施工扰民", "Construction disturbing residents"),
        ("0302", "施工占道", "Construction occupying the road"),
        ("0303", "工地扬尘", "Dust from construction sites"),
        ("0304", "施工废弃料", "Construction waste"),
    ]),
    ("04", "街面秩序", "Street order", [
        ("0401", "无照经营", "Unlicensed business"),
        ("0402", "占道经营", "Business occupying the road"),
        ("0403", "流浪乞讨", "Vagrancy and begging"),
        ("0404", "黑车拉客", "Unlicensed taxis touting"),
    ]),
    ("05", "突发事件", "Emergencies", [
        ("0501", "管道破裂", "Burst pipes"),
        ("0502", "路面塌陷", "Road surface collapse"),
        ("0503", "道路积水", "Waterlogged roads"),
        ("0504", "火灾", "Fire"),
    ]),
    ("06", "扩展事件", "Extended events", []),
]
_EVENT_SRC = "domain.md §3 事件大类/小类 [V names; numeric codes U]"

# 数字城管 部件大类. 01 with 0101/0102 is confirmed by data [P]; the others' codes are [U].
CITY_COMPONENT_CLASSES: list[Node] = [
    ("01", "公用设施类", "Public utilities", [
        ("0101", "上水井盖", "Water-supply manhole cover", [], "domain.md §3 部件 ObjID examples [P]"),
        ("0102", "污水井盖", "Sewage manhole cover", [], "domain.md §3 部件 ObjID examples [P]"),
    ], "domain.md §3 部件大类 [V name; code 01 P]"),
    ("02", "道路交通类", "Roads and traffic"),
    ("03", "市容环境类", "City appearance and environment"),
    ("04", "园林绿化类", "Landscaping and greening"),
    ("05", "房屋土地类", "Buildings and land"),
    ("06", "其它设施类", "Other facilities"),
    ("07", "扩展部件类", "Extended components", [], "domain.md §3 部件大类 [V name; code 07 U: domain.md numbers only 01–06]"),
]
_COMPONENT_SRC = "domain.md §3 部件大类 [V names; codes 02–06 U]"

GRID_DUTIES: list[Node] = [
    ("collector", "基础信息采集员", "Collector of basic information"),
    ("visitor", "社情民意巡访员", "Patroller and visitor (public opinion)"),
    ("manager", "重点人员管理员", "Manager of key persons"),
    ("mediator", "矛盾纠纷调解员", "Mediator of disputes"),
    ("inspector", "安全隐患排查员", "Inspector of safety hazards"),
    ("publicist", "政策法规宣传员", "Publicist of policy and law"),
    ("servant", "民生事项服务员", "Server of livelihood matters"),
]

# 《网格化治理工作任务清单》 7 项 42 类: the article names the list but does not publish it.
GRID_TASKS: list[Node] = [
    ("01", "基础信息采集", "Basic information collection", [
        ("0101", "实有人口信息采集", "Resident population records"),
        ("0102", "实有房屋信息采集", "Housing records"),
        ("0103", "单位和社会组织信息采集", "Units and social organisations"),
        ("0104", "流动人口登记", "Migrant population registration"),
        ("0105", "出租房屋登记", "Rented housing registration"),
        ("0106", "基础信息动态更新", "Keeping basic records up to date"),
    ]),
    ("02", "社情民意巡访", "Patrols and public-opinion visits", [
        ("0201", "网格日常巡查", "Daily grid patrol"),
        ("0202", "入户走访", "Household visits"),
        ("0203", "社情民意收集", "Gathering public opinion"),
        ("0204", "困难群众走访", "Visiting residents in hardship"),
        ("0205", "网格议事协商", "Grid consultation meetings"),
        ("0206", "群众诉求登记上报", "Recording and reporting residents' requests"),
    ]),
    ("03", "重点人员管理", "Managing key persons", [
        ("0301", "严重精神障碍患者随访", "Follow-up of severe mental disorder patients"),
        ("0302", "社区矫正人员走访", "Visits to persons under community correction"),
        ("0303", "刑满释放人员帮教", "Assistance to released prisoners"),
        ("0304", "吸毒人员管控帮扶", "Control and help of drug users"),
        ("0305", "重点青少年关爱帮扶", "Care for key youth"),
        ("0306", "非羁押人员协助监管", "Helping supervise non-custodial persons"),
    ]),
    ("04", "矛盾纠纷调解", "Mediating disputes", [
        ("0401", "矛盾纠纷排查", "Screening for disputes"),
        ("0402", "邻里家庭纠纷调解", "Mediating neighbour and family disputes"),
        ("0403", "物业纠纷调解", "Mediating property-management disputes"),
        ("0404", "信访问题化解", "Resolving petition issues"),
        ("0405", "纠纷上报转办", "Reporting and transferring disputes beyond the grid"),
        ("0406", "调解回访", "Follow-up visits after mediation"),
    ]),
    ("05", "安全隐患排查", "Inspecting safety hazards", [
        ("0501", "消防安全隐患排查", "Fire hazards"),
        ("0502", "燃气安全隐患排查", "Gas hazards"),
        ("0503", "房屋建筑安全排查", "Building safety"),
        ("0504", "道路交通安全排查", "Road traffic safety"),
        ("0505", "食品药品安全排查", "Food and drug safety"),
        ("0506", "治安隐患和突发事件报告", "Public-order risks and emergency reports"),
    ]),
    ("06", "政策法规宣传", "Publicising policy and law", [
        ("0601", "政策宣传", "Policy publicity"),
        ("0602", "法治宣传", "Legal publicity"),
        ("0603", "平安建设宣传", "Public-safety publicity"),
        ("0604", "防范电信诈骗宣传", "Anti-fraud publicity"),
        ("0605", "文明新风倡导", "Promoting civic customs"),
        ("0606", "应急知识普及", "Emergency preparedness"),
    ]),
    ("07", "民生事项服务", "Livelihood services", [
        ("0701", "公共服务代办", "Errands and services on residents' behalf (代办)"),
        ("0702", "特殊群体关爱服务", "Care for special groups"),
        ("0703", "就业和社会保障服务", "Employment and social-security services"),
        ("0704", "城市管理问题上报", "Reporting city-management problems"),
        ("0705", "环境卫生监督", "Sanitation oversight"),
        ("0706", "志愿服务组织", "Organising volunteer services"),
    ]),
]
_TASK_SRC = ("Kuiwen article 7项42类 (the list itself is not published) — plausible list built from "
             "domain.md §8 事项清单/10项职责 and the 七大员 [U]")


def _case_categories() -> list[Node]:
    dispute_labels = {
        "labour": "劳动争议", "other": "其他纠纷",
    }
    disputes = [(f"dispute.{c}", dispute_labels.get(c, f"{zh}纠纷"), f"{en} dispute" if c != "labour" else en)
                for c, zh, en in DISPUTE_CATEGORIES]

    def city_node(node: Node, prefix: str) -> Node:
        code, zh, en, *rest = node
        kids = rest[0] if rest else []
        return (f"{prefix}{code}", zh, en, [city_node(k, prefix) for k in kids])

    components = [(f"city.component.{c[0]}", c[1], c[2]) for c in CITY_COMPONENT_CLASSES]
    return [
        ("dispute", "矛盾纠纷", "Disputes", disputes, "domain.md §2.2 纠纷类别 [P]"),
        ("livelihood", "民生事件", "Livelihood matters", [
            ("livelihood.water", "供水", "Water supply"),
            ("livelihood.heating", "供暖", "Heating"),
            ("livelihood.gas", "燃气供应", "Gas supply"),
            ("livelihood.power", "供电", "Electricity supply"),
            ("livelihood.property", "物业服务", "Property services"),
            ("livelihood.road", "道路设施", "Roads and street furniture"),
            ("livelihood.sanitation", "环境卫生", "Sanitation"),
            ("livelihood.noise", "噪声扰民", "Noise"),
            ("livelihood.greening", "园林绿化", "Greening"),
            ("livelihood.parking", "停车", "Parking"),
            ("livelihood.elevator", "电梯", "Lifts"),
            ("livelihood.old_compound", "老旧小区改造", "Renovation of old compounds"),
            ("livelihood.education", "教育", "Education"),
            ("livelihood.health", "医疗卫生", "Health care"),
            ("livelihood.assistance", "社会救助", "Social assistance"),
            ("livelihood.elderly", "养老服务", "Elderly care"),
            ("livelihood.other", "其他民生事项", "Other livelihood matters"),
        ], "seed/README.md 民生事件 [V]; subcategories: common hotline practice [U]"),
        ("hazard", "安全隐患", "Safety hazards", [
            ("hazard.fire", "消防安全", "Fire safety"),
            ("hazard.gas", "燃气安全", "Gas safety"),
            ("hazard.building", "房屋建筑安全", "Building safety"),
            ("hazard.traffic", "道路交通安全", "Road traffic safety"),
            ("hazard.food_drug", "食品药品安全", "Food and drug safety"),
            ("hazard.construction_site", "建筑工地安全", "Construction-site safety"),
            ("hazard.chemicals", "危险化学品", "Hazardous chemicals"),
            ("hazard.electricity", "用电安全", "Electrical safety"),
            ("hazard.special_equipment", "特种设备", "Special equipment (lifts, boilers)"),
            ("hazard.flood", "防汛积水", "Flooding and waterlogging"),
            ("hazard.public_order", "治安隐患", "Public-order risks"),
            ("hazard.other", "其他安全隐患", "Other hazards"),
        ], "seed/README.md 安全隐患 [V]; subcategories: domain.md §8 and the article's platforms [U]"),
        ("city", "城市管理", "City management", [
            *[city_node(n, "city.") for n in CITY_EVENT_CLASSES],
            ("city.component", "部件损坏", "Damaged or missing components", components, _COMPONENT_SRC),
        ], _EVENT_SRC),
        ("labour", "劳动保障", "Labour and social security", [
            ("labour.wage_arrears", "拖欠工资", "Wage arrears"),
            ("labour.contract", "劳动合同", "Labour contracts"),
            ("labour.social_insurance", "社会保险", "Social insurance"),
            ("labour.injury", "工伤认定", "Work injury"),
            ("labour.other", "其他劳动保障事项", "Other labour matters"),
        ], "Kuiwen article (劳动监察及仲裁, 农民工工资清欠 windows) [V]; subcategories [U]"),
        ("other", "其他", "Other", [], "platform [U]"),
    ]


#: type → (default source, nodes)
TABLES: dict[str, tuple[str, list[Node]]] = {
    "dispute_category": ("domain.md §2.2 纠纷类别 [P]", DISPUTE_CATEGORIES),
    "special_population": ("domain.md §2 (GB/T 31000 特殊人群) and §11 [P]", [
        ("released_prisoner", "刑满释放人员", "Released prisoner"),
        ("community_correction", "社区矫正人员", "Person under community correction"),
        ("severe_mental", "严重精神障碍患者", "Patient with a severe mental disorder"),
        ("drug_user", "吸毒人员", "Drug user"),
        ("aids_risk", "艾滋病危险人员", "Person at risk of HIV/AIDS"),
        ("key_youth", "重点青少年", "Key youth", [], "domain.md §2.1 D, §11 (a separate class in GB/T 31000) [P]"),
    ]),
    "correction_category": ("domain.md §2.2 矫正类别 (社区矫正法 Art 2) [U: set certain, codes U]", [
        ("control", "管制", "Public surveillance (管制)"),
        ("probation", "缓刑", "Suspended sentence (probation)"),
        ("parole", "假释", "Parole"),
        ("temp_outside", "暂予监外执行", "Temporary execution outside prison"),
    ]),
    "correction_termination": ("domain.md §2.2 矫正解除(终止)类型 [P; codes U]", [
        ("expired", "矫正期满（解除）", "Correction term completed (release)"),
        ("revoke_probation", "撤销缓刑（终止）", "Probation revoked (termination)"),
        ("revoke_parole", "撤销假释（终止）", "Parole revoked (termination)"),
        ("commit_custody", "收监执行（终止）", "Committed to prison (termination)"),
        ("death", "死亡（终止）", "Death (termination)"),
        ("other", "其他", "Other"),
    ]),
    "mental_risk_level": ("domain.md §2.2 严重精神障碍 危险性评估等级 [V]", [
        ("0", "0级：无符合1—5级中的任何行为", "Level 0: none of the behaviour of levels 1–5"),
        ("1", "1级：口头威胁，喊叫，但没有打砸行为", "Level 1: verbal threats and shouting, no smashing"),
        ("2", "2级：打砸行为，局限在家里，针对财物，能被劝说制止",
         "Level 2: smashing confined to the home, against property, can be talked out of it"),
        ("3", "3级：明显打砸行为，不分场合，针对财物，不能接受劝说而停止",
         "Level 3: obvious smashing in any setting, against property, cannot be talked out of it"),
        ("4", "4级：持续的打砸行为，不分场合，针对财物或人，不能接受劝说而停止（包括自伤、自杀）",
         "Level 4: persistent smashing in any setting, against property or people, cannot be stopped "
         "(includes self-harm and suicide)"),
        ("5", "5级：持械针对人的任何暴力行为，或者纵火、爆炸等行为，无论在家里还是公共场合",
         "Level 5: any armed violence against people, or arson or explosions, at home or in public"),
    ]),
    "mental_diagnosis": ("domain.md §2.2 目前诊断类型 (2018 规范, six conditions) [V]", [
        ("schizophrenia", "精神分裂症", "Schizophrenia"),
        ("schizoaffective", "分裂情感性障碍", "Schizoaffective disorder"),
        ("delusional", "偏执性精神病（持久的妄想性障碍）", "Paranoid psychosis (persistent delusional disorder)"),
        ("bipolar", "双相（情感）障碍", "Bipolar (affective) disorder"),
        ("epilepsy", "癫痫所致精神障碍", "Mental disorder due to epilepsy"),
        ("intellectual", "精神发育迟滞伴发精神障碍", "Mental disorder with intellectual disability"),
    ]),
    "key_youth_type": ("domain.md §2.2 重点青少年 人员类型 (GB/T 31000 §5.41) [U]", [
        ("idle", "闲散青少年", "Idle youth (out of school and work)"),
        ("bad_behaviour", "有不良行为或严重不良行为青少年", "Youth with bad or seriously bad behaviour"),
        ("street_child", "流浪乞讨未成年人", "Minors living on the street or begging"),
        ("prisoner_child", "服刑在教人员未成年子女", "Minor children of prisoners"),
        ("left_behind", "农村留守儿童", "Left-behind children in rural areas"),
    ]),
    "resolution_method": ("domain.md §2.2 化解方式 (GB/T 31000 §5.58) [U]", [
        ("people", "人民调解", "People's mediation"),
        ("administrative", "行政调解", "Administrative mediation"),
        ("judicial", "司法调解", "Judicial mediation"),
        ("negotiation", "协商和解", "Negotiated settlement"),
        ("arbitration", "仲裁", "Arbitration"),
        ("litigation", "诉讼", "Litigation"),
        ("petition", "信访途径", "Through petition channels"),
        ("other", "其他", "Other"),
    ]),
    "event_scale": ("domain.md §2.2 事件规模 [U: thresholds by headcount are configurable]", [
        ("general", "一般", "Ordinary"),
        ("large", "较大", "Large"),
        ("major", "重大", "Major"),
    ]),
    "city_event_class": (_EVENT_SRC, CITY_EVENT_CLASSES),
    "city_component_class": (_COMPONENT_SRC, CITY_COMPONENT_CLASSES),
    "request_type": ("domain.md §4 北京市接诉即办工作条例 (咨询/求助/投诉/举报/建议) [V]", [
        ("consult", "咨询", "Enquiry"),
        ("help", "求助", "Request for help"),
        ("complaint", "投诉", "Complaint"),
        ("report", "举报", "Report of wrongdoing"),
        ("suggestion", "建议", "Suggestion"),
        ("dispute", "矛盾纠纷", "Dispute", [], "seed/README.md, Kuiwen article [V]"),
        ("petition", "信访", "Petition (信访)", [], "domain.md §6.3 信访工作条例 [P]"),
        ("hazard", "安全隐患", "Safety hazard", [], "seed/README.md, Kuiwen article [V]"),
        ("livelihood", "民生事件", "Livelihood matter", [], "seed/README.md, Kuiwen article [V]"),
    ]),
    "case_channel": ("domain.md §3 信息收集 sources, §4 12345 [V]; grouping is the platform's [U]", [
        ("window", "窗口来访", "Walk-in at a window"),
        ("phone", "电话/12345热线", "Telephone / 12345 hotline"),
        ("online", "网上（网站、小程序）", "Online (web, mini-program)"),
        ("grid", "网格员上报", "Reported by a grid worker"),
        ("petition", "信访", "Petition (信访)"),
        ("external", "外部平台（雪亮工程、智慧消防、数字城管等）", "External platform (video, fire, city management…)"),
        ("leader", "领导交办", "Assigned by a leader"),
        ("open311", "Open311", "Open311"),
    ]),
    "case_tier": ("domain.md §6.1 简单/复杂/重大 [U: wording from the Kuiwen article only]", [
        ("simple", "简单（就地化解）", "Simple (resolved on the spot)"),
        ("complex", "复杂（联调联动）", "Complex (joint mediation)"),
        ("major", "重大（会商研判）", "Major (consultation and risk analysis)"),
    ]),
    "urgency": ("domain.md §4 Beijing 12345 draft: 2 h / 24 h / 7 days [V]; the grouping [U]", [
        ("normal", "一般", "Normal"),
        ("urgent", "紧急", "Urgent (water, power, gas, heating)"),
        ("emergency", "特急", "Emergency (life or property at risk)"),
    ]),
    "satisfaction": ("domain.md §4 满意率 = (满意 + 基本满意) / 回访评价次数, every verdict (decision 0006) [U]", [
        ("satisfied", "满意", "Satisfied"),
        ("basic", "基本满意", "Basically satisfied"),
        ("unsatisfied", "不满意", "Unsatisfied"),
    ]),
    "supervision_measure": ("Kuiwen article 非羁押人员云监管平台 (seven categories) [V]", [
        ("bail", "取保候审", "Bail pending trial"),
        ("residential", "监视居住", "Residential surveillance"),
        ("parole_probation", "假释缓刑", "Parole or suspended sentence"),
        ("temp_outside", "监外执行", "Execution outside prison"),
        ("control", "管制", "Public surveillance (管制)"),
        ("decided_unexecuted", "已决未执行", "Sentenced, not yet executed"),
        ("community_detox", "社区戒毒", "Community drug rehabilitation"),
        ("community_rehab", "社区康复", "Community recovery", [], "domain.md §7.3 禁毒法 Art 48, §11 [V]"),
    ]),
    "whistle_type": ("domain.md §5 when to blow the whistle (three cases) [V]", [
        ("hard_problem", "群众反映突出且街道解决不了的难题", "Prominent problem the street cannot solve"),
        ("joint_enforcement", "综合执法", "Joint law enforcement"),
        ("emergency", "应急处置", "Emergency response"),
    ]),
    "grid_duty": ("Kuiwen article 七大员 [V in the article; not found elsewhere, domain.md §8 U]", GRID_DUTIES),
    "grid_task_category": (_TASK_SRC, GRID_TASKS),
    "case_category": ("platform classification built from domain.md §2.2, §3 and seed/README.md [U]",
                      _case_categories()),
    "urban_rural_class": ("domain.md §1.1 城乡分类代码 [V]", [
        ("111", "主城区", "Main urban area"),
        ("112", "城乡结合区", "Urban–rural fringe"),
        ("121", "镇中心区", "Town centre"),
        ("122", "镇乡结合区", "Town–township fringe"),
        ("123", "特殊区域", "Special area", [], "domain.md §1.1 [U]"),
        ("210", "乡中心区", "Township centre"),
        ("220", "村庄", "Village"),
    ]),
    "four_history": ("domain.md §2.2 四史 [U]", [
        ("drug", "吸毒史", "History of drug use"),
        ("escape", "逃脱史", "History of escape"),
        ("suicide", "自杀史", "History of suicide attempts"),
        ("assault_police", "袭警史", "History of assaulting police"),
    ]),
    "three_involvements": ("domain.md §2.2 三涉 [P: values seen in use; full set unverified]", [
        ("gang", "涉黑", "Involved in organised crime"),
        ("evil", "涉恶", "Involved in local criminal gangs"),
    ]),
}


def entries() -> Iterator[Entry]:
    """Every entry of every table, parents before their children."""

    def walk(type_: str, nodes: list[Node], parent: str | None, source: str, depth: int):
        for i, node in enumerate(nodes, start=1):
            code, label, label_en, *rest = node
            kids = rest[0] if rest else []
            src = rest[1] if len(rest) > 1 else source
            yield Entry(type_, code, label, label_en, parent, src, i, depth)
            yield from walk(type_, kids, code, src, depth + 1)

    for type_, (source, nodes) in TABLES.items():
        yield from walk(type_, nodes, None, source, 0)


def seed_codes(update: bool = False) -> int:
    """Insert the missing code-table entries; return how many were created.

    Idempotent: a second run creates nothing. Entries that exist are left as they are (an
    administrator may have edited them) unless ``update`` is true, in which case label,
    English label, parent, source and order are reset to the shipped values (``active`` and
    the validity dates stay as the administrator set them).
    """
    from .models import CodeItem

    rows = list(entries())
    types = sorted({e.type for e in rows})
    created = 0
    with transaction.atomic():
        existing = {(o.type, o.code): o for o in CodeItem.objects.filter(type__in=types)}
        ids = {k: o.pk for k, o in existing.items()}
        to_update = []
        for depth in range(max(e.depth for e in rows) + 1):
            new = []
            for e in rows:
                if e.depth != depth:
                    continue
                parent_id = ids[(e.type, e.parent_code)] if e.parent_code else None
                obj = existing.get((e.type, e.code))
                if obj is None:
                    new.append(CodeItem(type=e.type, code=e.code, label=e.label, label_en=e.label_en,
                                        parent_id=parent_id, source=e.source, order=e.order))
                elif update and (obj.label, obj.label_en, obj.parent_id, obj.source, obj.order) != (
                        e.label, e.label_en, parent_id, e.source, e.order):
                    obj.label, obj.label_en, obj.parent_id, obj.source, obj.order = (
                        e.label, e.label_en, parent_id, e.source, e.order)
                    to_update.append(obj)
            if new:
                CodeItem.objects.bulk_create(new)
                created += len(new)
                keys = {(o.type, o.code) for o in new}
                for t, c, pk in CodeItem.objects.filter(type__in={t for t, _ in keys}).values_list("type", "code", "pk"):
                    if (t, c) in keys:
                        ids[(t, c)] = pk
        if to_update:
            CodeItem.objects.bulk_update(to_update, ["label", "label_en", "parent", "source", "order"])
    return created
