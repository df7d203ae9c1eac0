"""What residents bring to the centre, by category: the demo's matters.

For every leaf of the case-category code table (:mod:`zhili.core.codes_seed`) a few realistic
matters — a title and its text, the types it is filed as — and the units that handle the leaf: its
lead units (a department of ``demo.district.names.DEPARTMENTS``, or ``street`` / ``community``: the
office of the case's own street or community, for matters settled locally), the units that
cooperate on a complex or major one, the mediation committee of its disputes, how often it is
urgent, complex or major. A title belongs to one leaf only, and a case of a leaf is dispatched only
to one of its units. The year of cases (:mod:`zhili.demo.cases`) and the bulk loader's templates
(:mod:`zhili.demo.bulk`) both draw from here.

The channels follow the article's scale: of the year's matters about 7,415 are 信访事项 — brought
by residents in a form of 信访工作条例 第十七条 (走访 at a window, 电话, 信息网络 online or through
Open311, 书信 by the petition channel) — and the rest are found by grid workers, sent by the
platforms (雪亮工程, 智慧消防, 数字城管 …) or handed over by a leader.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

STREET, COMMUNITY = "street", "community"

#: the root categories' shares of the year
ROOT_WEIGHTS = {"dispute": 24, "livelihood": 36, "hazard": 15, "city": 12, "labour": 8, "other": 5}
#: the channels of 信访 (信访工作条例 第十七条: 走访、电话、信息网络、书信)
XINFANG_CHANNELS = ("window", "phone", "online", "open311", "petition")
_CHANNELS = [("window", 33), ("phone", 35), ("online", 17), ("petition", 8), ("open311", 2.5), ("grid", 2.5),
             ("leader", 0.7)]
#: hazards and city problems: more from the grid workers' rounds and the platforms' alarms
_CHANNELS_FOUND = [("window", 20), ("phone", 34), ("online", 15), ("petition", 2), ("open311", 3), ("grid", 7),
                   ("platform", 3), ("leader", 0.5)]
CHANNELS_BY_ROOT = {root: _CHANNELS_FOUND if root in ("hazard", "city") else _CHANNELS for root in ROOT_WEIGHTS}
#: what the resident asks for, by type
REQUESTS = {
    "consult": "请告知相关政策和办理流程", "help": "请帮助协调解决", "complaint": "请有关部门依法处理",
    "report": "请有关部门核查处理", "suggestion": "建议有关部门研究采纳", "dispute": "请求依法调解",
    "petition": "请求依法处理并给予书面答复", "hazard": "请尽快排除隐患", "livelihood": "请尽快协调解决",
}
#: a closing sentence of the text, by type (fits any matter of the type)
CLOSINGS = {
    "consult": ["想了解具体办理条件。", "不清楚该找哪个部门。"],
    "help": ["家中困难，希望得到帮助。", "自行无法解决，希望帮助协调。"],
    "complaint": ["多次反映未解决。", "影响正常生活。", "希望尽快处理。"],
    "report": ["请核实后依法处理。", "请对举报人信息保密。"],
    "suggestion": ["希望采纳。", "供有关部门参考。"],
    "dispute": ["双方协商未果。", "双方分歧较大，请求调解。", "已与对方多次沟通未果。"],
    "petition": ["此前曾多次反映。", "要求给予明确答复。"],
    "hazard": ["存在安全隐患。", "担心发生事故。"],
    "livelihood": ["影响正常生活。", "老人孩子多有不便。", "希望尽快解决。"],
}


@dataclass(frozen=True)
class Matter:
    title: str
    text: str
    types: tuple[str, ...]  # the types it is filed as, the usual one first
    units: tuple[str, ...] = ()  # its own lead units (else the leaf's)


@dataclass(frozen=True)
class Leaf:
    code: str
    weight: float  # within its root
    units: tuple[str, ...]  # lead units, the usual one first
    partners: tuple[str, ...]  # cooperating units of a complex or major case
    matters: tuple[Matter, ...]
    urgent: float = 0.0  # share of urgent (24 h) and emergency (2 h) cases
    emergency: float = 0.0
    complex: float = 0.2  # share of complex cases
    major: float = 0.0  # share of major cases (重大纠纷会商研判)
    committee: str = ""  # the professional mediation committee of its disputes (else the street's)

    def lead_units(self, m: Matter) -> tuple[str, ...]:
        return m.units or self.units


def _m(title: str, text: str, types: str, units: str = "") -> Matter:
    return Matter(title, text, tuple(types.split()), tuple(units.split()))


def _leaf(code: str, weight: float, units: str, partners: str, *matters: Matter, **kw) -> Leaf:
    return Leaf(code, weight, tuple(units.split()), tuple(partners.split()), matters, **kw)


_S, _C = STREET, COMMUNITY
LEAVES: dict[str, Leaf] = {leaf.code: leaf for leaf in [
    # --- 矛盾纠纷
    _leaf("dispute.marriage_family", 5, f"{_C} {_S} dept-fl", "dept-sfj dept-fl",
          _m("离婚财产分割纠纷", "夫妻双方协议离婚，对共同购买的住房和存款如何分割争执不下", "dispute"),
          _m("赡养老人费用分担纠纷", "老人年迈多病，几个子女对赡养费和轮流照料的安排互相推诿", "dispute petition"),
          _m("子女抚养费纠纷", "离婚后对方长期不按协议支付孩子抚养费，孩子上学费用无着落", "dispute"),
          _m("家庭矛盾激化求助", "夫妻长期争吵，近期多次发生推搡，女方担心人身安全", "help dispute", f"dept-fl {_C}")),
    _leaf("dispute.neighbour", 9, f"{_C} {_S}", "dept-sfj dept-gaj",
          _m("楼上漏水引发邻里纠纷", "楼上卫生间渗水导致楼下天花板发霉脱落，双方就维修和赔偿协商不成", "dispute"),
          _m("邻居装修噪声纠纷", "邻居装修经常在午休和晚上施工，沟通后仍不改，双方发生口角", "dispute complaint"),
          _m("楼道堆物引发邻里矛盾", "对门邻居长期在楼道堆放杂物和鞋柜，多次沟通不清理，双方关系紧张", "dispute"),
          _m("邻居养狗扰民纠纷", "邻居家的狗夜间吠叫、在楼道便溺，劝说无效后双方争吵", "dispute")),
    _leaf("dispute.housing_homestead", 3, f"{_S} dept-zrzyj", "dept-zjj dept-zrzyj",
          _m("房屋产权归属纠纷", "父母去世后留下的老房子，兄妹几人对产权归属和继承份额有争议", "dispute"),
          _m("加盖房屋影响采光纠纷", "相邻住户在院内加盖二层房屋，挡住自家采光，双方多次争执", "dispute complaint"),
          _m("宅基地界址纠纷", "村内两户相邻宅基地边界不清，翻建院墙时发生争执", "dispute petition"),
          complex=0.3, major=0.062),
    _leaf("dispute.contract", 4, f"dept-sfj dept-fy {_S}", "dept-fy dept-scjgj",
          _m("房屋租赁押金纠纷", "租房合同到期退租，房东以房屋有损坏为由拒不退还押金", "dispute"),
          _m("装修合同质量纠纷", "家装公司施工后墙面开裂、地面空鼓，要求返工遭拒", "dispute complaint"),
          _m("借款合同纠纷", "朋友借款到期后一直拖延不还，催要无果", "dispute")),
    _leaf("dispute.business", 2, f"{_S} dept-scjgj dept-sfj", "dept-scjgj dept-sfj",
          _m("合伙经营分红纠纷", "与他人合伙开店，对方拒不公开账目，对利润分配有争议", "dispute"),
          _m("店铺转让费纠纷", "接手店铺后发现原经营者隐瞒房租欠费，要求退还转让费", "dispute"),
          _m("市场摊位费纠纷", "农贸市场管理方年中上调摊位费，商户认为违反约定", "dispute complaint")),
    _leaf("dispute.damages", 4, f"dept-sfj {_S} {_C}", "dept-gaj dept-sfj",
          _m("宠物伤人赔偿纠纷", "在小区内被邻居的狗咬伤，打疫苗花费数千元，对方不愿赔偿", "dispute"),
          _m("高空坠物损坏车辆纠纷", "停在楼下的车辆被楼上掉落的花盆砸坏，无人承认", "dispute"),
          _m("打架致伤赔偿纠纷", "因琐事与他人发生肢体冲突受伤，双方对医药费赔偿有争议", "dispute", "dept-gaj dept-sfj")),
    _leaf("dispute.forest_land", 0.5, f"dept-zrzyj {_S}", "dept-zrzyj",
          _m("承包地边界纠纷", "相邻两户承包地边界被挪动，双方对地界有争议", "dispute"),
          _m("集体土地使用纠纷", "村集体土地被个人长期占用，村民对使用和收益分配有异议", "dispute petition"),
          _m("林木权属纠纷", "地头树木被邻户砍伐出售，双方对树木归属有争议", "dispute")),
    _leaf("dispute.land_requisition", 2, f"dept-zjj {_S} dept-zrzyj", "dept-zrzyj dept-czj dept-gaj",
          _m("拆迁补偿标准争议", "旧城改造房屋征收，对评估价格和补偿标准有异议", "petition dispute"),
          _m("安置房分配纠纷", "旧村改造后安置房选房顺序和面积认定不公", "petition dispute"),
          _m("征收过渡费未按时发放", "房屋已拆除，过渡安置费已拖欠数月未发", "petition complaint"),
          complex=0.4, major=0.44),
    _leaf("dispute.environment", 1.5, f"dept-sthj {_S}", "dept-zhzfj dept-sthj",
          _m("餐饮油烟污染纠纷", "楼下饭店油烟直排，居民家中无法开窗，与店主多次交涉无果", "dispute complaint"),
          _m("工厂异味影响居民纠纷", "附近工厂夜间排放刺鼻气味，周边居民与厂方发生矛盾", "dispute petition"),
          _m("空调外机热风纠纷", "商铺空调外机正对居民窗户，夏季热风噪声影响生活", "dispute"),
          complex=0.3, major=0.084),
    _leaf("dispute.labour", 3, "dept-rsj", "dept-zgh dept-sfj",
          _m("解除劳动合同补偿纠纷", "公司单方面解除劳动合同，拒绝支付经济补偿金", "dispute"),
          _m("加班费争议", "长期加班未获加班费，与公司协商无果", "dispute complaint"),
          _m("工伤待遇争议", "工伤认定后公司拒绝支付停工留薪期工资", "dispute"),
          committee="med-labour", complex=0.25, major=0.032),
    _leaf("dispute.migrant_wages", 3, "dept-rsj", f"dept-zjj dept-gaj {_S}",
          _m("工地拖欠农民工工资", "在某建筑工地干了半年，工程结束后包工头以未收到工程款为由拖欠工资", "dispute petition"),
          _m("装修工人工资拖欠", "装修完工后承包人拖欠十余名工人工资", "dispute petition"),
          _m("农民工群体讨薪", "二十余名农民工反映项目停工后工资无人支付", "petition dispute"),
          committee="med-labour", urgent=0.05, complex=0.35, major=0.397),
    _leaf("dispute.medical", 1.5, "dept-wjj dept-sfj", "dept-wjj dept-sfj",
          _m("手术后并发症医疗纠纷", "家属认为医院术后观察不到位导致并发症，要求赔偿", "dispute"),
          _m("诊所误诊赔偿纠纷", "在个体诊所就诊被误诊延误治疗，要求赔偿", "dispute"),
          _m("医疗费用争议", "住院费用清单中有多项未使用的收费，与医院交涉未果", "dispute complaint"),
          committee="med-medical", complex=0.3, major=0.042),
    _leaf("dispute.traffic_accident", 3, "dept-gaj dept-sfj", "dept-gaj dept-sfj",
          _m("交通事故赔偿纠纷", "交通事故责任认定后，对方拒绝按责任比例赔偿医疗费和误工费", "dispute"),
          _m("电动车与行人相撞纠纷", "骑电动车与行人相撞致对方受伤，双方对赔偿数额分歧较大", "dispute"),
          _m("小区内剐蹭车辆纠纷", "在小区内倒车剐蹭他人车辆，对维修费用有争议", "dispute"),
          committee="med-traffic"),
    _leaf("dispute.property_mgmt", 5, f"{_S} dept-zjj {_C}", f"dept-zjj {_C}",
          _m("物业费收缴纠纷", "业主以服务差为由拒交物业费，物业公司停止为其提供门禁卡", "dispute"),
          _m("物业服务质量纠纷", "业主认为物业公司保洁、安保不到位，要求降低物业费", "dispute complaint"),
          _m("公共收益分配争议", "业主要求公开小区广告位和停车场收益，物业公司拒绝", "dispute petition"),
          _m("更换物业公司纠纷", "业委会决定更换物业公司，原物业拒不退出", "dispute petition"),
          committee="med-property", complex=0.3, major=0.105),
    _leaf("dispute.consumer", 3, "dept-scjgj", "dept-scjgj",
          _m("预付卡退费纠纷", "健身房突然闭店，会员卡余额无法退还", "dispute complaint"),
          _m("家电维修收费纠纷", "上门维修空调，维修人员收取高额材料费", "dispute complaint"),
          _m("购买商品质量纠纷", "在商场购买的家具使用不久出现开裂，商家拒绝退换", "dispute complaint"),
          major=0.021),
    _leaf("dispute.tourism", 0.5, "dept-scjgj", "dept-scjgj",
          _m("旅行社行程变更退费纠纷", "报名旅游团后旅行社擅自变更行程，拒绝退还差价", "dispute complaint"),
          _m("低价旅游团强制购物纠纷", "参加低价旅游团被导游要求购物，要求退款", "dispute complaint"),
          _m("旅游订单取消纠纷", "因病取消旅游订单，旅行社扣除全部费用", "dispute")),
    _leaf("dispute.ecommerce", 1, "dept-scjgj", "dept-scjgj",
          _m("网购商品退货纠纷", "网购商品与描述不符，商家拒绝七天无理由退货", "dispute complaint"),
          _m("直播带货商品质量纠纷", "在直播间购买的保健品无中文标签，要求退款", "dispute complaint"),
          _m("外卖餐品质量纠纷", "外卖餐品中吃出异物，商家和平台互相推诿", "dispute complaint")),
    _leaf("dispute.other", 2, f"{_C} {_S} dept-sfj", "dept-sfj",
          _m("民间借贷纠纷", "亲戚借款多年未还，出具的借条对还款时间约定不清", "dispute"),
          _m("共有车位使用纠纷", "与邻居共同购买的车位，对使用时间安排发生争执", "dispute"),
          _m("婚丧事宜费用纠纷", "老人丧事费用如何分摊，兄弟之间发生矛盾", "dispute")),
    # --- 民生事件
    _leaf("livelihood.water", 3, f"dept-zjj {_S}", f"dept-zjj {_C}",
          _m("小区停水", "小区突然停水，没有提前通知，家中老人无法做饭", "livelihood complaint"),
          _m("自来水水压不足", "高层住户水压不足，早晚用水高峰时段几乎无水", "livelihood complaint"),
          _m("自来水发黄浑浊", "家中自来水近几天发黄浑浊，不敢饮用", "livelihood complaint"),
          urgent=0.35),
    _leaf("livelihood.heating", 3, "dept-zjj", f"{_S} {_C}",
          _m("暖气不热", "供暖后家中室温只有十三四度，暖气片上热下凉", "livelihood complaint"),
          _m("供暖费收取异议", "家中长期无人居住申请停暖，仍被要求全额缴纳供暖费", "complaint consult"),
          _m("暖气管道漏水", "楼道暖气管道漏水，热水流到楼梯上结冰", "livelihood"),
          urgent=0.3),
    _leaf("livelihood.gas", 1.5, "dept-zjj", _S,
          _m("燃气停供", "小区燃气停供两天，燃气公司未说明恢复时间", "livelihood complaint"),
          _m("燃气开户缓慢", "新房交付后申请燃气开户，一个多月仍未安装", "complaint help"),
          _m("燃气表计量异常", "燃气表读数异常，近两个月燃气费翻倍", "complaint consult"),
          urgent=0.2),
    _leaf("livelihood.power", 1.5, f"dept-fgj {_S}", _S,
          _m("小区频繁停电", "小区近一个月频繁停电，冰箱食物变质", "livelihood complaint"),
          _m("电压不稳", "晚间用电高峰电压不稳，灯光闪烁，电器无法使用", "livelihood complaint"),
          _m("充电桩报装困难", "在自有车位安装充电桩，物业和供电部门互相推诿", "help complaint"),
          urgent=0.2),
    _leaf("livelihood.property", 6, f"{_S} {_C} dept-zjj", f"{_C} dept-zjj",
          _m("楼道灯不亮", "单元楼道声控灯坏了一个多月，物业一直不修", "livelihood complaint"),
          _m("小区门禁损坏", "小区大门门禁损坏，外来人员随意进出", "livelihood complaint"),
          _m("物业不作为", "小区路面破损、绿化无人管理，物业公司只收费不服务", "complaint"),
          _m("单元门损坏", "单元防盗门闭门器损坏，大门关不上", "livelihood")),
    _leaf("livelihood.road", 3, "dept-zjj dept-zhzfj", _S,
          _m("道路坑洼积水", "小区门口道路坑洼不平，下雨后大量积水", "livelihood complaint"),
          _m("人行道砖破损", "人行道地砖松动翘起，老人多次绊倒", "livelihood"),
          _m("路灯不亮", "辖区道路一段路灯多日不亮，夜间出行不便", "livelihood")),
    _leaf("livelihood.sanitation", 3, f"dept-zhzfj {_S} {_C}", _C,
          _m("垃圾清运不及时", "小区垃圾桶满溢，已经三天无人清运，气味难闻", "livelihood complaint"),
          _m("公厕卫生差", "附近公共厕所长期无人打扫，环境脏乱", "complaint"),
          _m("背街小巷卫生脏乱", "背街小巷垃圾成堆，无人清扫", "livelihood complaint")),
    _leaf("livelihood.noise", 4, "dept-zhzfj dept-gaj", "dept-gaj dept-sthj",
          _m("夜间施工噪声扰民", "附近工地每天施工到凌晨，严重影响休息", "complaint"),
          _m("广场舞音响扰民", "小区广场跳舞音响声音过大，持续到晚上十点", "complaint"),
          _m("商铺音响外放扰民", "沿街商铺门口大音量播放促销广告", "complaint"),
          _m("烧烤店夜间噪声", "楼下烧烤店营业到凌晨，食客喧哗", "complaint", "dept-gaj dept-zhzfj")),
    _leaf("livelihood.greening", 1.5, f"dept-zhzfj {_C}", _C,
          _m("小区绿地被占种菜", "有居民毁坏小区公共绿地种菜", "complaint"),
          _m("树木遮挡采光需修剪", "楼前大树过高遮挡低层住户采光", "help suggestion"),
          _m("行道树倾斜", "路边行道树严重倾斜，担心倒伏", "livelihood")),
    _leaf("livelihood.parking", 2.5, f"dept-gaj dept-zhzfj {_C}", _C,
          _m("小区停车位不足", "小区车位严重不足，车辆乱停乱放", "suggestion complaint", f"{_C} {_S}"),
          _m("僵尸车长期占用车位", "小区内一辆废弃车辆停放一年多无人挪走", "complaint"),
          _m("路边违停堵塞出行", "小区门口路边违停车辆堵塞出入口", "complaint")),
    _leaf("livelihood.elevator", 2, "dept-scjgj dept-zjj", _C,
          _m("电梯故障停运", "单元电梯故障停运一周，高层老人无法下楼", "livelihood complaint"),
          _m("加装电梯意见分歧", "老旧小区加装电梯，低层住户反对，工程无法推进", "help dispute", f"{_S} dept-zjj"),
          _m("电梯维保不到位", "电梯维保记录造假，电梯运行异响", "report complaint"),
          urgent=0.1),
    _leaf("livelihood.old_compound", 2, f"dept-zjj {_S}", f"{_S} {_C}",
          _m("老旧小区改造进度", "小区列入改造计划一年多，至今没有动工", "consult complaint"),
          _m("改造施工质量问题", "老旧小区改造后屋面漏雨、外墙保温脱落", "complaint petition"),
          _m("改造占用绿地异议", "改造方案拟将部分绿地改为停车位，部分居民反对", "suggestion dispute"),
          complex=0.3, major=0.062),
    _leaf("livelihood.education", 1.5, "dept-jyj", _S,
          _m("入学划片咨询", "孩子明年上小学，想了解所在小区的学区划片", "consult"),
          _m("学校周边交通拥堵", "上下学时段学校门口车辆拥堵，存在安全隐患", "suggestion complaint", "dept-jyj dept-gaj"),
          _m("校外培训机构退费", "孩子报名的培训机构停课，剩余课时费不退", "complaint", "dept-jyj dept-scjgj")),
    _leaf("livelihood.health", 1.5, "dept-wjj", _C,
          _m("社区卫生服务中心服务态度", "社区卫生服务中心医生态度生硬，开药排队时间长", "complaint"),
          _m("疫苗接种预约", "孩子疫苗接种预约不上，想了解接种安排", "consult"),
          _m("家庭医生签约服务", "老人想签约家庭医生，不知道如何办理", "consult help")),
    _leaf("livelihood.assistance", 2.5, f"dept-mzj {_S}", f"{_S} {_C}",
          _m("低保申请咨询", "家中老人患病失去劳动能力，想咨询最低生活保障的申请条件和材料", "consult help"),
          _m("临时救助申请", "家人突发重病，医疗费用负担重，申请临时救助", "help"),
          _m("低保资格被取消异议", "家中情况没有变化，低保资格却被取消，要求重新审核", "complaint petition"),
          _m("特困人员供养申请", "独居老人无子女、无收入，申请特困人员供养", "help")),
    _leaf("livelihood.elderly", 2, f"dept-mzj {_C}", f"{_C} {_S}",
          _m("高龄津贴申领", "老人年满八十周岁，咨询高龄津贴如何申领", "consult"),
          _m("居家养老服务申请", "独居老人行动不便，申请居家养老上门服务", "help"),
          _m("养老院服务质量", "家中老人入住的养老院护理不到位", "complaint")),
    _leaf("livelihood.other", 2, f"{_S} {_C}", _C,
          _m("社区活动场所开放时间", "社区活动室平时大门紧锁，居民无法使用", "suggestion complaint"),
          _m("退役军人优待证办理", "退役军人咨询优待证的办理条件和流程", "consult", f"dept-tyjrj {_S}"),
          _m("公交站点设置建议", "小区附近没有公交站点，建议增设", "suggestion")),
    # --- 安全隐患
    _leaf("hazard.fire", 3, f"dept-xfjy dept-yjj {_C}", f"{_C} dept-yjj",
          _m("楼道堆放杂物堵塞消防通道", "楼道内堆满纸箱和旧家具，消防通道被堵塞", "hazard report"),
          _m("电动车楼道充电", "有住户在楼道内给电动车充电，电线从窗户拉出", "hazard report"),
          _m("消火栓无水", "小区室外消火栓打开后无水", "hazard"),
          _m("商铺违规住人", "沿街商铺内隔出房间住人，存在火灾隐患", "hazard report"),
          emergency=0.03, complex=0.15),
    _leaf("hazard.gas", 1.5, "dept-zjj dept-yjj", "dept-yjj dept-xfjy",
          _m("疑似燃气泄漏", "单元楼道内闻到明显燃气味", "hazard"),
          _m("燃气管道老化", "老旧小区燃气立管锈蚀严重", "hazard"),
          _m("餐馆违规使用液化气罐", "饭店后厨存放多个液化气罐，无安全措施", "hazard report"),
          emergency=0.2, urgent=0.1),
    _leaf("hazard.building", 1.5, "dept-zjj", f"{_S} dept-yjj",
          _m("危房墙体开裂", "老楼外墙出现贯通裂缝，居民担心房屋安全", "hazard"),
          _m("阳台外挂物松动", "高层阳台外挂花架锈蚀松动，下方是人行道", "hazard"),
          _m("违规拆改承重墙", "楼内住户装修时拆除承重墙", "report hazard"),
          urgent=0.1, complex=0.25, major=0.053),
    _leaf("hazard.traffic", 1.5, "dept-gaj", "dept-zhzfj",
          _m("路口缺少信号灯", "路口车流量大，没有红绿灯，多次发生剐蹭", "hazard suggestion"),
          _m("道路标线不清", "路面标线磨损看不清，夜间行车危险", "hazard"),
          _m("学校门口车辆乱停", "学校门口接送车辆乱停，学生穿行危险", "hazard complaint")),
    _leaf("hazard.food_drug", 1.5, "dept-scjgj", "dept-wjj",
          _m("餐馆使用过期食材", "发现某餐馆后厨存放过期食材", "report"),
          _m("无证食品作坊", "居民楼内有人开设无证食品加工作坊", "report hazard"),
          _m("药店不凭处方销售处方药", "药店销售处方药不要求处方", "report")),
    _leaf("hazard.construction_site", 1.5, "dept-zjj", "dept-zhzfj dept-yjj",
          _m("工地围挡倾斜", "工地临街围挡严重倾斜，随时可能倒塌", "hazard"),
          _m("塔吊作业越过居民区", "工地塔吊吊装作业从居民楼上方经过", "hazard"),
          _m("基坑无防护", "工地基坑边没有防护栏，夜间无警示灯", "hazard"),
          urgent=0.1),
    _leaf("hazard.chemicals", 0.5, "dept-yjj", "dept-xfjy dept-gaj",
          _m("居民区私存汽油", "有人在车库内大量囤积桶装汽油", "report hazard"),
          _m("仓库违规存放化学品", "居民区旁仓库存放油漆和化学溶剂", "report hazard"),
          _m("加油站周边违规经营", "加油站安全距离内有人摆摊用明火", "hazard"),
          emergency=0.05),
    _leaf("hazard.electricity", 1.5, f"dept-yjj {_C}", _C,
          _m("私拉电线", "住户从楼上窗户私拉电线到地面给车充电", "hazard"),
          _m("电线老化裸露", "楼道内电线老化，外皮破损裸露", "hazard"),
          _m("配电箱无门", "小区配电箱门缺失，儿童经常在旁玩耍", "hazard")),
    _leaf("hazard.special_equipment", 1, "dept-scjgj", "dept-zjj",
          _m("电梯频繁困人", "单元电梯近一个月困人三次", "hazard complaint"),
          _m("游乐设施安全隐患", "商场儿童游乐设施螺丝松动", "hazard"),
          _m("锅炉房安全隐患", "小区锅炉房无人值守，压力表损坏", "hazard"),
          urgent=0.1),
    _leaf("hazard.flood", 1, "dept-yjj dept-zjj dept-zhzfj", _S,
          _m("地下车库雨天倒灌", "一下大雨地下车库就进水", "hazard"),
          _m("低洼路段积水", "下穿桥低洼处积水严重，车辆熄火", "hazard"),
          _m("排水沟堵塞", "小区排水沟被淤泥堵塞，雨季担心内涝", "hazard"),
          urgent=0.2, emergency=0.05),
    _leaf("hazard.public_order", 2, "dept-gaj", _C,
          _m("小区监控损坏", "小区多个监控探头损坏，近期发生电动车被盗", "hazard complaint"),
          _m("夜间有人聚集滋事", "夜间经常有人在路边聚集饮酒滋事", "report"),
          _m("出租屋人员复杂", "某出租屋人员进出频繁，疑似从事违法活动", "report"),
          _m("电信诈骗线索", "接到冒充客服的诈骗电话，提供线索", "report")),
    _leaf("hazard.other", 1, f"{_S} dept-yjj", _C,
          _m("广告牌松动", "沿街店铺广告牌松动，大风天摇晃", "hazard"),
          _m("枯树有倒伏风险", "小区内枯死大树靠近楼房，有倒伏风险", "hazard"),
          _m("废弃房屋无人管理", "废弃平房无人管理，常有人进入", "hazard")),
    # --- 城市管理 (数字城管 事件 and 部件)
    _leaf("city.0101", 3, "dept-zhzfj", f"{_S} dept-zrzyj",
          _m("楼顶私搭乱建", "顶楼住户在楼顶搭建彩钢房", "report complaint"),
          _m("小区绿地违建", "一楼住户圈占公共绿地建小院", "report complaint"),
          _m("门店私搭雨棚", "沿街门店私自搭建雨棚占用人行道", "report"), complex=0.25),
    _leaf("city.0102", 1.5, f"dept-zhzfj {_C}", _C,
          _m("路边垃圾堆积", "路边空地堆放大量生活垃圾", "complaint"),
          _m("垃圾桶满溢", "路口垃圾桶满溢无人清理", "complaint")),
    _leaf("city.0103", 1, "dept-zhzfj", "dept-zjj",
          _m("路边渣土堆积", "路边堆放大量建筑渣土", "complaint report"),
          _m("渣土车遗撒", "夜间渣土车沿路遗撒，路面泥土飞扬", "report complaint")),
    _leaf("city.0104", 1, "dept-zhzfj", "",
          _m("道路油污", "路面大面积油污，行人多次滑倒", "complaint"),
          _m("路面泥浆污染", "工地车辆带泥上路污染路面", "complaint")),
    _leaf("city.0105", 0.5, "dept-zhzfj dept-sthj", "dept-sthj",
          _m("河道漂浮垃圾", "河道内漂浮大量塑料垃圾", "complaint"),
          _m("河道异味", "河道水体发黑发臭", "complaint", "dept-sthj dept-zhzfj")),
    _leaf("city.0106", 0.5, "dept-zhzfj", _C,
          _m("绿地内垃圾", "街头绿地内丢弃大量垃圾", "complaint"),
          _m("绿化带杂物堆放", "绿化带内堆放杂物", "complaint")),
    _leaf("city.0201", 1, f"dept-zhzfj {_C}", _C,
          _m("楼道小广告", "单元楼道墙面贴满开锁、疏通小广告", "complaint"),
          _m("电线杆小广告", "路边电线杆上乱贴小广告", "complaint")),
    _leaf("city.0202", 0.3, "dept-zhzfj", "",
          _m("路口散发广告", "路口有人拦车散发广告传单", "complaint"),
          _m("商场门口散发传单", "商场门口散发传单，地面纸屑遍地", "complaint")),
    _leaf("city.0203", 0.5, "dept-zhzfj", "",
          _m("门头广告违规设置", "商户门头广告超出规定尺寸", "report"),
          _m("户外广告牌破损", "路边户外广告牌破损", "complaint")),
    _leaf("city.0301", 1, "dept-zhzfj dept-zjj", "dept-zjj",
          _m("工地夜间违规施工", "工地晚上十点后仍在浇筑混凝土", "complaint"),
          _m("工地机械噪声扰民", "工地打桩机噪声大", "complaint")),
    _leaf("city.0302", 0.5, "dept-zhzfj", "dept-gaj",
          _m("施工材料占道", "施工材料占用人行道", "complaint"),
          _m("管道施工占道", "管道施工占用半幅道路", "complaint")),
    _leaf("city.0303", 1, "dept-zhzfj", "dept-sthj dept-zjj",
          _m("工地扬尘", "工地未覆盖裸土，大风天扬尘严重", "complaint"),
          _m("拆迁工地扬尘", "拆迁工地未洒水降尘", "complaint")),
    _leaf("city.0304", 0.5, "dept-zhzfj", _C,
          _m("装修垃圾乱倒", "有人将装修垃圾倒在路边", "complaint report"),
          _m("建筑垃圾偷倒", "夜间有车辆在空地偷倒建筑垃圾", "report")),
    _leaf("city.0401", 0.8, "dept-scjgj dept-zhzfj", "dept-zhzfj",
          _m("无照经营游商", "路边无照游商摆摊售卖", "complaint"),
          _m("无证小餐饮", "居民区内有人开设无证小餐馆", "report")),
    _leaf("city.0402", 2, "dept-zhzfj", _S,
          _m("占道经营", "沿街商户在人行道摆放商品占道经营", "complaint"),
          _m("早市占道", "早市摊贩占用机动车道", "complaint"),
          _m("夜市烧烤占道", "夜间烧烤摊占道经营", "complaint")),
    _leaf("city.0403", 0.3, "dept-mzj dept-gaj", "dept-gaj",
          _m("流浪人员露宿街头", "天气转冷，有流浪人员在桥下露宿", "help"),
          _m("流浪乞讨人员需救助", "路口有流浪乞讨人员，疑似走失", "help")),
    _leaf("city.0404", 0.3, "dept-gaj", "dept-zhzfj",
          _m("火车站黑车拉客", "火车站出口有黑车拉客", "report"),
          _m("汽车站周边黑车", "汽车站周边黑车聚集", "report")),
    _leaf("city.0501", 0.5, "dept-zjj", "dept-zhzfj",
          _m("自来水管道破裂", "路边自来水管道破裂，水流满地", "hazard livelihood"),
          _m("排水管道破裂", "小区排水管道破裂，污水外溢", "livelihood"),
          emergency=0.3, urgent=0.4),
    _leaf("city.0502", 0.3, "dept-zjj dept-zhzfj", "dept-gaj",
          _m("路面塌陷", "路面突然塌陷出一个大坑", "hazard"),
          _m("人行道塌陷", "人行道塌陷形成深坑", "hazard"),
          emergency=0.4, urgent=0.3),
    _leaf("city.0503", 0.5, "dept-zjj dept-zhzfj", "",
          _m("暴雨后道路积水", "暴雨后路段积水没过脚踝", "hazard"),
          _m("雨水口堵塞", "路边雨水口被堵，雨后积水久排不去", "complaint"),
          urgent=0.3),
    _leaf("city.0504", 0.2, "dept-xfjy", "dept-yjj",
          _m("垃圾桶起火", "路边垃圾桶起火冒烟", "hazard"),
          _m("车棚起火后续处置", "小区车棚起火后烧毁车辆无人处置", "hazard help", f"dept-xfjy {_S}"),
          emergency=0.5),
    _leaf("city.06", 0.5, f"dept-zhzfj {_S}", _C,
          _m("共享单车乱停放", "地铁口共享单车乱停放堵塞通道", "complaint"),
          _m("城区违规饲养家禽", "居民在城区楼下饲养鸡鸭", "complaint")),
    _leaf("city.component.01", 1, "dept-zjj", "dept-zhzfj",
          _m("窨井盖缺失", "人行道上窨井盖缺失，夜间有人踩空", "hazard"),
          _m("雨水箅子破损", "路边雨水箅子破损", "hazard"),
          _m("上水井盖松动", "上水井盖松动，车辆经过响声大", "hazard"),
          urgent=0.2),
    _leaf("city.component.02", 0.5, "dept-gaj dept-zhzfj", "",
          _m("交通护栏损坏", "道路中央护栏被撞倒", "hazard"),
          _m("交通标志牌倒伏", "交通标志牌倒伏在路边", "hazard")),
    _leaf("city.component.03", 0.5, "dept-zhzfj", "",
          _m("垃圾桶破损", "路边垃圾桶破损", "complaint"),
          _m("公厕设施损坏", "公共厕所水龙头和冲水设施损坏", "complaint")),
    _leaf("city.component.04", 0.3, "dept-zhzfj", "",
          _m("行道树倒伏", "大风后行道树倒伏压住路面", "hazard"),
          _m("绿地护栏损坏", "绿地护栏损坏缺失", "complaint")),
    _leaf("city.component.05", 0.2, "dept-zjj dept-zrzyj", "",
          _m("废弃房屋外墙破损", "临街废弃房屋外墙破损掉落", "hazard"),
          _m("围墙破损", "单位围墙破损有倒塌风险", "hazard")),
    _leaf("city.component.06", 0.3, f"dept-zhzfj {_S}", "",
          _m("健身器材损坏", "小广场健身器材损坏", "complaint"),
          _m("休闲座椅损坏", "公园休闲座椅断裂", "complaint")),
    _leaf("city.component.07", 0.2, "dept-zhzfj", "",
          _m("监控杆倾斜", "路边监控杆倾斜", "hazard"),
          _m("充电桩损坏", "公共充电桩损坏无法使用", "complaint")),
    # --- 劳动保障
    _leaf("labour.wage_arrears", 4, "dept-rsj", "dept-gaj dept-zgh",
          _m("公司拖欠员工工资", "所在公司已拖欠三个月工资", "complaint petition"),
          _m("餐馆拖欠服务员工资", "离职后饭店老板拒付最后一个月工资", "complaint"),
          _m("培训机构拖欠教师工资", "培训机构停业，拖欠教师工资", "complaint petition"),
          urgent=0.03, complex=0.3, major=0.12),
    _leaf("labour.contract", 2, "dept-rsj", "dept-zgh",
          _m("公司未签订劳动合同", "入职半年公司一直不签劳动合同", "complaint consult"),
          _m("试用期被辞退", "试用期内被公司无故辞退", "complaint"),
          _m("劳动合同到期不续签补偿", "劳动合同到期公司不续签，也不支付补偿", "complaint consult")),
    _leaf("labour.social_insurance", 2, "dept-rsj", "",
          _m("公司未缴社保", "公司未给员工缴纳社会保险", "complaint report"),
          _m("社保断缴补缴咨询", "前单位断缴社保，咨询如何补缴", "consult"),
          _m("养老保险待遇咨询", "即将退休，咨询养老保险待遇计算", "consult")),
    _leaf("labour.injury", 1, "dept-rsj", "",
          _m("工伤认定咨询", "上班途中发生交通事故，咨询能否认定工伤", "consult"),
          _m("工伤待遇未落实", "工伤认定后单位拒不支付工伤待遇", "complaint")),
    _leaf("labour.other", 1, "dept-rsj dept-zgh", "",
          _m("失业保险金申领", "失业后咨询失业保险金申领流程", "consult"),
          _m("职业技能培训补贴", "咨询职业技能培训补贴申请条件", "consult"),
          _m("退休手续办理", "咨询退休手续办理所需材料", "consult")),
    # --- 其他
    _leaf("other", 1, f"{_S} {_C} dept-xfj", "",
          _m("政策咨询", "咨询惠民政策的适用范围", "consult"),
          _m("办事流程咨询", "咨询到社会治理服务中心办事需要带哪些材料", "consult", "dept-xfj"),
          _m("对社区工作的建议", "建议社区增加便民服务项目", "suggestion", f"{_C} {_S}"),
          _m("公共设施建议", "建议在小区周边增设休闲座椅和健身器材", "suggestion")),
]}

#: title → leaf code (a title belongs to one leaf only)
TITLE_LEAF = {m.title: leaf.code for leaf in LEAVES.values() for m in leaf.matters}
assert len(TITLE_LEAF) == sum(len(leaf.matters) for leaf in LEAVES.values()), "a title belongs to one leaf only"


def pick(rng: random.Random, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


def root_of(code: str) -> str:
    return code.split(".")[0]


def leaves_of(root: str, available) -> list[tuple[str, float]]:
    """The leaves of a root that the code table has (``available``: codes), with their weights."""
    return [(c, leaf.weight) for c, leaf in LEAVES.items() if root_of(c) == root and c in available]


def first_weighted(rng: random.Random, items: tuple[str, ...]) -> str:
    """One of ``items``, the first twice as likely as each of the others."""
    return pick(rng, [(x, 2 if i == 0 else 1) for i, x in enumerate(items)])


@dataclass(frozen=True)
class Draw:
    """One case's matter: what it is, how it came in, how hard it is, who is to handle it."""

    leaf: Leaf
    matter: Matter
    case_type: str
    channel: str
    tier: str
    urgency: str
    description: str
    lead: str  # a department's code, STREET or COMMUNITY

    @property
    def request(self) -> str:
        return REQUESTS[self.case_type]


def draw(rng: random.Random, leaf_code: str) -> Draw:
    """A matter of the leaf, its type, channel, tier, urgency, text and lead unit."""
    leaf = LEAVES[leaf_code]
    m = rng.choice(leaf.matters)
    case_type = first_weighted(rng, m.types)
    root = root_of(leaf_code)
    if case_type == "petition":  # 信访: a letter to the petitions bureau or a visit to its window
        channel = "petition" if rng.random() < 0.6 else "window"
    else:
        channel = pick(rng, CHANNELS_BY_ROOT[root])
    u = rng.random()
    tier = "major" if u < leaf.major else "complex" if u < leaf.major + leaf.complex else "simple"
    if case_type in ("consult", "suggestion") and tier != "simple":
        tier = "simple"
    u = rng.random()
    urgency = "emergency" if u < leaf.emergency else "urgent" if u < leaf.emergency + leaf.urgent else "normal"
    if case_type in ("consult", "suggestion", "petition", "dispute") or tier == "major":
        urgency = "normal"
    description = f"{m.text}，{rng.choice(CLOSINGS[case_type])}"
    return Draw(leaf, m, case_type, channel, tier, urgency, description, first_weighted(rng, leaf.lead_units(m)))
