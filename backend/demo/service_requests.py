"""A few requests for new services from the demo companies, so the admins' page has groups to
show: two alike about food licences, two about talent flats, one on its own."""

from __future__ import annotations

from backend.models.accounts import User
from backend.models.catalog import Category
from backend.models.enterprises import Enterprise
from backend.models.service_requests import ServiceRequest, Urgency
from backend.services.core.transactions import in_transaction

REQUESTS = [
    # (company, title, description, reason, urgency, the category it suggests)
    (
        "杭州云栖智能科技有限公司", "食品经营许可证办理指导",
        "公司食堂要办理食品经营许可证，希望园区提供办理指导或代办。", "员工食堂下月开业。",
        Urgency.HIGH, "资源对接",
    ),
    (
        "浙江绿源新材料股份有限公司", "食品经营许可证代办",
        "员工餐厅需要食品经营许可证，希望服务大厅能够代办。", "", Urgency.NORMAL, None,
    ),
    (
        "杭州数智医疗器械有限公司", "人才公寓申请",
        "新引进的研发人员需要人才公寓，希望能在服务大厅直接申请人才公寓。",
        "今年新招 12 名研发人员。", Urgency.NORMAL, None,
    ),
    (
        "杭州云栖智能科技有限公司", "人才公寓入住申请",
        "希望服务大厅提供人才公寓入住申请和续租。", "", Urgency.LOW, None,
    ),
    (
        "浙江绿源新材料股份有限公司", "出口退税咨询",
        "希望园区提供出口退税政策咨询和申报辅导。", "首次开展出口业务。", Urgency.NORMAL,
        "资源对接",
    ),
]  # fmt: skip


async def seed(owner: User) -> None:
    """Adds the requests, unless some are there already."""
    if await ServiceRequest.exists():
        return
    companies = {e.name: e.id for e in await Enterprise.all()}
    categories = {c.name_zh: c.id for c in await Category.all()}
    async with in_transaction() as conn:
        for company, title, description, reason, urgency, category in REQUESTS:
            if company not in companies:
                continue
            await ServiceRequest.create(
                enterprise_id=companies[company], requested_by=owner, title=title,
                description=description, reason=reason, urgency=urgency,
                category_id=categories.get(category) if category else None, using_db=conn,
            )  # fmt: skip
