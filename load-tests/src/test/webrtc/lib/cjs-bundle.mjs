// A minimal CommonJS bundler for the browser, so that the harness needs no bundler package.
//
// JsSIP 3.13 ships only CommonJS sources (lib/JsSIP.js and friends, with `require` of debug, events and
// sdp-transform), no prebuilt browser file. bundle() walks the static `require('...')` calls from an entry file,
// resolves them the way Node does for these packages (relative files, `.js`/`.json`, directory index.js, and a
// package's `browser` field before its `main`), wraps each module in a function and returns one script that
// defines `globalThis[globalName]` = the entry's module.exports.
//
// It fails loudly (throws) on a require it cannot resolve, and on a dynamic require, rather than producing a
// bundle that breaks later in the page.

import fs from 'node:fs';
import path from 'node:path';

const REQUIRE = /\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g;
const DYNAMIC_REQUIRE = /\brequire\s*\(\s*[^'"\s)]/;
/** Node built-ins that a browser build never reaches (debug's node.js branch is skipped by its browser field). */
const BUILTINS = new Set(['util', 'tty', 'fs', 'path', 'os', 'net', 'crypto', 'stream', 'url', 'http', 'https']);

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function resolveFile(p) {
  for (const candidate of [p, `${p}.js`, `${p}.json`]) {
    if (isFile(candidate)) {
      return candidate;
    }
  }
  if (isDir(p)) {
    const pkgJson = path.join(p, 'package.json');
    if (isFile(pkgJson)) {
      const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
      const entry = typeof pkg.browser === 'string' ? pkg.browser : pkg.main;
      if (entry) {
        const resolved = resolveFile(path.join(p, entry));
        if (resolved) {
          return resolved;
        }
      }
    }
    const index = path.join(p, 'index.js');
    if (isFile(index)) {
      return index;
    }
  }
  return null;
}

function resolvePackage(name, fromDir, nodeModules) {
  // Walk up node_modules folders from the requiring file, as Node does, but never above nodeModules' parent.
  const stop = path.dirname(nodeModules);
  let dir = fromDir;
  for (let i = 0; i < 64; i++) {
    const candidate = resolveFile(path.join(dir, 'node_modules', name));
    if (candidate) {
      return candidate;
    }
    if (dir === stop || dir === path.dirname(dir)) {
      break;
    }
    dir = path.dirname(dir);
  }
  return resolveFile(path.join(nodeModules, name));
}

/**
 * Bundles `entry` (an absolute path) and what it requires.
 *
 * @param {string} entry the entry module, for example node_modules/jssip/lib/JsSIP.js
 * @param {string} nodeModules the node_modules folder the packages are resolved in
 * @param {string} globalName the global the entry's exports are assigned to
 * @returns {{ code: string, modules: string[] }} the script and the bundled files (relative to nodeModules)
 */
export function bundle(entry, nodeModules, globalName) {
  const ids = new Map(); // absolute path -> numeric id
  const order = [];
  const sources = [];
  const maps = [];

  const visit = (file) => {
    if (ids.has(file)) {
      return ids.get(file);
    }
    const id = order.length;
    ids.set(file, id);
    order.push(file);
    sources.push(null);
    maps.push(null);
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.json')) {
      sources[id] = `module.exports = ${JSON.stringify(JSON.parse(text))};`;
      maps[id] = {};
      return id;
    }
    if (DYNAMIC_REQUIRE.test(text.replace(REQUIRE, ''))) {
      throw new Error(`cjs-bundle: dynamic require in ${file}; cannot bundle it`);
    }
    const map = {};
    for (const match of text.matchAll(REQUIRE)) {
      const spec = match[2];
      if (spec in map) {
        continue;
      }
      let target;
      if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/')) {
        target = resolveFile(path.resolve(path.dirname(file), spec));
      } else if (BUILTINS.has(spec) || spec === 'supports-color') {
        // Only reached from code the browser never runs (debug's node.js, excluded by its browser field).
        map[spec] = -1;
        continue;
      } else {
        target = resolvePackage(spec, path.dirname(file), nodeModules);
      }
      if (!target) {
        throw new Error(`cjs-bundle: cannot resolve require('${spec}') in ${file}`);
      }
      map[spec] = visit(target);
    }
    sources[id] = text;
    maps[id] = map;
    return id;
  };

  visit(path.resolve(entry));

  const parts = [];
  parts.push('(function () {\n"use strict";\n');
  parts.push('var defs = [];\n');
  order.forEach((file, id) => {
    const rel = path.relative(nodeModules, file).split(path.sep).join('/');
    parts.push(`// ---- ${rel}\n`);
    parts.push(`defs[${id}] = [${JSON.stringify(maps[id])}, function (require, module, exports) {\n`);
    parts.push(sources[id]);
    parts.push('\n}];\n');
  });
  parts.push(`
var cache = [];
function load(id) {
  if (cache[id]) { return cache[id].exports; }
  var module = { exports: {} };
  cache[id] = module;
  var def = defs[id];
  var req = function (spec) {
    var target = def[0][spec];
    if (target === undefined) { throw new Error('bundled module has no require(' + spec + ')'); }
    if (target < 0) { throw new Error('require(' + spec + ') is not available in the browser bundle'); }
    return load(target);
  };
  def[1].call(module.exports, req, module, module.exports);
  return module.exports;
}
globalThis[${JSON.stringify(globalName)}] = load(0);
})();
`);
  return {
    code: parts.join(''),
    modules: order.map((f) => path.relative(nodeModules, f).split(path.sep).join('/')),
  };
}
