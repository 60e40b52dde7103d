import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { importExternal, installedPackageDir } from '../runtime.js';

/**
 * oxc-parser's `parseSync`, loaded the cheapest way. The package is ES modules (a dozen files
 * through Node's ES module loader) around a native binding: importing it cost a pre-commit run
 * ~30 ms here, the binding itself ~5 ms. Where the binding's package for this platform is
 * installed beside oxc-parser, at oxc-parser's version, it is required directly and its result
 * unwrapped as oxc-parser's `wrap` does; anywhere else (another platform, a WASI fallback, a
 * binding that answers differently) the package is imported as before.
 */
export interface OxcResult {
  program: unknown;
  errors: { message: string; labels?: { start: number }[] }[];
}
export type OxcParseSync = (filename: string, text: string) => OxcResult;

let loaded: Promise<OxcParseSync> | undefined;

export function loadOxcParseSync(): Promise<OxcParseSync> {
  return (loaded ??= Promise.resolve(direct() ?? imported()));
}

async function imported(): Promise<OxcParseSync> {
  const { parseSync } = await importExternal<typeof import('oxc-parser')>('oxc-parser');
  return parseSync as unknown as OxcParseSync;
}

interface Binding {
  parseSync(filename: string, text: string): { program: string; errors: OxcResult['errors'] };
}

/** The platform's binding required directly, checked on a small source; undefined when anything differs from what oxc-parser itself would do. */
export function direct(): OxcParseSync | undefined {
  const platform = bindingName();
  if (!platform) return undefined;
  try {
    const oxc = installedPackageDir('oxc-parser');
    if (!oxc) return undefined;
    const packageJson = join(oxc, 'package.json');
    const fromOxc = createRequire(packageJson);
    const name = `@oxc-parser/binding-${platform}`;
    const version = versionOf(packageJson);
    if (!version || versionOf(fromOxc.resolve(`${name}/package.json`)) !== version) return undefined;
    const binding = fromOxc(name) as Binding;
    const parseSync: OxcParseSync = (filename, text) => {
      const result = binding.parseSync(filename, text);
      return { errors: result.errors, program: programOf(result.program) };
    };
    const probe = parseSync('probe.ts', 'export default { a: /x/g, b: 1n };').program as { type?: string; body?: unknown[] };
    return probe?.type === 'Program' && probe.body?.length === 1 ? parseSync : undefined;
  } catch {
    return undefined;
  }
}

function versionOf(packageJson: string): string | undefined {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version;
}

/** The binding's JSON: the program, and the paths of the literals JSON cannot hold (BigInt, RegExp), whose `value` is set as oxc-parser sets it. */
function programOf(json: string): unknown {
  const { node, fixes } = JSON.parse(json) as { node: unknown; fixes: (string | number)[][] };
  for (const path of fixes) {
    let literal = node as Record<string | number, any>;
    for (const key of path) literal = literal[key];
    if (literal.bigint) literal.value = BigInt(literal.bigint);
    else {
      try {
        literal.value = RegExp(literal.regex.pattern, literal.regex.flags);
      } catch {
        /* a pattern this Node cannot compile: value stays null, as oxc-parser leaves it */
      }
    }
  }
  return node;
}

/** napi-rs's name for this platform's binding, for the platforms it is sure of; undefined elsewhere. */
function bindingName(): string | undefined {
  const arch = process.arch === 'x64' || process.arch === 'arm64' ? process.arch : undefined;
  if (!arch) return undefined;
  if (process.platform === 'darwin') return `darwin-${arch}`;
  if (process.platform === 'win32') return `win32-${arch}-msvc`;
  if (process.platform !== 'linux') return undefined;
  try {
    return `linux-${arch}-${readFileSync('/usr/bin/ldd', 'utf8').includes('musl') ? 'musl' : 'gnu'}`;
  } catch {
    return undefined; // oxc-parser asks the process report or ldd then: leave it to it
  }
}
