'use strict';
/*
 * Runs @doyensec/electronegativity (library API) over one folder with the network shut, for
 * test/security/electronegativity.test.ts:
 *   node electronegativity-offline.cjs <request.json> <result.json>
 * request: { input, excludeChecks?: string[], onlyChecks?: string[], cspPass?: boolean, exitOnNetwork?: boolean }.
 * result: { tool, network, translationsAnsweredOffline, full, csp, failure }.
 *
 * Every way out of the process (DNS, TCP/TLS sockets, http/https/http2, fetch, UDP) is replaced
 * by a function that records the attempt and throws; the test fails when `network` is not empty.
 * Version 1.10.3 has two network calls: the AvailableSecurityFixesGlobalCheck (Electron's release
 * list from GitHub; the test excludes that check) and, on every run and without an option to turn
 * it off, a download of updated translations (dist/locales/i18n.js, 1 s timeout, failures ignored).
 * The latter is answered here, without touching the network, by the failure it gets offline: the
 * `got` that i18n.js requires is a function that rejects, so the tool uses its bundled en-US strings.
 * Any other use of `got` is the real one, and would be caught by the guard below.
 */
const fs = require('node:fs');
const Module = require('node:module');

const [requestFile, resultFile] = process.argv.slice(2);
if (!requestFile || !resultFile) {
  console.error('usage: node electronegativity-offline.cjs REQUEST.json RESULT.json');
  process.exit(2);
}

const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
const network = [];
function blocked(what) {
  return function blockedNetworkCall(...args) {
    const target = args
      .filter((a) => typeof a !== 'function')
      .map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : safeJson(a)))
      .join(' ')
      .slice(0, 300);
    network.push({ call: what, target, stack: new Error().stack.split('\n').slice(2, 8).join('\n') });
    if (request.exitOnNetwork) process.exit(3); // the probe: one attempt proves the guard, no need to sit through retries
    const error = new Error(`network access blocked in this test: ${what} ${target}`);
    error.code = 'ENETUNREACH';
    throw error;
  };
}
function safeJson(value) {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'object' && v !== null && v.constructor && v.constructor.name !== 'Object' && !Array.isArray(v) ? `[${v.constructor.name}]` : v));
  } catch {
    return '[unprintable]';
  }
}

const net = require('node:net');
const tls = require('node:tls');
const dns = require('node:dns');
const http = require('node:http');
const https = require('node:https');
const http2 = require('node:http2');
const dgram = require('node:dgram');

net.Socket.prototype.connect = blocked('net.Socket#connect');
net.connect = net.createConnection = blocked('net.connect');
tls.connect = blocked('tls.connect');
for (const target of [dns, dns.promises, dns.Resolver.prototype, dns.promises.Resolver.prototype]) {
  for (const name of Object.getOwnPropertyNames(target)) {
    if ((name.startsWith('lookup') || name.startsWith('resolve') || name === 'reverse') && typeof target[name] === 'function') {
      target[name] = blocked(`dns.${name}`);
    }
  }
}
http.request = http.get = blocked('http.request');
https.request = https.get = blocked('https.request');
http2.connect = blocked('http2.connect');
dgram.createSocket = blocked('dgram.createSocket');
globalThis.fetch = blocked('fetch');

let translationsAnsweredOffline = 0;
const load = Module._load;
Module._load = function loadWithOfflineTranslations(request, parent, isMain) {
  if (request === 'got' && parent && /[\\/]@doyensec[\\/]electronegativity[\\/]dist[\\/]locales[\\/]i18n\.js$/.test(parent.filename)) {
    return () => {
      translationsAnsweredOffline += 1;
      return Promise.reject(new Error('offline: no translation download'));
    };
  }
  return load.call(this, request, parent, isMain);
};

const result = { tool: null, network, translationsAnsweredOffline: 0, full: null, csp: null, failure: null };
process.on('exit', () => {
  result.translationsAnsweredOffline = translationsAnsweredOffline;
  fs.writeFileSync(resultFile, JSON.stringify(result, null, 2));
  if (network.length > 0 && !process.exitCode) process.exitCode = 3;
});

const plain = (issue) => ({
  id: issue.id,
  severity: issue.severity.name,
  confidence: issue.confidence.name,
  file: issue.file,
  line: issue.location.line,
  column: issue.location.column,
  sample: issue.sample,
  description: issue.description,
  manualReview: issue.manualReview,
  properties: issue.properties,
});

async function main() {
  const toolPackage = require.resolve('@doyensec/electronegativity/package.json');
  result.tool = { version: JSON.parse(fs.readFileSync(toolPackage, 'utf8')).version };
  const run = require('@doyensec/electronegativity');

  const full = await run({ input: request.input, isRelative: true, customScan: request.onlyChecks ?? [], excludeFromScan: request.excludeChecks ?? [] });
  result.full = { globalChecks: full.globalChecks, atomicChecks: full.atomicChecks, errors: full.errors, issues: full.issues.map(plain) };
  if (!request.cspPass) return;

  // The CSP checks alone: their INFORMATIONAL findings (each CSP the tool found, and where) are
  // consumed by CSP_GLOBAL_CHECK in a full run, which reports only what it dislikes.
  const csp = await run({ input: request.input, isRelative: true, customScan: ['CSPHTMLCheck', 'CSPJSCheck'] });
  result.csp = { errors: csp.errors, issues: csp.issues.map(plain) };
}

main().catch((error) => {
  result.failure = String((error && error.stack) || error);
  process.exitCode = 1;
});
