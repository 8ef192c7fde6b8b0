"""Data contracts: one pydantic model per source register, with its expectation suite beside it."""

from .communities.changes import DistrictChangeRecord
from .communities.contract import CommunityRecord
from .evaluations.contract import EvaluationRecord
from .hubs.contract import HubMembershipRecord, HubRecord
from .organisations.contract import OrganisationRecord
from .organisations.inspections import AnnualInspectionRecord
from .projects.contract import ProjectRecord
from .workers.contract import SocialWorkerRecord

#: every register, in load order (a register only refers to registers before it)
CONTRACTS = {
    m.source: m
    for m in (
        CommunityRecord,
        DistrictChangeRecord,
        OrganisationRecord,
        AnnualInspectionRecord,
        HubRecord,
        HubMembershipRecord,
        SocialWorkerRecord,
        ProjectRecord,
        EvaluationRecord,
    )
}
