"""The export's background work: built in another invocation of the Lambda function (apps.core.aws.tasks), or
in-process anywhere else."""

from apps.core.aws.tasks import run_in_background
from apps.exports import services
from apps.exports.repository import Export


def export_start(*, user_id: str, format: str) -> tuple[Export, bool]:
    """Request a data package (services.export_request) and start building it when it is a new one."""
    export, started = services.export_request(user_id=user_id, format=format)
    if started:
        try:
            run_in_background(build_export, export.user_id, export.id)
        except Exception:
            # The task could not even be handed to Lambda: never leave a pending export nobody builds.
            services.export_fail(user_id=export.user_id, export_id=export.id)
            raise
    return export, started


def build_export(user_id: str, export_id: str) -> str:
    """Build the data package of a pending export (arguments stay JSON-serializable for the Lambda event)."""
    return services.export_build(user_id=user_id, export_id=export_id)
