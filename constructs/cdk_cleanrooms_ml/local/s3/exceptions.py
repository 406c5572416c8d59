"""S3's errors, with the codes and messages S3 answers with."""

from __future__ import annotations

from typing import Final

NO_SUCH_BUCKET: Final = "NoSuchBucket"
NO_SUCH_KEY: Final = "NoSuchKey"
ACCESS_DENIED: Final = "AccessDenied"
BUCKET_NOT_EMPTY: Final = "BucketNotEmpty"
BUCKET_ALREADY_OWNED: Final = "BucketAlreadyOwnedByYou"

_MESSAGES: Final = {
    NO_SUCH_BUCKET: "The specified bucket does not exist",
    NO_SUCH_KEY: "The specified key does not exist.",
    ACCESS_DENIED: "Access Denied",
    BUCKET_NOT_EMPTY: "The bucket you tried to delete is not empty",
    BUCKET_ALREADY_OWNED: (
        "Your previous request to create the named bucket succeeded and you already own it."
    ),
}


class S3Error(Exception):
    """What S3 refused: ``code`` (``NoSuchKey``...), S3's ``message``, and the ``resource``."""

    def __init__(self, code: str, resource: str = "") -> None:
        self.code = code
        self.message = _MESSAGES.get(code, code)
        self.resource = resource
        super().__init__(f"{code}: {self.message}" + (f" ({resource})" if resource else ""))
