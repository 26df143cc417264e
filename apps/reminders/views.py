from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.core import clock
from apps.core.http.api import ApiView, validated
from apps.reminders import services
from apps.reminders.repository import Reminder
from apps.reminders.serializers import (
    CalibrationSerializer,
    ReminderCreateSerializer,
    ReminderListQuerySerializer,
    ReminderListSerializer,
    ReminderSerializer,
    ReminderUpdateSerializer,
    SuggestionListSerializer,
)


def _out(reminder: Reminder) -> dict:
    return {
        "id": reminder.id, "batch_id": reminder.batch_id, "kind": reminder.kind,
        "due_at": clock.isoformat(reminder.due_at), "message": reminder.message, "status": reminder.status,
        "sent_at": clock.isoformat(reminder.sent_at) if reminder.sent_at else None,
        "created_at": clock.isoformat(reminder.created_at), "source": reminder.source,
        "reason": reminder.reason,
    }


class ReminderListView(ApiView):
    @extend_schema(operation_id="reminders_list", parameters=[ReminderListQuerySerializer],
                   responses=ReminderListSerializer,
                   summary="The caller's reminders, soonest due first",
                   description="Sent, failed and cancelled reminders stay listed for 90 days.")
    def get(self, request):
        data = validated(ReminderListQuerySerializer, request.query_params)
        reminders, next_cursor = services.reminder_list(
            user_id=self.user_id, status=data.get("status"), batch_id=data.get("batch_id"), limit=data["limit"],
            cursor=data.get("cursor"),
        )
        return Response({"results": [_out(r) for r in reminders], "next_cursor": next_cursor})

    @extend_schema(request=ReminderCreateSerializer, responses={201: ReminderSerializer},
                   summary="Schedule a push reminder for one of the caller's batches")
    def post(self, request):
        data = validated(ReminderCreateSerializer, request.data)
        reminder = services.reminder_schedule(user_id=self.user_id, batch_id=data["batch_id"], kind=data["kind"],
                                              due_at=data["due_at"], message=data.get("message"))
        return Response(_out(reminder), status=201)


class ReminderDetailView(ApiView):
    @extend_schema(responses=ReminderSerializer, summary="One reminder")
    def get(self, request, reminder_id: str):
        return Response(_out(services.reminder_get(user_id=self.user_id, reminder_id=reminder_id)))

    @extend_schema(request=ReminderUpdateSerializer, responses=ReminderSerializer,
                   summary="Move a pending reminder or change its message (409 once sent, failed or cancelled)",
                   description="An automatic reminder (`source: auto`) becomes the user's (`source: user`): the "
                               "server no longer moves or cancels it.")
    def patch(self, request, reminder_id: str):
        body = validated(ReminderUpdateSerializer, request.data)
        reminder = services.reminder_update(user_id=self.user_id, reminder_id=reminder_id,
                                            changes=dict(body))
        return Response(_out(reminder))

    @extend_schema(responses={204: None}, summary="Cancel a reminder",
                   description="A pending reminder becomes `cancelled` and is never sent; a sent or failed "
                               "one is removed from the list. Deleting twice is fine.")
    def delete(self, request, reminder_id: str):
        services.reminder_cancel(user_id=self.user_id, reminder_id=reminder_id)
        return Response(status=204)


class SuggestionListView(ApiView):
    @extend_schema(responses=SuggestionListSerializer, summary="When to strain, second-ferment or feed this batch",
                   description="Computed by the kefir timing model from the batch's kind, status, current cycle (its "
                               "last `fed`, or its start; with what already elapsed counted at the conditions it ran "
                               "at), temperature (22 °C if unknown; a later `temperature` event wins) and "
                               "grains-to-liquid ratio (1:15 milk, 1:16 water if unknown), times the user's "
                               "calibration factor. Steps already overdue are due now. Suggestions show the model's "
                               "time as it is: only automatic reminders move out of quiet hours.")
    def get(self, request, batch_id: str):
        suggestions = services.reminder_suggestions(user_id=self.user_id, batch_id=batch_id)
        return Response({"results": [
            {"kind": s.kind, "due_at": clock.isoformat(s.due_at), "reason": s.reason, "warnings": list(s.warnings)}
            for s in suggestions
        ]})


class CalibrationView(ApiView):
    @extend_schema(responses=CalibrationSerializer, summary="How fast the caller's grains are, per kind of kefir",
                   description="A completed cycle runs from a cycle's start (the batch's start or a `fed` event) to "
                               "the next `strained`, and counts when it took 4 to 96 hours. `factor` is the median, "
                               "over the last 10 completed cycles of that kind, of the actual time ÷ the model's "
                               "time for the conditions the cycle ran at, clamped to 0.5..2.0; 1.0 with "
                               "`based_on: 0` before any. Suggestions and automatic reminders use the model's time "
                               "times the factor.")
    def get(self, request):
        found = services.calibration_of(user_id=self.user_id)
        return Response({kind: {"factor": round(c.factor, 3), "based_on": c.based_on} for kind, c in found.items()})
