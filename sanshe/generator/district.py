"""A sample district modelled on Shanghai Jing'an (310106), generated deterministically.

Calibrated to ../shared/DOMAIN.md: the 14 real streets/towns and their codes, 265 residents'
committees and 1 village committee, 975,707 residents (2020 census), about 968 active social
organisations, hub network "1+14+x", certified social workers, and purchased-service projects
2019-2025 with a district special fund near 15 million yuan a year.

Every record is built as a dict keyed by contract field name; `sanshe.generator.generate`
turns them into the bureau's CSV files with the contracts' Chinese headers.

The steps live in their own modules, one per register group, and share one random stream
(`sample_model.SampleState`):

1. `sample_places`: communities and the 2015 district change
2. `sample_organisations` (with `sample_org_life`): organisations and annual inspections
3. `sample_hubs`: hubs and hub memberships
4. `sample_people`: social workers (and the made-up names and ID numbers everyone carries)
5. `sample_purchases`: purchased-service projects and their evaluations
6. `sample_defects`: rows broken on purpose, for the pipeline to quarantine
"""

from __future__ import annotations

import random

from .sample_defects import plant_defects
from .sample_hubs import add_hubs
from .sample_model import DISTRICT, OLD_JINGAN_POPULATION, SNAPSHOT, Org, Registers, SampleState
from .sample_organisations import add_organisations
from .sample_people import add_workers
from .sample_places import add_communities
from .sample_purchases import add_projects

__all__ = ["DISTRICT", "OLD_JINGAN_POPULATION", "SNAPSHOT", "DistrictGenerator", "Org", "Registers"]


class DistrictGenerator:
    """Runs the steps in order on one seeded stream. Each step reads what the earlier ones
    made, and draws from the same stream, so a step moved or left out changes every later
    register: call `build`, or the step methods in its order (the tests stop before defects)."""

    def __init__(self, seed: int = 2015):
        self.state = SampleState(random.Random(seed))

    @property
    def r(self) -> Registers:
        return self.state.registers

    def communities(self) -> None:
        add_communities(self.state)

    def organisations(self) -> None:
        add_organisations(self.state)

    def hubs(self) -> None:
        add_hubs(self.state)

    def workers(self) -> None:
        add_workers(self.state)

    def projects(self) -> None:
        add_projects(self.state)

    def plant_defects(self) -> None:
        plant_defects(self.state)

    def build(self) -> Registers:
        self.communities()
        self.organisations()
        self.hubs()
        self.workers()
        self.projects()
        self.plant_defects()
        return self.r
