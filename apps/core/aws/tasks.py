"""Background work in another invocation of this Lambda function (Zappa's asynchronous tasks).

zappa.asynchronous invokes the function by its bare name, i.e. `$LATEST`, which SnapStart never serves
(it only restores published versions): every background task would pay a full init. `run_in_background`
names this invocation's own published version instead (AWS_LAMBDA_FUNCTION_VERSION, which Lambda sets),
through Zappa's public `zappa.asynchronous.run`. Outside Lambda (local mode, tests) the function runs
right here, before the caller returns, as Zappa's @task does.
"""

import os
from collections.abc import Callable


def this_function() -> str | None:
    """This Lambda function's qualified name (`name:version`), or its bare name on `$LATEST`; None off Lambda."""
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    if not name:
        return None
    return f"{name}:{version}" if version and version != "$LATEST" else name


def run_in_background(func: Callable[..., object], *args: object, **kwargs: object) -> object | None:
    """`func(*args, **kwargs)` in a new asynchronous invocation (Lambda's Event invoke) of this function's
    published version, returning None at once; off Lambda, right here, returning what `func` returned. The
    arguments travel as JSON, and `func` must be a plain module-level function (Zappa finds it by its dotted
    path and calls it as it is: not one decorated with Zappa's @task, which would invoke `$LATEST` again)."""
    target = this_function()
    if target is None:
        return func(*args, **kwargs)
    from zappa.asynchronous import run  # boto3's Lambda client: only where a task is dispatched

    run(func, args=list(args), kwargs=dict(kwargs), remote_aws_lambda_function_name=target)
    return None
