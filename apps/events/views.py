"""Timeline event endpoints and photo uploads."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.core.http.api import ApiView, validated
from apps.events import services
from apps.events.serializers import (
    EventCreateInput,
    EventListQuery,
    EventOutput,
    EventPageOutput,
    EventUpdateInput,
    PhotoUploadInput,
    PhotoUploadOutput,
)


class EventListView(ApiView):
    @extend_schema(operation_id="batches_events_list", parameters=[EventListQuery], responses=EventPageOutput,
                   summary="A batch's timeline, newest occurred_at first")
    def get(self, request, batch_id: str):
        query = validated(EventListQuery, request.query_params)
        events, cursor = services.event_list(
            user_id=self.user_id, batch_id=batch_id, type=query.get("type"), limit=query["limit"],
            cursor=query.get("cursor"),
        )
        return Response({"results": EventOutput(events, many=True).data, "next_cursor": cursor})

    @extend_schema(
        request=EventCreateInput, responses={201: EventOutput}, summary="Add an event to a batch's timeline",
        description="`photo` events need the `photo_key` of an upload of this batch (POST "
                    "`/batches/{id}/photos`) whose file was posted to storage, within 20 hours of the upload "
                    "being granted, and not yet used by another event; otherwise `400 invalid` with "
                    "`fields.photo_key` saying which. `rating` is for `tasted` events only; `temperature` "
                    "events need `temperature_c`.\n\n"
                    "Automatic reminders follow the event in the same transaction (an event is never saved with its "
                    "reminders left unchanged): `fed` on an active batch starts a cycle at `occurred_at` and "
                    "replaces the pending automatic `strain` (none when its time has passed: late logging); a `fed` "
                    "while in the fridge moves the weekly `feed` to a week after it; `strained` cancels it and "
                    "records the cycle for calibration (4 to 96 h); `second_ferment_started` places "
                    "`second_ferment_done`; `temperature` re-times the pending ones. Editing or deleting an event "
                    "later does not re-time reminders: they follow what was logged when it was logged. `409 conflict` "
                    "when the batch kept changing under three tries (nothing written: try again).",
    )
    def post(self, request, batch_id: str):
        data = validated(EventCreateInput, request.data)
        event = services.event_create(user_id=self.user_id, batch_id=batch_id, **data)
        return Response(EventOutput(event).data, status=201)


class EventDetailView(ApiView):
    @extend_schema(responses=EventOutput, summary="One event")
    def get(self, request, batch_id: str, event_id: str):
        event = services.event_require(user_id=self.user_id, batch_id=batch_id, event_id=event_id)
        return Response(EventOutput(event).data)

    @extend_schema(request=EventUpdateInput, responses=EventOutput, summary="Edit an event",
                   description="Automatic reminders are not re-timed by an edit: they follow events as they were "
                               "logged (move or delete a reminder to correct one; it then becomes yours).")
    def patch(self, request, batch_id: str, event_id: str):
        data = validated(EventUpdateInput, request.data)
        event = services.event_update(user_id=self.user_id, batch_id=batch_id, event_id=event_id, changes=data)
        return Response(EventOutput(event).data)

    @extend_schema(responses={204: None}, summary="Delete an event (and its photo)",
                   description="Automatic reminders the event placed or moved stay as they are (see the edit).")
    def delete(self, request, batch_id: str, event_id: str):
        services.event_delete(user_id=self.user_id, batch_id=batch_id, event_id=event_id)
        return Response(status=204)


class PhotoUploadView(ApiView):
    @extend_schema(
        request=PhotoUploadInput, responses={201: PhotoUploadOutput},
        summary="Get a presigned S3 POST for one photo of a batch",
        description="Post `upload.fields` plus the file (form field `file`, last) to `upload.url` within "
                    "`expires_in` seconds; then create a `photo` event with `photo_key` (within 20 hours; one "
                    "event per upload). Storage refuses another content type, another key, more than 10 MiB, "
                    "or a changed `tagging` field. `photo_key` is opaque (`photos/` and 32 random hex digits: "
                    "no user id, email, name or time). An upload never attached to an event is deleted "
                    "within 2 days.",
    )
    def post(self, request, batch_id: str):
        data = validated(PhotoUploadInput, request.data)
        body = services.photo_upload_create(user_id=self.user_id, batch_id=batch_id, **data)
        return Response(body, status=201)
