"""Grains endpoints: the list, one grains with its history, edits, weighings and splits."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response

from apps.core import clock
from apps.core.http.api import ApiView, validated
from apps.grains import services
from apps.grains.serializers import (
    GrainsCreateInput,
    GrainsDetailOutput,
    GrainsListQuery,
    GrainsOutput,
    GrainsPageOutput,
    GrainsUpdateInput,
    HistoryEntryOutput,
    SplitInput,
    SplitOutput,
    WeighingInput,
    WeighingOutput,
)

ERROR = {"$ref": "#/components/schemas/Error"}


def _invalid(*examples: tuple[str, dict]) -> OpenApiResponse:
    return OpenApiResponse(ERROR, description="`invalid`: a field is missing or out of range; `error.fields` names it.",
                           examples=[OpenApiExample(title, value={"error": {
                               "code": "invalid", "message": "Some fields are not valid.", "fields": fields}})
                               for title, fields in examples])


NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`: no such grains, or not yours (the same answer).")
MASS_OUT_OF_RANGE = ("Mass out of range", {"mass_g": ["Ensure this value is less than or equal to 5000."]})
NEGATIVE_MASS = ("Negative mass", {"mass_g": ["Ensure this value is greater than or equal to 0."]})


def _context() -> dict:
    return {"now": clock.now()}  # one instant for every estimate in a response


class GrainsListView(ApiView):
    @extend_schema(operation_id="grains_list", parameters=[GrainsListQuery], responses=GrainsPageOutput,
                   summary="List your grains, newest first",
                   description="Each with its `estimated_mass_g` now. A cursor belongs to its list and caller: "
                               "another's, or an altered one, is `400 invalid` on `cursor`.")
    def get(self, request):
        query = validated(GrainsListQuery, request.query_params)
        grains, cursor = services.grains_list(user_id=self.user_id, limit=query["limit"], cursor=query.get("cursor"))
        return Response({"results": GrainsOutput(grains, many=True, context=_context()).data, "next_cursor": cursor})

    @extend_schema(
        request=GrainsCreateInput,
        responses={201: GrainsOutput, 400: _invalid(NEGATIVE_MASS, MASS_OUT_OF_RANGE,
                                                    ("Unknown kind", {"kind": ['"beer" is not a valid choice.']}))},
        summary="Add grains",
        description="`mass_g` is their mass now; a `created` history entry records it. They grow at 10 %/week "
                    "until two weighings a day apart measure their own rate.",
    )
    def post(self, request):
        data = validated(GrainsCreateInput, request.data)
        grains = services.grains_create(user_id=self.user_id, **{k: v for k, v in data.items() if v is not None})
        return Response(GrainsOutput(grains, context=_context()).data, status=201)


class GrainsDetailView(ApiView):
    @extend_schema(responses={200: GrainsDetailOutput, 404: NOT_FOUND},
                   summary="Grains with their newest 50 history entries",
                   description="`history` is newest first (by when it happened), up to 50 entries; the data "
                               "export holds all of it.")
    def get(self, request, grains_id: str):
        found = services.grains_detail(user_id=self.user_id, grains_id=grains_id)
        body = GrainsOutput(found.grains, context=_context()).data
        body["history"] = HistoryEntryOutput(found.history, many=True).data
        body["history_has_more"] = found.more_history
        return Response(body)

    @extend_schema(
        request=GrainsUpdateInput,
        responses={
            200: GrainsOutput,
            400: _invalid(("Missing version", {"version": ["This field is required."]}),
                          ("Mass through PATCH", {"mass_g": ["Log a weighing instead (POST /api/v1/grains/{id}/"
                                                             "weighings): mass_g is the last weighed mass."]})),
            404: NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`conflict`: a stale `version` (the grains changed since you "
                                                    "read them, e.g. a weighing); nothing changed.",
                                 examples=[OpenApiExample("Stale version", value={"error": {
                                     "code": "conflict", "message": services.STALE,
                                     "fields": {"version": ["Stale: reload the grains and send their current "
                                                            "version."]}}})]),
        },
        summary="Edit grains (optimistic locking on version)",
        description="Send any of `name`, `kind`, `acquired_at`, `notes` and the `version` you last read. A stale "
                    "version is `409 conflict` and nothing changes. `mass_g` changes only through a weighing "
                    "(sending it is `400 invalid`). `null` clears `notes`. Weighings and splits move the version too.",
    )
    def patch(self, request, grains_id: str):
        data = dict(validated(GrainsUpdateInput, request.data))
        version = data.pop("version")
        grains = services.grains_update(user_id=self.user_id, grains_id=grains_id, version=version, changes=data)
        return Response(GrainsOutput(grains, context=_context()).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND}, summary="Delete grains and their history",
                   description="Batches started from them keep their `grains_id`.")
    def delete(self, request, grains_id: str):
        services.grains_delete(user_id=self.user_id, grains_id=grains_id)
        return Response(status=204)


class GrainsWeighingsView(ApiView):
    @extend_schema(
        request=WeighingInput,
        responses={201: WeighingOutput, 400: _invalid(NEGATIVE_MASS, MASS_OUT_OF_RANGE, (
            "In the future", {"measured_at": ["Must be between 1970-01-01T00:00:00Z and now."]})), 404: NOT_FOUND},
        summary="Log a weighing",
        description="Adds a `weighed` history entry and refits the growth rate. `mass_g` becomes the weighed mass "
                    "unless the grains have a newer mass already (a back-dated weighing joins the history and the "
                    "fit only). Returns the grains and the entry. The version moves by one.",
    )
    def post(self, request, grains_id: str):
        data = validated(WeighingInput, request.data)
        done = services.grains_weigh(user_id=self.user_id, grains_id=grains_id, mass_g=data["mass_g"],
                                     measured_at=data.get("measured_at"))
        body = GrainsOutput(done.grains, context=_context()).data
        body["entry"] = HistoryEntryOutput(done.entry).data
        return Response(body, status=201)


class GrainsSplitsView(ApiView):
    @extend_schema(
        request=SplitInput,
        responses={201: SplitOutput, 400: _invalid(
            ("Larger than the grains", {"mass_g": ["Ensure this value is at most 42.5: the grains' estimated "
                                                   "mass now."]}),
            ("Nothing split", {"mass_g": ["Ensure this value is greater than 0."]}),
            ("Unknown target", {"to": ['"friend" is not a valid choice.']}),
        ), 404: NOT_FOUND},
        summary="Split grains: a piece to new grains, or given away",
        description="The grains lose `mass_g` from their estimated mass now, which becomes their `mass_g`; more "
                    "than `estimated_mass_g` is `400 invalid` and nothing changes. `to: new` creates grains of "
                    "that mass and kind (returned as `created`, with a `created` history entry; they grow at "
                    "this grains' rate until weighed); `to: given` records a gift. One transaction: all of it "
                    "or nothing. The version moves by one.",
    )
    def post(self, request, grains_id: str):
        data = validated(SplitInput, request.data)
        done = services.grains_split(user_id=self.user_id, grains_id=grains_id, mass_g=data["mass_g"],
                                     to=data["to"], note=data.get("note"), name=data.get("name"))
        context = _context()
        body = GrainsOutput(done.grains, context=context).data
        body["entry"] = HistoryEntryOutput(done.entry).data
        body["created"] = GrainsOutput(done.created, context=context).data if done.created else None
        return Response(body, status=201)
