#!/usr/bin/env node
// Lint Cypher with Neo4j's own parser and semantic analysis (@neo4j-cypher/language-support).
//
// stdin : {"schema": {labels, relationshipTypes, propertyKeys}, "queries": [{"name", "text"}]}
// stdout: {"version", "results": [{"name", "diagnostics": [{severity, message, line, column, snippet}]}]}
//
// Function names are only checked when the schema lists functions, so Neo4j's built-in functions
// (isBuiltIn, i.e. no APOC) are taken from the registry the package ships. Parameters are
// declared by the catalogue, not the schema, so "Parameter $x is not defined" is dropped.
'use strict';
const path = require('path');
const fs = require('fs');
const { lintCypherQuery, isNotParamError, testData } = require('@neo4j-cypher/language-support');

const version = JSON.parse(fs.readFileSync(path.join(
  path.dirname(require.resolve('@neo4j-cypher/language-support')), '..', '..', 'package.json'), 'utf8')).version;
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

function builtins() {
  const out = {};
  for (const [language, registry] of Object.entries(testData.mockSchema.functions)) {
    out[language] = {};
    for (const [name, fn] of Object.entries(registry)) if (fn.isBuiltIn) out[language][name] = fn;
  }
  return out;
}

function main(input) {
  const schema = { defaultLanguage: 'CYPHER 5', functions: builtins(), ...input.schema };
  const results = input.queries.map(({ name, text }) => {
    let diagnostics;
    try {
      diagnostics = lintCypherQuery(text, schema, { consoleCommandsEnabled: false }).diagnostics;
    } catch (e) {
      diagnostics = [{ severity: 1, message: 'linter crashed: ' + e.message, offsets: { start: 0, end: 0 } }];
    }
    return {
      name,
      diagnostics: diagnostics.filter(isNotParamError).map((d) => ({
        severity: SEVERITY[d.severity] || String(d.severity),
        message: d.message,
        line: d.range ? d.range.start.line + 1 : null,
        column: d.range ? d.range.start.character + 1 : null,
        snippet: text.slice(d.offsets.start, d.offsets.end),
      })),
    };
  });
  return { version, results };
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => (buf += c));
process.stdin.on('end', () => process.stdout.write(JSON.stringify(main(JSON.parse(buf))) + '\n'));
