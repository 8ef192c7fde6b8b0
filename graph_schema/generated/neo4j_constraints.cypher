// Generated from graph_schema/ by `sanshe schema generate`. Do not edit.

CREATE CONSTRAINT annualinspection_key IF NOT EXISTS FOR (n:AnnualInspection) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT community_code IF NOT EXISTS FOR (n:Community) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT creditlist_code IF NOT EXISTS FOR (n:CreditList) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT dataset_key IF NOT EXISTS FOR (n:Dataset) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT district_code IF NOT EXISTS FOR (n:District) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT evaluation_evaluation_id IF NOT EXISTS FOR (n:Evaluation) REQUIRE n.evaluation_id IS UNIQUE;
CREATE CONSTRAINT fundingsource_code IF NOT EXISTS FOR (n:FundingSource) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT hub_hub_id IF NOT EXISTS FOR (n:Hub) REQUIRE n.hub_id IS UNIQUE;
CREATE CONSTRAINT orggrade_code IF NOT EXISTS FOR (n:OrgGrade) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT partybranch_key IF NOT EXISTS FOR (n:PartyBranch) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT partyliaison_liaison_id IF NOT EXISTS FOR (n:PartyLiaison) REQUIRE n.liaison_id IS UNIQUE;
CREATE CONSTRAINT project_project_id IF NOT EXISTS FOR (n:Project) REQUIRE n.project_id IS UNIQUE;
CREATE CONSTRAINT purchaser_uscc IF NOT EXISTS FOR (n:Purchaser) REQUIRE n.uscc IS UNIQUE;
CREATE CONSTRAINT socialorganisation_uscc IF NOT EXISTS FOR (n:SocialOrganisation) REQUIRE n.uscc IS UNIQUE;
CREATE CONSTRAINT socialworker_worker_key IF NOT EXISTS FOR (n:SocialWorker) REQUIRE n.worker_key IS UNIQUE;
CREATE CONSTRAINT street_code IF NOT EXISTS FOR (n:Street) REQUIRE n.code IS UNIQUE;
CREATE INDEX hub_kind IF NOT EXISTS FOR (n:Hub) ON (n.kind);
CREATE INDEX project_category IF NOT EXISTS FOR (n:Project) ON (n.category);
CREATE INDEX project_year IF NOT EXISTS FOR (n:Project) ON (n.year);
CREATE INDEX socialorganisation_status IF NOT EXISTS FOR (n:SocialOrganisation) ON (n.status);
CREATE INDEX socialworker_level IF NOT EXISTS FOR (n:SocialWorker) ON (n.level);
