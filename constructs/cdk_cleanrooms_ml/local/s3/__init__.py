"""Amazon S3, locally, only as far as deployments need it: which buckets exist in an account
and region and which objects were published into them (:mod:`.models`, each object a file on
the local disk), who may read an object (:mod:`.policies`, :mod:`.access`), and the errors S3
answers with (:mod:`.exceptions`). No S3 API is served: the CDK CLI's publishing, CloudFormation
and Lambda are what reads and writes here.
"""

from __future__ import annotations

from .exceptions import S3Error
from .models import S3Backend, S3Object

__all__ = ["S3Backend", "S3Error", "S3Object"]
