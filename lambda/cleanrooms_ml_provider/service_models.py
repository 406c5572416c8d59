"""The service models the handler was tested against, loaded ahead of the runtime's own.

A Lambda runtime's botocore trails the service by months, and botocore refuses on the client
any request member its model does not know. So the handler ships the models of the services
it calls (``models/<service>/<api version>/``, written by ``tools/service_models.py``; gzipped
in the asset) and builds its clients from a session whose loader searches that folder first:
botocore's own data-path mechanism (``AWS_DATA_PATH``), which a user's own setting of it
still extends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import boto3
import botocore.session

MODELS_DIR: Final = Path(__file__).resolve().parent / "models"

_session: boto3.Session | None = None


def data_path() -> str:
    """The loader's extra search path: the shipped models first, then ``AWS_DATA_PATH``."""
    extra = os.environ.get("AWS_DATA_PATH")
    return os.pathsep.join([str(MODELS_DIR), *([extra] if extra else [])])


def session() -> boto3.Session:
    """The boto3 session every client of the handler is built from (one per process)."""
    global _session  # noqa: PLW0603 - built once, on first use
    if _session is None:
        core = botocore.session.get_session()
        core.set_config_variable("data_path", data_path())
        _session = boto3.Session(botocore_session=core)
    return _session


def reset() -> None:
    """Forget the session (tests that change the environment)."""
    global _session  # noqa: PLW0603
    _session = None
