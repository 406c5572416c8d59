"""Each operation the endpoint serves has its one backend method, and its route and parser."""

from __future__ import annotations

import pytest

from cdk_cleanrooms_ml.local.cleanroomsml.models import CleanRoomsMlBackend
from cdk_cleanrooms_ml.local.cleanroomsml.operations import OPERATIONS, method_name
from cdk_cleanrooms_ml.local.cleanroomsml.parsing import PARSERS
from cdk_cleanrooms_ml.local.cleanroomsml.responses import CleanRoomsMlEndpoint
from cdk_cleanrooms_ml.local.cleanroomsml.shapes import service_model


def test_method_names_follow_the_operation_names() -> None:
    assert method_name("StartAudienceExportJob") == "start_audience_export_job"
    assert method_name("ListTagsForResource") == "list_tags_for_resource"


@pytest.mark.parametrize("op", OPERATIONS)
def test_every_operation_is_answered_by_its_backend_method(op: str) -> None:
    assert op in service_model().operation_names
    assert op in PARSERS
    assert callable(getattr(CleanRoomsMlEndpoint, method_name(op)))
    assert callable(getattr(CleanRoomsMlBackend, method_name(op)))
