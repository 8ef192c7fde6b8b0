"""catalog.jsonld: the release described in DCAT 3, shaped to pass the DCAT-AP 3.0.1 SHACL shapes.

One `dcat:Catalog` (title, description, publisher, licence) holds one `dcat:Dataset` (temporal
and spatial coverage, contact point, publisher, licence) whose `dcat:Distribution`s are the files
of the release, each with `accessURL` (the release's landing page) and `downloadURL` (the file),
an IANA media-type IRI and the licence.

Source of the shapes: SEMICeu/DCAT-AP releases/3.0.1 (vendored in tests/standards/). Controlled
values are taken from the EU vocabularies where one applies to China too (country `CHN`,
language `ZHO`, licence `CC_BY_4_0`, data theme `SOCI` population and society), and the graph says which scheme each belongs to, as the
shapes' vocabulary checks expect.
"""

from __future__ import annotations

EU = "http://publications.europa.eu/resource/authority"
IANA = "http://www.iana.org/assignments/media-types"
#: EU licence vocabulary entries for the licences a release is likely to carry (SPDX id -> IRI)
EU_LICENCES = {
    "CC-BY-4.0": f"{EU}/licence/CC_BY_4_0",
    "CC0-1.0": f"{EU}/licence/CC0",
    "ODbL-1.0": f"{EU}/licence/ODC_BL",
    "CC-BY-SA-4.0": f"{EU}/licence/CC_BYSA_4_0",
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def distributions(package: dict) -> list[tuple[str, str, str]]:
    """(path in the release, IANA media type, title) of every file the catalogue lists.

    The Neo4j import script is listed as text/plain: IANA registers no shell-script type."""
    out = [("datapackage.json", "application/json", "Frictionless Data Package v2 descriptor")]
    out += [(r["path"], "text/csv", r["title"]) for r in package["resources"]]
    out += [
        (
            r["path"].replace("csv/", "parquet/").replace(".csv", ".parquet"),
            "application/vnd.apache.parquet",
            r["title"],
        )
        for r in package["resources"]
    ]
    out += [
        ("ocds/release-package.json", "application/json", "OCDS 1.1.5 release package"),
        ("quality/report.json", "application/json", "Quality report (counts only) · 数据质量报告"),
        ("neo4j/import.sh", "text/plain", "Neo4j bulk import bundle (neo4j-admin)"),
        ("index.html", "text/html", "Key figures, charts and explorer · 主要数据与浏览"),
    ]
    return out


def _text(zh: str, en: str) -> list[dict]:
    return [{"@value": zh, "@language": "zh"}, {"@value": en, "@language": "en"}]


def _date(day: str) -> dict:
    return {"@value": day, "@type": "xsd:date"}


def catalogue(
    package: dict, dataset: dict, base_uri: str, licence: dict, publisher: str, contact_url: str, first_day: str
) -> dict:
    """The catalogue as JSON-LD (one `@graph`).

    `package` is the datapackage.json dict, `dataset` the graph's Dataset node (district code,
    name, snapshot date), `first_day` the earliest date the data covers (ISO), `contact_url` where
    the public can write to the publisher (an organisation, never a person)."""
    base = base_uri.rstrip("/")
    home = f"{base}/{package['name']}"
    zh, en = package["title"].split(" · ", 1)
    licence_iri = EU_LICENCES.get(licence["name"], licence["path"])
    publisher_node = {"@id": f"{base}#publisher", "@type": "foaf:Agent", "foaf:name": publisher}
    media = sorted({m for _, m, _ in distributions(package)})
    dists = [
        {
            "@id": f"{home}/{path}#distribution",
            "@type": "dcat:Distribution",
            "dct:title": title,
            "dcat:accessURL": {"@id": f"{home}/index.html"},
            "dcat:downloadURL": {"@id": f"{home}/{path}"},
            "dcat:mediaType": {"@id": f"{IANA}/{m}"},
            "dct:license": {"@id": licence_iri},
        }
        for path, m, title in distributions(package)
    ]
    data = {
        "@id": home,
        "@type": "dcat:Dataset",
        "dct:identifier": package["id"],
        "dct:title": _text(zh, en),
        "dct:description": package["description"],
        "dct:issued": _date(package["created"][:10]),
        "dct:license": {"@id": licence_iri},
        "dct:publisher": {"@id": publisher_node["@id"]},
        "dct:language": {"@id": f"{EU}/language/ZHO"},
        "dct:spatial": [
            {"@id": f"{EU}/country/CHN"},
            {
                "@id": f"{home}#district",
                "@type": "dct:Location",
                "skos:prefLabel": f"{dataset['district_name']} ({dataset['district_code']})",
            },
        ],
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(first_day),
            "dcat:endDate": _date(str(dataset["snapshot_date"])[:10]),
        },
        "dcat:theme": {"@id": f"{EU}/data-theme/SOCI"},
        "dcat:contactPoint": {
            "@type": ["vcard:Kind", "vcard:Organization"],
            "vcard:fn": publisher,
            "vcard:hasURL": {"@id": contact_url},
        },
        "dcat:landingPage": {"@id": f"{home}/index.html", "@type": "foaf:Document"},
        "dcat:version": package["version"],
        "dcat:keyword": package["keywords"],
        "dcat:distribution": [{"@id": d["@id"]} for d in dists],
    }
    catalog = {
        "@id": f"{base}/catalog",
        "@type": "dcat:Catalog",
        "dct:title": _text(f"{dataset['district_name']}三社联动开放数据目录", "sanshe open-data catalogue"),
        "dct:description": _text(
            "社区、社会组织、社会工作者与政府购买服务的开放数据发布。",
            "Open-data releases on communities, social organisations, social workers and purchased services.",
        ),
        "dct:publisher": {"@id": publisher_node["@id"]},
        "dct:license": {"@id": licence_iri},
        "dct:language": {"@id": f"{EU}/language/ZHO"},
        "foaf:homepage": {"@id": f"{base}/", "@type": "foaf:Document"},
        "dcat:themeTaxonomy": {"@id": f"{EU}/data-theme", "@type": "skos:ConceptScheme", "dct:title": "Data theme"},
        "dcat:dataset": {"@id": home},
    }
    # which vocabulary each controlled value comes from (what the shapes' skos:inScheme checks read)
    vocab = [
        {"@id": f"{EU}/language/ZHO", "skos:inScheme": {"@id": f"{EU}/language"}, "@type": "dct:LinguisticSystem"},
        {"@id": f"{EU}/country/CHN", "skos:inScheme": {"@id": f"{EU}/country"}, "@type": "dct:Location"},
        {
            "@id": f"{EU}/data-theme/SOCI",
            "skos:inScheme": {"@id": f"{EU}/data-theme"},
            "@type": "skos:Concept",
            "skos:prefLabel": _text("人口与社会", "Population and society"),
        },
        {"@id": licence_iri, "@type": "dct:LicenseDocument"},
        *({"@id": f"{IANA}/{m}", "@type": "dct:MediaType"} for m in media),
    ]
    return {"@context": CONTEXT, "@graph": [catalog, data, publisher_node, *dists, *vocab]}
