"""The export's background work. On Lambda, zappa's @task invokes the function again asynchronously
(InvocationType=Event) with this task; anywhere else (no AWS_LAMBDA_FUNCTION_NAME) it runs in-process,
before the caller returns: see zappa.asynchronous.task."""

from zappa.asynchronous import task


@task
def build_export(user_id: str, export_id: str) -> str:
    """Build the data package of a pending export (arguments stay JSON-serializable for the Lambda event)."""
    from apps.exports import services

    return services.export_build(user_id=user_id, export_id=export_id)

