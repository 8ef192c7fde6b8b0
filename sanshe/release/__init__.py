"""Open-data releases: tables, datapackage.json, OCDS, DCAT, quality report, page, Neo4j bundle."""
