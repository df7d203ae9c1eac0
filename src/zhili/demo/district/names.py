"""The demo district's names and figures: Kuiwen's bounds, streets and their centres, the districts of the city
scale, the counts of the Kuiwen article (``shared/seed/``), and the lists that the names of
people, communities, compounds, departments and windows are drawn from."""

CITY_CODE, CITY_NAME = "370700000000", "潍坊市"
KUIWEN = "370705"
#: the bounds (lon0, lat0, lon1, lat1; WGS-84) of Kuiwen's real outline (:mod:`.outlines`)
KUIWEN_BOX = (119.090112, 36.607687, 119.30012, 36.768957)
KUIWEN_STREETS = ["东关街道", "大虞街道", "梨园街道", "廿里堡街道", "潍州路街道", "北苑街道", "广文街道", "北海路街道"]
#: where each street's region grows from (lon, lat; WGS-84): plausible, not surveyed — the old town
#: along the Bailang river in the west, the newer streets north and east, 廿里堡 the rural east and
#: south-east, 潍州路 the south-west lobe. The streets' boundaries are generated around them.
KUIWEN_STREET_CENTRES = [(119.118, 36.708), (119.140, 36.722), (119.128, 36.745), (119.250, 36.680),
                         (119.122, 36.650), (119.168, 36.733), (119.148, 36.690), (119.190, 36.712)]
#: the town centre: communities and grids are smallest here and grow towards the outskirts
KUIWEN_CENTRE = (119.14, 36.71)

#: The districts of the city scale: code, name, kind, bounds, grids. Each is laid out inside its real
#: outline (:func:`.outlines.city_outlines`); the bounds are those outlines' (WGS-84), for reference.
CITY_DISTRICTS = [
    ("370702", "潍城区", "district", (118.94, 36.59, 119.11, 36.82), 420),
    ("370703", "寒亭区", "district", (118.89, 36.72, 119.43, 37.29), 380),
    ("370704", "坊子区", "district", (119.06, 36.26, 119.57, 36.74), 360),
    ("370705", "奎文区", "district", KUIWEN_BOX, 408),
    ("370724", "临朐县", "county", (118.23, 36.07, 118.82, 36.62), 420),
    ("370725", "昌乐县", "county", (118.72, 36.28, 119.17, 36.77), 330),
    ("370781", "青州市", "county", (118.17, 36.41, 118.77, 36.96), 470),
    ("370782", "诸城市", "county", (119.01, 35.71, 119.73, 36.27), 520),
    ("370783", "寿光市", "county", (118.54, 36.72, 119.12, 37.30), 500),
    ("370784", "安丘市", "county", (118.73, 36.08, 119.45, 36.56), 430),
    ("370785", "高密市", "county", (119.44, 36.15, 120.01, 36.69), 420),
    ("370786", "昌邑市", "county", (119.21, 36.44, 119.62, 37.16), 360),
]

N_COMMUNITIES, N_GRIDS, N_DEDICATED = 65, 408, 12
N_PROPERTY_COMPANIES, N_STATIONS, N_COMPOUNDS = 67, 19, 726


SURNAMES = ("王王王张张张李李李刘刘陈杨赵赵孙孙徐马于于高郭宋林胡韩郑曹田董周吴朱"
            "黄何冯邓丁谭邱姜崔程袁潘蒋魏秦秦隋单葛耿")
GIVEN = ("建国军伟芳娜敏静丽强磊洋艳勇杰娟涛明超秀霞平刚桂英华玉兰红梅志新海波宁辉斌鹏飞"
         "雪琳晓燕丹颖倩玲凤云帅浩宇欣怡佳慧文博鑫晨阳淑珍秀荣德福庆春")
COMMUNITY_STEMS = [
    "文化路", "胜利东街", "健康东街", "福寿", "和平", "永安", "新华", "东风", "北宫", "鸢飞", "虞河",
    "白浪河", "十笏园", "樱园", "金宝", "四平", "民生", "青年路", "潍州", "奎文门", "广文", "北海",
    "梨园", "大虞", "廿里堡", "东关", "北苑", "志远", "育英", "幸福", "安顺", "新村", "宝通", "友爱",
    "春晖", "富华", "泰华", "向阳", "东盛", "南苑", "怡园", "锦绣", "福泰", "长松", "海棠", "丁香",
    "月河", "仓颉", "鸢都", "苇湾", "金马", "新城", "颐园", "惠贤", "百合", "同心", "凤凰", "银枫",
    "龙泉", "嘉和", "丰华", "康乐", "南屯", "北关", "清平", "瑞景", "华都", "书香",
]
#: Kuiwen's roads for the demo's addresses (:mod:`.addresses`), a plausible frame rather than a survey:
#: east–west streets (街), north to south: (name, latitude, WGS-84)
STREETS_EW = [
    ("北宫东街", 36.7335), ("东风东街", 36.7195), ("民生东街", 36.7120), ("胜利东街", 36.7050), ("健康东街", 36.6940),
    ("樱前街", 36.6880), ("福寿东街", 36.6810), ("宝通东街", 36.6710), ("玉清东街", 36.6600), ("金宝街", 36.6470),
    ("安顺街", 36.6340), ("丰华街", 36.6210),
]
#: north–south roads (路), west to east: (name, longitude, WGS-84)
ROADS_NS = [
    ("白浪河路", 119.1085), ("新华路", 119.1210), ("文化路", 119.1310), ("四平路", 119.1420), ("虞河路", 119.1520),
    ("潍州路", 119.1630), ("北海路", 119.1760), ("鸢飞路", 119.1900), ("东方路", 119.2050), ("金马路", 119.2200),
    ("志远路", 119.2360), ("育英路", 119.2520), ("长松路", 119.2680), ("龙泉路", 119.2850),
]
COMPOUND_HEADS = ["花园", "家园", "小区", "新村", "苑", "公寓", "佳园", "名居", "雅居", "嘉园"]
DANWEI = ["供电公司", "潍柴", "纺织厂", "邮政", "粮食局", "棉麻公司", "化工厂", "一中", "交通局", "建设银行",
          "自来水公司", "煤矿", "农机厂", "针织厂", "二轻", "电业局", "铁路", "烟草公司", "物资局", "商业局"]
DEDICATED = ["人民医院", "实验小学", "第一中学", "农贸市场", "商业综合体", "火车站片区", "工业园", "职业学院",
             "中医院", "汽车站", "科技园", "物流园", "妇幼保健院", "体育中心"]
SYLLABLES = "安宁和平兴福泰康乐华东西南北新丰瑞祥盛永昌隆德仁义明光河山柳桃杏松竹梅兰云龙凤金玉宝春秋阳清"
VILLAGE_TAILS = ["家庄", "家村", "官庄", "家营", "家屯", "家洼", "家岭"]

DEPARTMENTS = [  # code, name, English, stationed
    ("dept-xfj", "奎文区信访局", "Petitions Bureau", True),
    ("dept-gaj", "潍坊市公安局奎文分局", "Public Security Sub-bureau", True),
    ("dept-fy", "奎文区人民法院", "People's Court", True),
    ("dept-jcy", "奎文区人民检察院", "People's Procuratorate", True),
    ("dept-zjj", "奎文区住房和城乡建设局", "Housing and Urban-Rural Development Bureau", True),
    ("dept-rsj", "奎文区人力资源和社会保障局", "Human Resources and Social Security Bureau", True),
    ("dept-sfj", "奎文区司法局", "Justice Bureau", True),
    ("dept-wjj", "奎文区卫生健康局", "Health Bureau", True),
    ("dept-scjgj", "奎文区市场监督管理局", "Market Regulation Bureau", True),
    ("dept-zhzfj", "奎文区综合行政执法局（城管）", "Comprehensive Law Enforcement Bureau (city management)", True),
    ("dept-mzj", "奎文区民政局", "Civil Affairs Bureau", True),
    ("dept-zrzyj", "潍坊市自然资源和规划局奎文分局", "Natural Resources and Planning Sub-bureau", True),
    ("dept-jyj", "奎文区教育和体育局", "Education and Sports Bureau", True),
    ("dept-sthj", "潍坊市生态环境局奎文分局", "Ecology and Environment Sub-bureau", True),
    ("dept-yjj", "奎文区应急管理局", "Emergency Management Bureau", True),
    ("dept-zfw", "中共奎文区委政法委员会", "Political and Legal Affairs Commission", False),
    ("dept-tyjrj", "奎文区退役军人事务局", "Veterans Affairs Bureau", False),
    ("dept-fgj", "奎文区发展和改革局", "Development and Reform Bureau", False),
    ("dept-czj", "奎文区财政局", "Finance Bureau", False),
    ("dept-zgh", "奎文区总工会", "Federation of Trade Unions", False),
    ("dept-fl", "奎文区妇女联合会", "Women's Federation", False),
    ("dept-fxh", "奎文区法学会", "Law Society", False),
    ("dept-xfjy", "奎文区消防救援大队", "Fire and Rescue Brigade", False),
]
WINDOWS = [  # the article's eight first, then the others of the 18 (plausible)
    ("信访接访", "Petition reception"),
    ("诉前调解和速裁服务", "Pre-litigation mediation and fast-track adjudication"),
    ("检察服务", "Procuratorial services"),
    ("法律援助", "Legal aid"),
    ("医疗纠纷", "Medical disputes"),
    ("劳动监察及仲裁", "Labour inspection and arbitration"),
    ("农民工工资清欠", "Migrant workers' wage arrears"),
    ("消费纠纷和投诉举报", "Consumer disputes, complaints and reports"),
    ("物业纠纷调解", "Property-management disputes"),
    ("婚姻家庭纠纷调解", "Marriage and family disputes"),
    ("道路交通事故纠纷调解", "Road-traffic accident disputes"),
    ("公安调解", "Police mediation"),
    ("住房和城建服务", "Housing and construction services"),
    ("行政复议与行政调解", "Administrative review and mediation"),
    ("社会保险服务", "Social-insurance services"),
    ("心理咨询疏导", "Psychological counselling"),
    ("联席联办会商室", "Joint-meeting room"),
    ("综合受理", "General intake"),
]
#: Departments whose staff are sunk to grids (the N of 1+2+N+X).
SUNK_DEPARTMENTS = ["dept-gaj", "dept-sfj", "dept-zhzfj", "dept-scjgj", "dept-wjj", "dept-yjj"]
