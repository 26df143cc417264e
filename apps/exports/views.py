from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.core import clock
from apps.core.http.api import ApiView, validated
from apps.exports import services, tasks
from apps.exports.serializers import ExportAcceptedSerializer, ExportRequestSerializer, ExportSerializer

CSV_DESCRIPTION = (
    "A `text/csv` attachment (`Content-Disposition: attachment; filename=\"kefir-{name}-YYYY-MM-DD.csv\"`, "
    "the date in UTC), streamed page by page. RFC 4180: comma separated, CRLF line ends, fields with a comma, "
    "quote or line break in double quotes. UTF-8 with a byte order mark (so Excel reads accents right). "
    "One header row, then one row per {row}, the caller's data only. Times are ISO 8601 UTC. "
    "Formula injection: text people typed ({text}) that starts with `=`, `+`, `-`, `@`, tab or CR is "
    "prefixed with `'`; numbers (a temperature of -2) are left as numbers. "
    "Errors (e.g. 401) are the JSON error envelope, whatever the Accept header. A failure after the "
    "first rows were sent can only cut the download short."
)


def _csv_schema(name: str, row: str, text: str) -> dict:
    return {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=CSV_DESCRIPTION.format(
        name=name, row=row, text=text))}


class CsvExportView(ApiView):
    # The answer is CSV whatever the client accepts; errors stay JSON (DRF renders them with this).
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @staticmethod
    def csv_response(chunks, *, name: str) -> StreamingHttpResponse:
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8; header=present")
        response["Content-Disposition"] = f'attachment; filename="{services.csv_filename(name=name)}"'
        response["Cache-Control"] = "no-store"
        return response


class BatchesCsvView(CsvExportView):
    @extend_schema(responses=_csv_schema("batches", "batch (newest first)", "name, notes"),
                   summary="The caller's batches as a CSV file")
    def get(self, request):
        return self.csv_response(services.batches_csv(user_id=self.user_id), name="batches")


class EventsCsvView(CsvExportView):
    @extend_schema(
        responses=_csv_schema("events", "timeline event (grouped by batch, newest batch and event first)",
                              "batch_name, note"),
        summary="The caller's timeline events as a CSV file",
    )
    def get(self, request):
        return self.csv_response(services.events_csv(user_id=self.user_id), name="events")


def _export_out(status: services.ExportStatus) -> dict:
    return ExportSerializer({
        "id": status.id, "status": status.status, "format": status.format, "download_url": status.download_url,
        "created_at": clock.isoformat(status.created_at), "expires_at": clock.isoformat(status.expires_at),
    }).data


class ExportsView(ApiView):
    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: OpenApiResponse(ExportAcceptedSerializer, description=(
            "The export was accepted and is being built: poll `GET /api/v1/exports/{id}`. While an export "
            "of the caller is pending, another request answers 202 with that pending export (whatever its "
            "format) instead of starting a second one. The package is one zip: `manifest.json`, one file per "
            "entity type (profile, batches, events, reminders, devices, grains, grains_history; CSV or JSON by "
            "`format`) and the photo files under `photos/`. It is deleted after 7 days."))},
        summary="Start a package of all the caller's data",
    )
    def post(self, request):
        body = validated(ExportRequestSerializer, request.data)
        export, _started = tasks.export_start(user_id=self.user_id, format=body["format"])
        return Response(ExportAcceptedSerializer({"id": export.id, "status": "pending"}).data, status=202)


class ExportDetailView(ApiView):
    @extend_schema(
        responses={200: ExportSerializer, 404: OpenApiResponse(description="No such export, or not the caller's.")},
        summary="An export's status and, when ready, its download URL",
    )
    def get(self, request, export_id: str):
        return Response(_export_out(services.export_status(user_id=self.user_id, export_id=export_id)))
