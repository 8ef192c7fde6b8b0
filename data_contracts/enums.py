"""Enumerations from the domain brief (../shared/DOMAIN.md), with English codes.

Sources write the Chinese value; the graph stores it as written and the English code beside
it where a query or a release needs a stable ASCII value.
"""

ORG_TYPES = {"社会团体": "social_group", "社会服务机构": "social_service_org", "基金会": "foundation"}
#: the names social service organisations had before the Charity Law of 2016 (民办非企业单位,
#: shortened 民办非企业 or 民非): registers printed before then, and systems not yet changed,
#: still write them; they mean 社会服务机构 (type digit 2 of the USCC agrees)
FORMER_ORG_TYPES = {"民办非企业单位": "社会服务机构", "民办非企业": "社会服务机构", "民非": "社会服务机构"}
REGISTRATION_STATUSES = {"正常": "active", "注销": "deregistered", "撤销": "revoked"}
INSPECTION_RESULTS = {"合格": "pass", "基本合格": "basic_pass", "不合格": "fail"}
ORG_GRADES = ["1A", "2A", "3A", "4A", "5A"]
GRADE_VALID_YEARS = 5
CREDIT_LISTS = {"活动异常名录": "abnormal_activity", "严重违法失信名单": "serious_violation"}
COMMUNITY_KINDS = {"居委会": "residents_committee", "村委会": "village_committee"}
STREET_KINDS = {"街道": "street", "镇": "town"}
HUB_KINDS = {"区社会组织联合会": "federation", "街道枢纽": "street", "行业枢纽": "industry"}
WORKER_LEVELS = {"助理社会工作师": "assistant", "社会工作师": "intermediate", "高级社会工作师": "senior"}
PROCUREMENT_METHODS = {
    "公开招标": "open_tender",
    "邀请招标": "invited_tender",
    "竞争性谈判": "competitive_negotiation",
    "竞争性磋商": "competitive_consultation",
    "单一来源": "single_source",
    "询价": "request_for_quotation",
    "框架协议采购": "framework_agreement",
}
SERVICE_CATEGORIES = {
    "养老服务": "elderly_care",
    "青少年服务": "youth",
    "助残服务": "disability",
    "社会救助": "social_assistance",
    "社区治理": "community_governance",
    "家庭服务": "family",
    "社会工作专业服务": "social_work",
    "公益慈善": "charity",
}
FUNDING_SOURCES = {
    "区社会组织发展专项资金": "district_special_fund",
    "福利彩票公益金": "welfare_lottery_fund",
    "公益创投": "venture_philanthropy",
    "街道财政资金": "street_budget",
    "区级财政预算": "district_budget",
}
#: project evaluation grades, best first, with their rank (higher is better) and score floor
EVALUATION_GRADES = {"优秀": (4, 90), "良好": (3, 80), "合格": (2, 60), "不合格": (1, 0)}


def evaluation_grade_for(score: float) -> str:
    for grade, (_rank, floor) in EVALUATION_GRADES.items():
        if score >= floor:
            return grade
    return "不合格"
