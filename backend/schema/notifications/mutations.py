"""`markNotificationsRead`: some entries, or all of them when no ids are given."""

from __future__ import annotations

import strawberry

from backend.schema.context import context_of
from backend.schema.errors import NotificationError, run_mutation
from backend.schema.relay import decode_id_of
from backend.services.core.errors import Invalid
from backend.services.notifications import notifications, preferences


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The entries to mark; all unread ones when omitted."
    )


@strawberry.type
class MarkNotificationsReadPayload:
    marked: int
    unread_count: int
    user_errors: list[NotificationError]


@strawberry.input
class SetNotificationPreferenceInput:
    email_too: bool = strawberry.field(
        description="True: notices by e-mail too (the address must be confirmed); false: in "
        "the app only."
    )


@strawberry.type
class NotificationPreferencePayload:
    email_too: bool
    user_errors: list[NotificationError]


@strawberry.input
class UnsubscribeFromEmailInput:
    token: str = strawberry.field(description="The token of the link in a notice's e-mail.")


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Chooses notices in the app only, or by e-mail too.")
    async def set_notification_preference(
        self, info: strawberry.Info, input: SetNotificationPreferenceInput
    ) -> NotificationPreferencePayload:
        context = context_of(info)

        async def change() -> NotificationPreferencePayload:
            user = await preferences.set_email_notifications(context.actor, input.email_too)
            return NotificationPreferencePayload(email_too=user.email_notifications, user_errors=[])

        return await run_mutation(
            info,
            NotificationError,
            change,
            lambda errors: NotificationPreferencePayload(email_too=False, user_errors=errors),
        )

    @strawberry.mutation(
        description="Stops notices by e-mail for the person a notice's unsubscribe link "
        "names; the link is the proof, so this needs no sign-in."
    )
    async def unsubscribe_from_email(
        self, info: strawberry.Info, input: UnsubscribeFromEmailInput
    ) -> NotificationPreferencePayload:
        context = context_of(info)

        async def change() -> NotificationPreferencePayload:
            await preferences.unsubscribe(context.actor, context.settings.secret_key, input.token)
            return NotificationPreferencePayload(email_too=False, user_errors=[])

        return await run_mutation(
            info,
            NotificationError,
            change,
            lambda errors: NotificationPreferencePayload(email_too=False, user_errors=errors),
        )

    @strawberry.mutation(description="Marks inbox entries read.")
    async def mark_notifications_read(
        self, info: strawberry.Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        context = context_of(info)

        async def change() -> MarkNotificationsReadPayload:
            ids: list[int] | None = None
            if input.ids is not None:
                ids = []
                for index, value in enumerate(input.ids):
                    pk = decode_id_of(value, "Notification")
                    if pk is None:
                        raise Invalid.at(("ids", str(index)), "INVALID")
                    ids.append(pk)
            marked = await notifications.mark_read(context.actor, ids)
            unread = await notifications.unread_count(context.actor)
            return MarkNotificationsReadPayload(marked=marked, unread_count=unread, user_errors=[])

        return await run_mutation(
            info,
            NotificationError,
            change,
            lambda errors: MarkNotificationsReadPayload(
                marked=0, unread_count=0, user_errors=errors
            ),
        )
