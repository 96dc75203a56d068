"""The cockpit's figures as the API shows them: plain numbers, each with what it counts."""

from __future__ import annotations

from datetime import date

import strawberry

from backend.models.orders import OrderStatus
from backend.schema.evaluations.queries import _figures_type as figures_type
from backend.schema.evaluations.types import EvaluationFiguresType
from backend.schema.nodes import global_id
from backend.services.dashboard import figures
from backend.services.evaluations.figures import Dimension


@strawberry.type(name="DashboardStatusCount")
class StatusCountType:
    status: OrderStatus
    count: int


@strawberry.type(name="DashboardHandlerLoad", description="A handler's open orders and limit.")
class HandlerLoadType:
    user_id: strawberry.ID
    name: str
    open: int = strawberry.field(
        description="Orders they hold (assigned, in progress, waiting on the applicant), in "
        "any team: the load the automatic choice compares."
    )
    capacity: int | None = strawberry.field(
        description="The most open orders this team gives them; null: no limit."
    )
    on_leave: bool

    @classmethod
    def of(cls, load: figures.HandlerLoad) -> HandlerLoadType:
        return cls(
            user_id=strawberry.ID(global_id("User", load.user_id)),
            name=load.name,
            open=load.open,
            capacity=load.capacity,
            on_leave=load.on_leave,
        )


@strawberry.type(name="DashboardTeamLoad", description="A team's open orders and capacity.")
class TeamLoadType:
    team_id: strawberry.ID
    name: str
    waiting: int = strawberry.field(description="Its orders nobody holds yet.")
    held: int = strawberry.field(description="Its orders a handler holds.")
    capacity: int | None = strawberry.field(
        description="The sum of its present handlers' limits; null when one has no limit."
    )
    handlers: list[HandlerLoadType]

    @classmethod
    def of(cls, team: figures.TeamLoad) -> TeamLoadType:
        return cls(
            team_id=strawberry.ID(global_id("Team", team.team_id)),
            name=team.name,
            waiting=team.waiting,
            held=team.held,
            capacity=team.capacity,
            handlers=[HandlerLoadType.of(h) for h in team.handlers],
        )


@strawberry.type(name="DashboardDay", description="One park day of the range.")
class DayType:
    day: date
    opened: int
    completed: int


@strawberry.type(
    name="DashboardProcessingTime",
    description="Working days from opening to completion, pauses left out, of the orders "
    "completed in the range.",
)
class ProcessingTimeType:
    completed: int = strawberry.field(description="Orders counted (their working days kept).")
    not_recorded: int = strawberry.field(
        description="Orders completed before working days were kept: left out."
    )
    average_working_days: float | None
    p90_working_days: int | None = strawberry.field(
        description="Nine in ten orders took at most this many working days."
    )


@strawberry.type(name="DashboardOwedPastDue")
class OwedPastDueType:
    materials: int = strawberry.field(
        description="Owed materials not handed in (or returned) after the day promised."
    )
    orders: int = strawberry.field(description="Open orders waiting on them.")


@strawberry.type(
    name="DashboardRatings",
    description="The whole park's ratings, defined as `EvaluationFigures` are.",
)
class ParkRatingsType:
    reviews: int
    defaults: int
    satisfaction_rate: float | None
    bad_review_rate: float | None
    rectified_share: float | None


@strawberry.type(
    name="Dashboard",
    description="The park's service at a glance (supervisors and admins). Days are the "
    "park's (its time zone).",
)
class DashboardType:
    start: date = strawberry.field(name="from", description="The first day counted.")
    end: date = strawberry.field(name="to", description="The last day counted (inclusive).")
    timezone: str
    opened: int = strawberry.field(description="Orders opened in the range.")
    by_status: list[StatusCountType] = strawberry.field(
        description="Orders opened in the range, by their status now."
    )
    teams: list[TeamLoadType] = strawberry.field(description="Open orders now, by team.")
    waiting_for_handler: int = strawberry.field(
        description="Orders waiting for a handler now (PENDING_ASSIGNMENT), in any team."
    )
    days: list[DayType] = strawberry.field(description="Opened and completed per day.")
    processing_time: ProcessingTimeType
    owed_past_due: OwedPastDueType
    overdue: int = strawberry.field(description="Open orders past their due time now.")
    due_soon: int = strawberry.field(
        description="Open orders due soon now (within the due-soon working days), not overdue."
    )
    ratings: list[EvaluationFiguresType] = strawberry.field(
        description="Each team's published figures, every rating so far (teams rated only)."
    )
    park_ratings: ParkRatingsType = strawberry.field(
        description="The whole park's, every rating so far."
    )
    open_rectifications: int = strawberry.field(
        description="Bad reviews not yet put right (open, called back or fixed)."
    )
    overdue_rectifications: int = strawberry.field(
        description="Of those, the ones past their call-back or fix deadline."
    )

    @classmethod
    def of(cls, board: figures.Dashboard, language: str) -> DashboardType:
        p = board.processing
        return cls(
            start=board.start,
            end=board.end,
            timezone=board.timezone,
            opened=board.opened,
            by_status=[
                StatusCountType(status=s, count=board.by_status.get(s, 0)) for s in OrderStatus
            ],
            teams=[TeamLoadType.of(t) for t in board.teams],
            waiting_for_handler=board.waiting_for_handler,
            days=[DayType(day=d.day, opened=d.opened, completed=d.completed) for d in board.days],
            processing_time=ProcessingTimeType(
                completed=p.completed,
                not_recorded=p.not_recorded,
                average_working_days=p.average,
                p90_working_days=p.p90,
            ),
            owed_past_due=OwedPastDueType(
                materials=board.owed_past_due.materials, orders=board.owed_past_due.orders
            ),
            overdue=board.deadlines.overdue,
            due_soon=board.deadlines.due_soon,
            ratings=[figures_type(Dimension.TEAM, r, language) for r in board.ratings],
            park_ratings=ParkRatingsType(
                reviews=board.park_ratings.reviews,
                defaults=board.park_ratings.defaults,
                satisfaction_rate=board.park_ratings.satisfaction_rate,
                bad_review_rate=board.park_ratings.bad_review_rate,
                rectified_share=board.park_ratings.rectified_share,
            ),
            open_rectifications=board.rectifications.open,
            overdue_rectifications=board.rectifications.overdue,
        )
