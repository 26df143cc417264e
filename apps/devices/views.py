from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from apps.core import ids
from apps.core.http.api import ApiView, validated
from apps.core.http.cursors import decode_cursor, encode_cursor
from apps.core.http.errors import NotFound
from apps.devices import repository, services
from apps.devices.serializers import (
    DeviceInSerializer,
    DeviceListQuerySerializer,
    DeviceListSerializer,
    DeviceOutSerializer,
)


def _out(device: repository.Device) -> dict:
    data = asdict(device)
    data.pop("user_id")
    return DeviceOutSerializer(data).data


class DeviceListView(ApiView):
    @extend_schema(parameters=[DeviceListQuerySerializer], responses=DeviceListSerializer,
                   summary="The caller's devices, oldest first")
    def get(self, request):
        query = validated(DeviceListQuerySerializer, request.query_params)
        scope = f"devices:{self.user_id}"
        start = decode_cursor(query.get("cursor"), scope=scope)
        devices, last_key = repository.devices_of(user_id=self.user_id, limit=query["limit"],
                                                  start_key=start)
        return Response({"results": [_out(d) for d in devices], "next_cursor": encode_cursor(last_key, scope=scope)})

    @extend_schema(
        request=DeviceInSerializer,
        responses={201: DeviceOutSerializer, 200: OpenApiResponse(DeviceOutSerializer, description=(
            "This token is already registered to the caller: the existing device. A token registered by "
            "another user moves to the caller (a phone that changed hands) and answers 201."))},
        summary="Register an Expo push token",
    )
    def post(self, request):
        body = validated(DeviceInSerializer, request.data)
        device, created = services.device_register(
            user_id=self.user_id, token=body["token"], platform=body["platform"],
            name=body.get("name") or None,
        )
        return Response(_out(device), status=201 if created else 200)


class DeviceDetailView(ApiView):
    @extend_schema(responses={204: None}, summary="Forget a device (it gets no more pushes)")
    def delete(self, request, device_id: str):
        if not ids.is_id(device_id):
            raise NotFound("No such device.")
        services.device_delete(user_id=self.user_id, device_id=device_id)
        return Response(status=204)
