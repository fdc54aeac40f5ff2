/**
 * The documentation stays true to the project: every relative link of README.md,
 * CONTRIBUTING.md and docs/ reaches a file (and a heading, for #anchors), the CLI
 * page is what the commands' own usage text makes, the README stays a front door
 * (200 lines at most), and the Colab links name chapters that exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { cliReference } from '../src/cli/reference';
import { ROOT } from './helpers/cli';
import { tempDir } from './helpers/fixtures';

const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** [text](target) links outside code, with their line numbers. */
function linksOf(file: string): Array<{ target: string; line: number }> {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const links: Array<{ target: string; line: number }> = [];
  let fenced = false;
  lines.forEach((text, i) => {
    if (text.startsWith('```')) fenced = !fenced;
    if (fenced) return;
    for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      links.push({ target: match[1]!, line: i + 1 });
    }
  });
  return links;
}

/** What is wrong with one link of `page`, or undefined when it reaches its file and heading. */
function brokenLink(page: string, target: string): string | undefined {
  if (/^[a-z]+:/i.test(target)) return undefined; // https:, mailto: — not ours to check offline
  const [file, anchor] = target.split('#') as [string, string | undefined];
  const resolved = file === '' ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), file);
  if (!fs.existsSync(resolved)) return `${target}: no file ${path.relative(ROOT, resolved)}`;
  if (anchor === undefined || !resolved.endsWith('.md')) return undefined;
  return anchorsOf(resolved).has(anchor)
    ? undefined
    : `${target}: no heading #${anchor} in ${path.relative(ROOT, resolved)}`;
}

describe('documentation links', () => {
  it('every relative link of README.md, CONTRIBUTING.md and docs/ reaches its file and heading', () => {
    assert.ok(PAGES.length >= 8, `pages: ${PAGES.join(', ')}`);
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const { target, line } of linksOf(path.join(ROOT, page))) {
        const why = brokenLink(page, target);
        if (why) broken.push(`${page}:${line} ${why}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('the checker itself catches a missing file and a missing heading', () => {
    assert.match(brokenLink('README.md', 'docs/nothing-here.md') ?? '', /no file docs\/nothing-here\.md/);
    assert.match(brokenLink('README.md', 'docs/data.md#no-such-part') ?? '', /no heading #no-such-part/);
    assert.equal(brokenLink('README.md', 'docs/data.md#pointing-the-tutorial-at-another-dataset'), undefined);
    assert.equal(slug('Native speed: the oneDNN kernels'), 'native-speed-the-onednn-kernels');
  });

  it('every docs page is reachable from the docs index', () => {
    const index = fs.readFileSync(path.join(ROOT, 'docs', 'README.md'), 'utf8');
    const pages = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    for (const page of pages) assert.ok(index.includes(`](${page})`), `docs/README.md does not link ${page}`);
  });
});

describe('README.md is the front door', () => {
  it('has at most 200 lines and links the docs index', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const lines = readme.trimEnd().split('\n').length;
    assert.ok(lines <= 200, `README.md has ${lines} lines; move detail to docs/`);
    assert.match(readme, /\]\(docs\/getting-started\.md\)/);
  });
});

describe('docs/api', () => {
  it('is what TypeDoc makes of the exported TSDoc comments, with no warning', () => {
    const out = tempDir();
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 0, `typedoc failed (warnings are errors):\n${run.stdout}${run.stderr}`);
    const committed = path.join(ROOT, 'docs', 'api');
    const files = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    assert.deepEqual(files(committed), files(out), 'docs/api has other pages than the exports: run npm run docs:api');
    for (const file of files(out)) {
      const fresh = fs.readFileSync(path.join(out, file), 'utf8');
      assert.equal(
        fs.readFileSync(path.join(committed, file), 'utf8'),
        fresh,
        `docs/api/${file} is stale: run npm run docs:api`,
      );
    }
  });
});

describe('docs/cli.md', () => {
  it("is what the commands' own usage text makes (npm run docs writes it)", () => {
    const page = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    assert.equal(page, cliReference(), 'docs/cli.md differs from the commands: run npm run docs');
  });

  it('every command answers --help with its usage, and help lists them all', () => {
    const cli = path.join(ROOT, 'dist', 'cli', 'main.js');
    const all = spawnSync(process.execPath, [cli, 'help'], { encoding: 'utf8' });
    assert.equal(all.status, 0, all.stderr);
    for (const match of cliReference().matchAll(/^## actlab (\S+)$/gm)) {
      const name = match[1]!;
      const run = spawnSync(process.execPath, [cli, name, '--help'], { encoding: 'utf8' });
      assert.equal(run.status, 0, `${name} --help: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^Usage: actlab ${name}\\b`), `${name} --help`);
      assert.match(all.stdout, new RegExp(`^  ${name}\\b`, 'm'), `actlab help lists ${name}`);
    }
  });
});
