"""Data contracts: one pydantic model per source register, with its expectation suite beside it."""

from .communities.contract import CommunityRecord
from .evaluations.contract import EvaluationRecord
from .hubs.contract import HubMembershipRecord, HubRecord
from .organisations.contract import OrganisationRecord
from .projects.contract import ProjectRecord
from .workers.contract import SocialWorkerRecord

#: every register, in load order (a register only refers to registers before it)
CONTRACTS = {
    m.source: m
    for m in (
        CommunityRecord,
        OrganisationRecord,
        HubRecord,
        HubMembershipRecord,
        SocialWorkerRecord,
        ProjectRecord,
        EvaluationRecord,
    )
}
