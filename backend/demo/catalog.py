"""Demo catalog: the patent's six categories, each with realistic published items.

Seeding is idempotent: it does nothing when any category exists. Items are written through
`services.catalog` with the demo admin as actor, so they pass the same checks as the editor's.
"""

from __future__ import annotations

from typing import Any

from backend.models.accounts import Role, Team, User
from backend.models.catalog import Category, Fulfilment, ReviewMode
from backend.services.catalog import catalog
from backend.services.core.actors import Actor

HALL = (
    "园区一站式服务大厅（综合楼一层）",
    "One-stop service hall, ground floor of the main building",
)
PDF_IMG = ["application/pdf", "image/jpeg", "image/png"]
MB = 1024 * 1024


def t(zh: str, en: str = "") -> dict[str, str]:
    return {"zh": zh, "en": en}


def step(zh: str, en: str, dzh: str = "", den: str = "") -> dict[str, Any]:
    return {"title": t(zh, en), "description": t(dzh, den)}


def field(
    key: str, kind: str, zh: str, en: str, required: bool = True, **extra: Any
) -> dict[str, Any]:
    return {"key": key, "type": kind, "label": t(zh, en), "required": required, **extra}


def doc(kind: str, zh: str, en: str, required: bool = True, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "label": t(zh, en), "mimeTypes": PDF_IMG, "maxBytes": 20 * MB,
            "required": required, **extra}  # fmt: skip


def options(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": v, "label": t(zh, en)} for v, zh, en in pairs]


# What the park holds on the enterprise is filled from its record, never asked again.
COMPANY = [
    field("company", "TEXT", "企业名称", "Company name", max="100", mirrors="NAME"),
    field(
        "creditCode",
        "CREDIT_CODE",
        "统一社会信用代码",
        "Unified social credit code",
        mirrors="CREDIT_CODE",
    ),
    field("contact", "TEXT", "联系人", "Contact person", max="30"),
    field("phone", "PHONE", "联系电话", "Phone"),
]
LICENCE = doc("licence", "企业营业执照", "Business licence", asksExpiry=True)
APPLY = step(
    "在线提交申请",
    "Apply online",
    "填写申请表并上传材料。",
    "Fill in the form and upload the materials.",
)
AUDIT = step(
    "服务台审核",
    "Service desk review",
    "审核员核对材料，必要时退回补正。",
    "An auditor checks the materials.",
)

CATALOG: list[dict[str, Any]] = [
    {
        "name": t("融资贷款", "Financing loans"),
        "description": t(
            "为园区企业对接银行信贷、融资顾问与政策性融资产品。",
            "Bank credit, financing advice and policy-backed loans for resident firms.",
        ),
        "items": [
            {
                "name": t("融资顾问", "Financing advisor"),
                "summary": t(
                    "专业顾问一对一分析企业融资需求，设计融资方案。",
                    "A one-to-one advisor analyses your funding needs and designs a plan.",
                ),
                "review_mode": ReviewMode.AUTO,
                "time_limit_days": 5,
                "appointment_quota": 8,
                "fields": [
                    *COMPANY,
                    field(
                        "need",
                        "MONEY",
                        "拟融资金额（元）",
                        "Amount sought (yuan)",
                        min="100000",
                        max="100000000",
                    ),
                    field(
                        "purpose",
                        "CHOICE",
                        "资金用途",
                        "Use of funds",
                        options=options(
                            ("working", "流动资金", "Working capital"),
                            ("equipment", "设备购置", "Equipment"),
                            ("rnd", "研发投入", "R&D"),
                        ),
                    ),
                    field(
                        "meetOn", "DATE", "期望面谈日期", "Preferred meeting date", required=False
                    ),
                ],
                "attachments": [LICENCE],
                "steps": [
                    APPLY,
                    step("预约顾问面谈", "Book a meeting with the advisor"),
                    step("出具融资方案", "Receive the financing plan"),
                ],
                "reminders": [
                    t(
                        "请准备近一年财务报表，便于顾问评估。",
                        "Bring last year's financial statements.",
                    )
                ],
            },
            {
                "name": t("银行贷款对接", "Bank loan matching"),
                "summary": t(
                    "向合作银行推荐企业贷款需求，协助办理科技贷、信用贷。",
                    "We pass your loan request to partner banks for tech and credit loans.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 15,
                "fields": [
                    *COMPANY,
                    field(
                        "amount",
                        "MONEY",
                        "申请贷款金额（元）",
                        "Loan amount (yuan)",
                        min="100000",
                        max="30000000",
                    ),
                    field("term", "NUMBER", "贷款期限（月）", "Term (months)", min="3", max="60"),
                    field(
                        "collateral",
                        "CHECKBOX",
                        "可提供抵押物",
                        "Collateral available",
                        required=False,
                    ),
                ],
                "attachments": [
                    LICENCE,
                    doc("financials", "近三年财务报表", "Financial statements, last three years"),
                    doc(
                        "taxRecord",
                        "近一年纳税证明",
                        "Tax payment record, last year",
                        deferrable=True,
                    ),
                ],
                "steps": [
                    APPLY,
                    AUDIT,
                    step("推荐至合作银行", "Referral to a partner bank"),
                    step("银行尽调与审批", "Bank due diligence and approval"),
                ],
                "reminders": [
                    t(
                        "纳税证明可容缺受理，须在办结前补交。",
                        "The tax record may follow later, before completion.",
                    )
                ],
            },
            {
                "name": t("政策性担保贷款申请", "Policy-backed guaranteed loan"),
                "summary": t(
                    "申请园区风险补偿资金池支持的担保贷款。",
                    "Guaranteed loans backed by the park's risk-compensation fund.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 20,
                "fields": [
                    *COMPANY,
                    field(
                        "amount",
                        "MONEY",
                        "申请金额（元）",
                        "Amount (yuan)",
                        min="100000",
                        max="5000000",
                    ),
                ],
                "attachments": [LICENCE, doc("plan", "资金使用计划", "Plan for the funds")],
                "steps": [
                    APPLY,
                    AUDIT,
                    step("担保机构评审", "Guarantor's review"),
                    step("签订担保合同", "Sign the guarantee"),
                ],
                "reminders": [t("每年 3 月和 9 月集中受理。", "Accepted in March and September.")],
            },
        ],
    },
    {
        "name": t("项目申报", "Project declaration"),
        "description": t(
            "高新技术企业认定、各级政策资金与科技项目申报辅导。",
            "High-tech recognition, policy funds and science project declarations.",
        ),
        "items": [
            {
                "name": t("高新技术企业认定", "High-tech enterprise recognition"),
                "summary": t(
                    "辅导企业准备材料并申报国家高新技术企业认定。",
                    "Help preparing and filing for national high-tech enterprise recognition.",
                ),
                "description": t(
                    "认定后可享受 15% 企业所得税优惠税率，有效期三年。",
                    "Recognised firms pay 15% corporate income tax for three years.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 20,
                "fields": [
                    *COMPANY,
                    field("ipCount", "NUMBER", "知识产权数量", "Number of IP rights", min="1"),
                    field(
                        "rndRatio",
                        "NUMBER",
                        "近三年研发费用占比（%）",
                        "R&D share, last three years (%)",
                        min="0",
                        max="100",
                    ),
                    field("staffCount", "NUMBER", "职工总数", "Employees", min="1"),
                    field("techStaff", "NUMBER", "科技人员数", "Technical staff", min="0"),
                ],
                "attachments": [
                    LICENCE,
                    doc("ip", "知识产权证书", "IP certificates"),
                    doc("audit", "近三年财务审计报告", "Audited accounts, last three years"),
                    doc("rndAudit", "研发费用专项审计报告", "Special audit of R&D expenses"),
                    doc(
                        "hightechIncome",
                        "高新技术产品（服务）收入专项审计报告",
                        "Special audit of high-tech product (service) income",
                    ),
                    doc(
                        "staff",
                        "科技人员名单及社保证明",
                        "Technical staff list with social insurance records",
                    ),
                    doc("rndOrg", "研发组织管理制度", "R&D management rules", required=False),
                ],
                "steps": [
                    APPLY,
                    AUDIT,
                    step("专家预评估", "Expert pre-assessment"),
                    step("网上申报", "Online filing on the national system"),
                    step("认定结果公示", "Publication of the result"),
                ],
                "reminders": [
                    t("企业须注册成立一年以上。", "The firm must be registered for over a year."),
                    t(
                        "研发费用、高新收入专项审计报告须由有资质的中介机构出具。",
                        "The special audits must come from a qualified firm.",
                    ),
                ],
            },
            {
                "name": t("政策资金申报", "Policy fund declaration"),
                "summary": t(
                    "各级产业扶持、科技创新专项资金的申报辅导与材料把关。",
                    "Declaration support for industry and innovation funds at every level.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 15,
                "fields": [
                    *COMPANY,
                    field("programme", "TEXT", "申报项目名称", "Programme name", max="100"),
                    field(
                        "requested",
                        "MONEY",
                        "申请资金（元）",
                        "Funds requested (yuan)",
                        min="10000",
                    ),
                ],
                "attachments": [LICENCE, doc("proposal", "项目申报书", "Project proposal")],
                "steps": [APPLY, AUDIT, step("主管部门报送", "Filing with the department")],
                "reminders": [t("请关注各项目申报截止日期。", "Mind each programme's deadline.")],
            },
            {
                "name": t("科技型中小企业评价", "Tech-based SME evaluation"),
                "summary": t(
                    "协助企业完成科技型中小企业评价入库。",
                    "Help with the tech-based SME evaluation and registration.",
                ),
                "review_mode": ReviewMode.AUTO,
                "time_limit_days": 10,
                "fields": [
                    *COMPANY,
                    field("staffCount", "NUMBER", "职工总数", "Employees", min="1", max="500"),
                ],
                "attachments": [LICENCE],
                "steps": [
                    APPLY,
                    step("系统填报", "Filing in the national system"),
                    step("入库公示", "Publication"),
                ],
                "reminders": [t("职工总数不超过 500 人。", "At most 500 employees.")],
            },
        ],
    },
    {
        "name": t("资源对接", "Resource docking"),
        "description": t(
            "对接政府部门、政策信息与产业资源。",
            "Links to government departments, policies and industry resources.",
        ),
        "items": [
            {
                "name": t("政府部门对接", "Government department docking"),
                "summary": t(
                    "协助预约相关政府部门，沟通企业诉求。",
                    "We arrange meetings with the departments you need.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 10,
                "appointment_quota": 5,
                "fields": [
                    *COMPANY,
                    field("department", "TEXT", "拟对接部门", "Department", max="50"),
                    field("matter", "LONG_TEXT", "沟通事项", "Matter to discuss", max="2000"),
                ],
                "attachments": [],
                "steps": [
                    APPLY,
                    step("确认对接部门", "Department confirmed"),
                    step("安排会面", "Meeting arranged"),
                ],
                "reminders": [
                    t(
                        "请简明写明诉求及已办理情况。",
                        "Say briefly what you need and what was done so far.",
                    )
                ],
            },
            {
                "name": t("政策信息推送", "Policy information push"),
                "summary": t(
                    "按企业行业和规模订阅最新惠企政策。",
                    "Subscribe to new business policies by sector and size.",
                ),
                "review_mode": ReviewMode.AUTO,
                "time_limit_days": 3,
                "fields": [
                    field("company", "TEXT", "企业名称", "Company name", max="100", mirrors="NAME"),
                    field("email", "EMAIL", "接收邮箱", "E-mail for the updates"),
                    field(
                        "topics",
                        "MULTIPLE_CHOICE",
                        "关注领域",
                        "Topics",
                        min="1",
                        max="3",
                        options=options(
                            ("tax", "税收优惠", "Tax relief"),
                            ("talent", "人才政策", "Talent"),
                            ("finance", "金融扶持", "Finance"),
                            ("tech", "科技创新", "Innovation"),
                        ),
                    ),
                ],
                "attachments": [],
                "steps": [APPLY, step("开通推送", "Updates switched on")],
                "reminders": [t("可随时退订。", "Unsubscribe at any time.")],
            },
            {
                "name": t("产学研合作对接", "University-industry cooperation"),
                "summary": t(
                    "对接高校院所的技术成果与研发团队。",
                    "Meet university labs and their research results.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 20,
                "fields": [
                    *COMPANY,
                    field("need", "LONG_TEXT", "技术需求描述", "Technical need", max="3000"),
                ],
                "attachments": [],
                "steps": [
                    APPLY,
                    AUDIT,
                    step("匹配高校院所", "Matching a university"),
                    step("组织对接会", "Matching meeting"),
                ],
                "reminders": [t("涉及保密内容请勿填写细节。", "Leave out confidential details.")],
            },
        ],
    },
    {
        "name": t("法律维权", "Legal rights"),
        "description": t(
            "法律咨询、常年法律顾问与知识产权维权。",
            "Legal advice, retained counsel and IP enforcement.",
        ),
        "items": [
            {
                "name": t("法律咨询", "Legal consultation"),
                "summary": t(
                    "合同、劳动用工、公司治理等问题的免费初次咨询。",
                    "A free first consultation on contracts, employment or governance.",
                ),
                "review_mode": ReviewMode.AUTO,
                "time_limit_days": 3,
                "appointment_quota": 10,
                "fields": [
                    *COMPANY,
                    field(
                        "topic",
                        "CHOICE",
                        "咨询类别",
                        "Topic",
                        options=options(
                            ("contract", "合同纠纷", "Contracts"),
                            ("labour", "劳动用工", "Employment"),
                            ("corporate", "公司治理", "Governance"),
                            ("other", "其他", "Other"),
                        ),
                    ),
                    field("question", "LONG_TEXT", "问题描述", "Your question", max="2000"),
                ],
                "attachments": [
                    doc("evidence", "相关合同或证据", "Contracts or evidence", required=False)
                ],
                "steps": [APPLY, step("律师回复或面谈", "Lawyer answers or meets you")],
                "reminders": [
                    t(
                        "每家企业每月可预约两次免费咨询。",
                        "Two free consultations a month per firm.",
                    )
                ],
            },
            {
                "name": t("常年法律顾问", "Retained legal counsel"),
                # Forwarded to a partner law firm (`demo/providers.py`).
                "providers": ["明律律师事务所"],
                "summary": t(
                    "由合作律所为企业提供年度法律顾问服务。",
                    "Annual legal counsel from a partner law firm.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 10,
                "fields": [
                    *COMPANY,
                    field("startOn", "DATE", "期望服务开始日期", "Preferred start date"),
                    field(
                        "budget",
                        "MONEY",
                        "年度预算（元）",
                        "Annual budget (yuan)",
                        min="5000",
                        max="500000",
                    ),
                ],
                "attachments": [LICENCE],
                "steps": [
                    APPLY,
                    AUDIT,
                    step("推荐律所", "Law firm proposed"),
                    step("签订顾问合同", "Contract signed"),
                ],
                "reminders": [
                    t("服务费用由企业与律所另行约定。", "Fees are agreed with the law firm.")
                ],
            },
            {
                "name": t("知识产权维权", "IP rights enforcement"),
                # Two providers: the enterprise chooses (the first unless it does).
                "providers": ["知衡知识产权服务有限公司", "明律律师事务所"],
                "summary": t(
                    "专利、商标被侵权时的取证指导与维权援助。",
                    "Evidence and enforcement help for infringed patents and marks.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 15,
                "fields": [
                    *COMPANY,
                    field(
                        "right",
                        "TEXT",
                        "被侵权的专利或商标号",
                        "Infringed patent or trade mark no.",
                        max="50",
                    ),
                    field("description", "LONG_TEXT", "侵权情况说明", "What happened", max="3000"),
                ],
                "attachments": [
                    doc("certificate", "权属证书", "Certificate of the right"),
                    doc("evidence", "侵权证据", "Evidence of infringement"),
                ],
                "steps": [
                    APPLY,
                    AUDIT,
                    step("专家研判", "Expert assessment"),
                    step("维权方案与跟进", "Plan and follow-up"),
                ],
                "reminders": [
                    t(
                        "请尽早固定证据，如公证购买。",
                        "Secure evidence early, e.g. a notarised purchase.",
                    )
                ],
            },
        ],
    },
    {
        "name": t("管理咨询", "Management consulting"),
        "description": t(
            "企业战略、人力资源与财税管理咨询。", "Strategy, HR and finance consulting."
        ),
        "items": [
            {
                "name": t("企业管理诊断", "Management diagnosis"),
                "summary": t(
                    "顾问团队入企调研，出具管理诊断报告。",
                    "Consultants visit and write a diagnosis report.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 20,
                "appointment_quota": 4,
                "fields": [
                    *COMPANY,
                    field(
                        "focus",
                        "MULTIPLE_CHOICE",
                        "诊断重点",
                        "Focus",
                        options=options(
                            ("strategy", "发展战略", "Strategy"),
                            ("org", "组织架构", "Organisation"),
                            ("process", "流程管理", "Processes"),
                        ),
                    ),
                ],
                "attachments": [],
                "steps": [APPLY, step("入企调研", "Site visit"), step("出具诊断报告", "Report")],
                "reminders": [
                    t(
                        "调研需企业负责人参与访谈。",
                        "The head of the firm takes part in an interview.",
                    )
                ],
            },
            {
                "name": t("财税合规咨询", "Tax compliance advice"),
                "summary": t(
                    "税务筹划、发票管理与税收优惠适用咨询。",
                    "Tax planning, invoices and tax relief advice.",
                ),
                "review_mode": ReviewMode.AUTO,
                "time_limit_days": 5,
                "fields": [
                    *COMPANY,
                    field("question", "LONG_TEXT", "咨询内容", "Your question", max="2000"),
                ],
                "attachments": [],
                "steps": [APPLY, step("税务顾问答复", "Tax adviser answers")],
                "reminders": [
                    t("请勿上传含完整银行账号的文件。", "Do not upload full bank account numbers.")
                ],
            },
            {
                "name": t("人力资源咨询", "HR consulting"),
                "summary": t(
                    "薪酬绩效体系设计与劳动合规咨询。",
                    "Pay and performance systems, employment compliance.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 10,
                "fields": [
                    *COMPANY,
                    field("staffCount", "NUMBER", "员工人数", "Employees", min="1"),
                ],
                "attachments": [],
                "steps": [APPLY, AUDIT, step("顾问方案", "Consultant's proposal")],
                "reminders": [t("请准备现行薪酬制度文件。", "Have the current pay rules at hand.")],
            },
        ],
    },
    {
        "name": t("人才培训", "Talent training"),
        "description": t(
            "人才政策申报、技能培训与招聘对接。", "Talent schemes, skills training and recruitment."
        ),
        "items": [
            {
                "name": t("企业内训定制", "Tailored in-house training"),
                "summary": t(
                    "按企业需求定制管理、技能类内训课程。",
                    "Management and skills courses tailored to your team.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 15,
                "fields": [
                    *COMPANY,
                    field("trainees", "NUMBER", "参训人数", "Trainees", min="5", max="200"),
                    field("startOn", "DATE", "期望开课日期", "Preferred start date"),
                ],
                "attachments": [],
                "steps": [
                    APPLY,
                    step("需求调研", "Needs analysis"),
                    step("课程实施", "Training delivered"),
                ],
                "reminders": [
                    t(
                        "10 人以上可申请园区培训补贴。",
                        "Ten trainees or more may get a park subsidy.",
                    )
                ],
            },
            {
                "name": t("高层次人才认定申报", "High-level talent recognition"),
                "summary": t(
                    "协助申报市、区高层次人才认定及配套补贴。",
                    "Help applying for city and district talent recognition.",
                ),
                "review_mode": ReviewMode.MANUAL,
                "time_limit_days": 20,
                "fields": [
                    *COMPANY,
                    field("candidate", "TEXT", "申报人姓名", "Candidate", max="30"),
                    field("candidatePhone", "PHONE", "申报人电话", "Candidate's phone"),
                ],
                "attachments": [
                    doc("degree", "学历学位证书", "Degree certificates"),
                    doc("contract", "劳动合同", "Employment contract"),
                ],
                "steps": [
                    APPLY,
                    AUDIT,
                    step("人社部门评审", "Review by the human resources bureau"),
                ],
                "reminders": [
                    t(
                        "申报人须在本园区企业全职工作。",
                        "The candidate must work full time in the park.",
                    )
                ],
            },
            {
                "name": t("校园招聘对接", "Campus recruitment"),
                "summary": t(
                    "组织企业参加合作高校的专场招聘会。",
                    "Join recruitment fairs at partner universities.",
                ),
                "review_mode": ReviewMode.AUTO,
                "time_limit_days": 5,
                "appointment_quota": 20,
                "fields": [
                    *COMPANY,
                    field("positions", "NUMBER", "招聘岗位数", "Open positions", min="1", max="50"),
                ],
                "attachments": [doc("jobs", "招聘岗位说明", "Job descriptions")],
                "steps": [APPLY, step("确认场次", "Fair confirmed")],
                "reminders": [t("请提前一周提交岗位说明。", "Send job descriptions a week ahead.")],
            },
        ],
    },
]


def _matching(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A content-audit rule for each mirror field: its answer must be the enterprise's record."""
    return [{"type": "MATCHES_ENTERPRISE", "field": f["key"]} for f in fields if f.get("mirrors")]


def _content(
    item: dict[str, Any], position: int, providers: dict[str, int] | None = None
) -> catalog.ItemContent:
    # An item naming providers is theirs (when the demo has them), the first its primary.
    served = [(providers or {})[name] for name in item.get("providers", ()) if providers]
    return catalog.ItemContent(
        name_zh=item["name"]["zh"],
        name_en=item["name"]["en"],
        summary_zh=item["summary"]["zh"],
        summary_en=item["summary"]["en"],
        description_zh=item.get("description", t(""))["zh"],
        description_en=item.get("description", t(""))["en"],
        location_zh=HALL[0],
        location_en=HALL[1],
        process_steps=item["steps"],
        reminders=item["reminders"],
        form={"fields": item["fields"], "attachments": item["attachments"]},
        audit_rules=_matching(item["fields"]),
        review_mode=item["review_mode"],
        fulfilment=Fulfilment.PROVIDER if served else Fulfilment.IN_HOUSE,
        provider_id=served[0] if served else None,
        provider_ids=served[1:],
        appointment_quota=item.get("appointment_quota"),
        time_limit_days=item["time_limit_days"],
        position=position,
    )


async def seed(admin: User, team: Team, providers: dict[str, int] | None = None) -> bool:
    """Creates the six categories and their published items unless a category exists; items
    naming `providers` (by name) are served by them."""
    if await Category.exists():
        return False
    actor = Actor(user_id=admin.id, name=admin.name, roles=frozenset({Role.ADMIN}))
    for position, data in enumerate(CATALOG, start=1):
        category = await catalog.create_category(
            actor,
            catalog.CategoryFields(
                name_zh=data["name"]["zh"], name_en=data["name"]["en"],
                description_zh=data["description"]["zh"], description_en=data["description"]["en"],
                position=position, team_id=team.id,
            ),
        )  # fmt: skip
        for n, item in enumerate(data["items"], start=1):
            created = await catalog.create_item(actor, category.id, _content(item, n, providers))
            await catalog.publish_item(actor, created.id, created.version)
    return True
