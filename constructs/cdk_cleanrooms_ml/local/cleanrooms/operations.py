"""The Clean Rooms operations the endpoint serves, by their API names.

Each is answered by the backend method of the same name in snake case, as in
:mod:`..cleanroomsml.operations`. The tag operations share their names with Clean Rooms ML's: a
fault injected for ``TagResource`` applies to either service's next TagResource.
"""

from __future__ import annotations

from typing import Final

CREATE_ASSOCIATION: Final = "CreateConfiguredAudienceModelAssociation"
GET_ASSOCIATION: Final = "GetConfiguredAudienceModelAssociation"
UPDATE_ASSOCIATION: Final = "UpdateConfiguredAudienceModelAssociation"
DELETE_ASSOCIATION: Final = "DeleteConfiguredAudienceModelAssociation"
LIST_ASSOCIATIONS: Final = "ListConfiguredAudienceModelAssociations"
TAG: Final = "TagResource"
UNTAG: Final = "UntagResource"
LIST_TAGS: Final = "ListTagsForResource"
OPERATIONS: Final = (
    CREATE_ASSOCIATION,
    GET_ASSOCIATION,
    UPDATE_ASSOCIATION,
    DELETE_ASSOCIATION,
    LIST_ASSOCIATIONS,
    TAG,
    UNTAG,
    LIST_TAGS,
)
