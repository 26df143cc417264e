"""OpenAPI: drf-spectacular hooks (one entry per path, not two for the optional trailing slash; the error
envelope documented on every operation)."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable error code (API.md)."},
                "message": {"type": "string", "description": "Human-readable explanation."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "Validation messages by field (validation errors only).",
                },
            },
            "additionalProperties": True,
        }
    },
}

# Statuses any operation may answer with, besides its own.
COMMON_ERRORS = {
    "400": "Invalid input (`invalid`), with `fields` for validation errors.",
    "401": "Missing, invalid or expired access token (`not_authenticated`).",
    "404": "Not found, or not yours (`not_found`).",
    "405": "Method not allowed (`method_not_allowed`).",
    "406": "Not acceptable (`not_acceptable`).",
    "409": "Conflict (`conflict`), e.g. an Idempotency-Key reused with another request.",
    "413": "Request body too large (`payload_too_large`).",
    "415": "Unsupported media type (`unsupported_media_type`).",
    "429": "Too many requests (`throttled`), see Retry-After.",
    "500": "Unexpected error (`server_error`).",
    "503": "A dependency is busy or unreachable (`unavailable`), see Retry-After.",
}


def drop_trailing_slash_twins(endpoints):
    """Paths answer with and without a trailing slash; document each once, without it."""
    paths = {path for path, *_ in endpoints}
    return [e for e in endpoints if not (e[0].endswith("/") and e[0].rstrip("/") in paths)]


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                })
    return result
