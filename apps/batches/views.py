"""Batch endpoints, share links, the public view (JSON) and the public page (HTML)."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.batches import machine, repository, services
from apps.batches.serializers import (
    BatchCreateInput,
    BatchListQuery,
    BatchOutput,
    BatchPageOutput,
    BatchUpdateInput,
    PublicBatchOutput,
    PublicEventOutput,
    ShareOutput,
    public_photo_url,
)
from apps.core.http.api import ApiView, validated
from apps.core.http.errors import ApiError
from apps.core.http.serializers import UtcDateTimeField
from apps.events import photos
from apps.events.serializers import EventOutput

BatchDetailOutput = inline_serializer("BatchDetail", {
    **BatchOutput().get_fields(),
    "timeline": EventOutput(many=True),
    "timeline_next_cursor": serializers.CharField(
        allow_null=True, help_text="Continue with GET /batches/{id}/events?cursor=…"),
})


class BatchListView(ApiView):
    @extend_schema(operation_id="batches_list", parameters=[BatchListQuery], responses=BatchPageOutput,
                   summary="List your batches, newest first")
    def get(self, request):
        query = validated(BatchListQuery, request.query_params)
        batches, cursor = services.batch_list(
            user_id=self.user_id, status_filter=query.get("status"), limit=query["limit"], cursor=query.get("cursor")
        )
        return Response({"results": BatchOutput(batches, many=True).data, "next_cursor": cursor})

    @extend_schema(request=BatchCreateInput, responses={201: BatchOutput}, summary="Create a batch",
                   description="With `auto_reminders` (default true), a new `active` batch gets an automatic "
                               "`strain` reminder at the model's time for its first cycle (none when that time has "
                               "passed), a `second_ferment` one a `second_ferment_done`, an `in_fridge` one a weekly "
                               "`feed`, written in the same transaction as the batch.")
    def post(self, request):
        data = validated(BatchCreateInput, request.data)
        batch = services.batch_create(user_id=self.user_id, **{k: v for k, v in data.items() if v is not None})
        return Response(BatchOutput(batch).data, status=201)


class BatchDetailView(ApiView):
    @extend_schema(responses=BatchDetailOutput, summary="A batch with its newest 50 timeline events")
    def get(self, request, batch_id: str):
        found, cursor = services.batch_detail(user_id=self.user_id, batch_id=batch_id)
        body = BatchOutput(found.batch).data
        body["timeline"] = EventOutput(found.timeline, many=True).data
        body["timeline_next_cursor"] = cursor
        return Response(body)

    @extend_schema(
        request=BatchUpdateInput,
        responses={200: BatchOutput},
        summary="Edit a batch (optimistic locking on version)",
        description=(
            "Send any writable fields and the `version` you last read. A stale version is `409 conflict` and "
            "nothing changes. A status change must follow the status machine (else `400 invalid_transition` "
            "with `error.fields.status` = the allowed next statuses) and appends a `status_changed` event in "
            "the same transaction. `null` clears an optional field.\n\n"
            "Automatic reminders follow the change in the same transaction: a new `temperature_c`, `grains_g` or "
            "`liquid_ml` re-times the pending ones (the part of the cycle already elapsed counts at the old "
            "conditions); status `second_ferment` places `second_ferment_done`; `in_fridge` cancels `strain` and "
            "`second_ferment_done` and places a weekly `feed`; `active` starts a new cycle with a `strain`; "
            "`completed`, `archived` or `auto_reminders: false` cancel every pending automatic reminder, and "
            "`auto_reminders: true` places what the cycle calls for. Reminders a person created or edited are "
            "never touched."
        ),
    )
    def patch(self, request, batch_id: str):
        data = dict(validated(BatchUpdateInput, request.data))
        version = data.pop("version")
        batch = services.batch_update(user_id=self.user_id, batch_id=batch_id, version=version, changes=data)
        return Response(BatchOutput(batch).data)

    @extend_schema(responses={204: None}, summary="Delete a batch with its events, photos, reminders and share link")
    def delete(self, request, batch_id: str):
        services.batch_delete(user_id=self.user_id, batch_id=batch_id)
        return Response(status=204)


class BatchShareView(ApiView):
    @extend_schema(
        request=None,
        responses={201: ShareOutput, 200: OpenApiResponse(ShareOutput, description="Already shared: the same link")},
        summary="Share a batch publicly (idempotent: the same link on every call)",
        description="`201` when the link is created, `200` with the same token and url when it already exists.",
    )
    def post(self, request, batch_id: str):
        share = services.share_create(user_id=self.user_id, batch_id=batch_id)
        return Response({"token": share.token, "url": share.url}, status=201 if share.created else 200)

    @extend_schema(responses={204: None}, summary="Revoke the batch's public link")
    def delete(self, request, batch_id: str):
        services.share_revoke(user_id=self.user_id, batch_id=batch_id)
        return Response(status=204)


class PublicBatchView(ApiView):
    """Anyone with the link: name, kind, status, start and timeline; never who owns it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(auth=[], responses=PublicBatchOutput, summary="A shared batch (no auth)")
    def get(self, request, token: str):
        found = services.public_batch_get(token=token)
        return Response(_public_body(found, token))


def _public_body(found, token: str) -> dict:
    batch = found.batch
    return {
        "name": batch.name, "kind": batch.kind, "status": batch.status,
        "started_at": UtcDateTimeField().to_representation(batch.started_at),
        "timeline": PublicEventOutput(found.timeline, many=True, context={"token": token}).data,
    }


def public_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET /b/{token}: the shared batch as a page a person can open (and link previews can read)."""
    try:
        found = services.public_batch_get(token=token)
    except ApiError:
        return render(request, "batches/public_not_found.html", status=404)
    batch = found.batch
    timeline = [
        {"event": event, "label": _event_label(event),
         "photo_url": public_photo_url(token, event.id) if event.photo_key else None}
        for event in found.timeline
    ]
    first_photo = next((item["photo_url"] for item in timeline if item["photo_url"]), None)
    kind = "Milk kefir" if batch.kind == "milk" else "Water kefir"
    description = f"{kind} · {machine.LABELS[batch.status]} · started {batch.started_at:%-d %b %Y}"
    context = {
        "batch": batch, "kind_label": kind, "status_label": machine.LABELS[batch.status],
        "timeline": timeline, "og_image": first_photo, "description": description,
        "page_url": repository.share_url(token), "photos": [i["photo_url"] for i in timeline if i["photo_url"]],
    }
    response = render(request, "batches/public_batch.html", context)
    response["Cache-Control"] = "private, max-age=60"  # photo links inside expire after 300 s
    response["X-Robots-Tag"] = "noindex"
    return response


def public_photo(request: HttpRequest, token: str, event_id: str) -> HttpResponse:
    """GET /b/{token}/photos/{event_id}: a redirect to a fresh presigned GET of a shared photo."""
    try:
        found = services.public_batch_get(token=token)
    except ApiError:
        return render(request, "batches/public_not_found.html", status=404)
    key = next((e.photo_key for e in found.timeline if e.id == event_id and e.photo_key), None)
    if key is None:
        return render(request, "batches/public_not_found.html", status=404)
    response = HttpResponseRedirect(photos.photo_url(key))
    response["Cache-Control"] = "private, max-age=60"
    response["Referrer-Policy"] = "no-referrer"
    return response


EVENT_LABELS = {
    "fed": "Fed", "strained": "Strained", "second_ferment_started": "Second ferment started",
    "bottled": "Bottled", "tasted": "Tasted", "temperature": "Temperature", "note": "Note", "photo": "Photo",
    "status_changed": "Status",
}


def _event_label(event) -> str:
    if event.type == "status_changed" and event.status:
        return machine.LABELS.get(event.status, "Status changed")
    return EVENT_LABELS.get(event.type, event.type)
