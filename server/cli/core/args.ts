// Command definitions and argument parsing (node:util parseArgs), plus the help text generated from them,
// so what a command accepts and what its --help says cannot drift apart.
import { parseArgs } from 'node:util';
import type { Api } from './client';
import { usageError } from './errors';
import type { Output } from './output';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `<email>`. */
  value?: string;
  short?: string;
  multiple?: boolean;
  description: string;
}

export interface ArgSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export interface CommandContext {
  args: Record<string, string | undefined>;
  /** Positionals after the declared arguments, for a command with `rest`. */
  rest: string[];
  options: ParsedOptions;
  out: Output;
  /** The API client; created on first use so that commands can check their input before needing a token. */
  api: () => Api;
  /**
   * Asks a yes/no question when a person is at a terminal (stdin and stdout are TTYs) and says whether they
   * answered yes; answers yes at once, without asking, when nobody could answer (a script, CI, a pipe).
   */
  confirm: (question: string) => Promise<boolean>;
  /** The Slipway URL the command talks to (no credentials), for commands that call more than the API (the gateway). */
  url: string;
  /** The process environment, for settings a command reads besides the connection (SLIPWAY_GATEWAY_KEY). */
  env: Record<string, string | undefined>;
}

export interface Command {
  group: string;
  /** Empty for a command that is a group of its own (`slipway sync`). */
  name: string;
  summary: string;
  /** Longer explanation shown in the command's help. */
  details?: string;
  args?: ArgSpec[];
  /** A trailing, repeatable argument. */
  rest?: ArgSpec;
  options?: Record<string, OptionSpec>;
  examples?: string[];
  /**
   * Commands with an exit-code contract of their own (`gates run`: 1 only for a failed gate) exit with this on
   * every failure except a CliError marked `verdict`.
   */
  errorExit?: number;
  run: (ctx: CommandContext) => Promise<void>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print machine-readable JSON on stdout' },
  url: { type: 'string', value: '<url>', description: 'Slipway URL (default $SLIPWAY_URL or http://localhost:3000)' },
  token: { type: 'string', value: '<token>', description: 'API token (default $SLIPWAY_TOKEN; prefer the variable, flags show up in ps)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export class ParsedOptions {
  constructor(private readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>) {}

  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  strings(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  required(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw usageError(`--${name} is required`);
    return v;
  }
}

/** parseArgs' messages explain how to quote dashes; the first sentence is what a user needs. */
function usageFromParseError(err: unknown, commandLine: string): never {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) throw usageError(`unknown option ${unknown[1]} for "${commandLine}" (see ${commandLine} --help)`);
  const missing = /Option '(-\S+?)(?:, (-\S+))?(?: <value>)?' argument missing/.exec(message);
  if (missing) throw usageError(`${missing[2] ?? missing[1]} needs a value`);
  const noArg = /Option '(-\S+?)(?:, (-\S+))?' does not take an argument/.exec(message);
  if (noArg) throw usageError(`${noArg[2] ?? noArg[1]} does not take a value`);
  throw usageError(message.split(/\.\s/)[0]!.replace(/\.$/, ''));
}

export function parseCommandLine(command: Command, argv: string[]): { args: Record<string, string | undefined>; rest: string[]; options: ParsedOptions } {
  const specs = { ...command.options, ...GLOBAL_OPTIONS };
  const commandLine = commandName(command);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      // parseArgs refuses keys that are present but undefined.
      options: Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) }])),
    });
  } catch (err) {
    usageFromParseError(err, commandLine);
  }
  const options = new ParsedOptions(parsed.values);
  if (options.flag('help')) return { args: {}, rest: [], options };

  const declared = command.args ?? [];
  const positionals = parsed.positionals;
  const args: Record<string, string | undefined> = {};
  declared.forEach((a, i) => {
    const value = positionals[i];
    if (value === undefined && !a.optional) throw usageError(`missing <${a.name}>: usage is ${usageLine(command)}`);
    args[a.name] = value;
  });
  const rest = positionals.slice(declared.length);
  if (rest.length && !command.rest) throw usageError(`unexpected argument "${rest[0]}": usage is ${usageLine(command)}`);
  if (!rest.length && command.rest && !command.rest.optional) throw usageError(`missing <${command.rest.name}>: usage is ${usageLine(command)}`);
  return { args, rest, options };
}

export const commandName = (command: Command) => ['slipway', command.group, command.name].filter(Boolean).join(' ');

function usageLine(command: Command): string {
  const args = (command.args ?? []).map((a) => (a.optional ? `[<${a.name}>]` : `<${a.name}>`));
  if (command.rest) args.push(command.rest.optional ? `[<${command.rest.name}>…]` : `<${command.rest.name}>…`);
  return [commandName(command), ...args, '[options]'].join(' ');
}

function optionRows(specs: Record<string, OptionSpec>): [string, string][] {
  return Object.entries(specs).map(([name, s]) => [`${s.short ? `-${s.short}, ` : ''}--${name}${s.value ? ` ${s.value}` : ''}`, s.description + (s.multiple ? ' (repeatable)' : '')]);
}

function columns(rows: [string, string][], indent = '  '): string {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(width)}  ${b}`.trimEnd()).join('\n');
}

export function commandHelp(command: Command): string {
  const parts = [`Usage: ${usageLine(command)}`, '', command.summary];
  if (command.details) parts.push('', command.details);
  const args = [...(command.args ?? []), ...(command.rest ? [command.rest] : [])];
  if (args.length) parts.push('', 'Arguments:', columns(args.map((a) => [`<${a.name}>`, a.description])));
  if (command.options && Object.keys(command.options).length) parts.push('', 'Options:', columns(optionRows(command.options)));
  parts.push('', 'Global options:', columns(optionRows(GLOBAL_OPTIONS)));
  if (command.examples?.length) parts.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return parts.join('\n') + '\n';
}

export function groupHelp(group: Group): string {
  return [`Usage: slipway ${group.name} <command> [options]`, '', group.summary, '', 'Commands:', columns(group.commands.map((c) => [c.name, c.summary])), '', `Run "slipway ${group.name} <command> --help" for a command's arguments and options.`, ''].join('\n');
}

export const EXIT_CODE_HELP: [string, string][] = [
  ['0', 'success'],
  ['1', 'the server refused or failed the request (invalid input, not found, conflict, server error)'],
  ['2', 'usage error: unknown command or option, missing argument, unreadable or invalid file (nothing was sent), or a confirmation answered no (nothing was changed)'],
  ['3', 'authentication or authorisation: no token, token refused (unknown, revoked, expired), or role lacks the scope'],
  ['4', 'cannot reach the server, or what answered is not a Slipway API'],
  ['5', 'pipelines run/status --wait: the run had not ended when --timeout ran out (the run goes on); the same for promote --wait and rollouts status --wait with a rollout'],
];

export function mainHelp(groups: Group[]): string {
  const rows: [string, string][] = groups.flatMap((g) => g.commands.map((c): [string, string] => [commandName(c).replace(/^slipway /, ''), c.summary]));
  return [
    'Usage: slipway <command> [options]',
    '',
    'Slipway from scripts and CI: services, prompts, models, releases, environments, pipelines, promotions, rollouts, approvals and the slipway.yaml manifest.',
    '',
    'Commands:',
    columns(rows),
    '',
    'Global options:',
    columns([...optionRows(GLOBAL_OPTIONS), ['--version', 'print the CLI version']]),
    '',
    'Environment:',
    columns([
      ['SLIPWAY_URL', 'Slipway URL (default http://localhost:3000)'],
      ['SLIPWAY_TOKEN', 'API token (slw_…), created under Settings → API tokens'],
    ]),
    '',
    'Exit codes:',
    columns(EXIT_CODE_HELP),
    '',
    'Run "slipway <command> --help" for its arguments and options.',
    '',
  ].join('\n');
}
