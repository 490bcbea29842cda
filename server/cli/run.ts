// Dispatches a command line to its command and turns every failure into one `error: …` line on stderr and an
// exit code. Free of process globals so tests can run it in-process.
import { commandHelp, groupHelp, mainHelp, parseCommandLine, type Command, type Group } from './core/args';
import { createApi, resolveConnection, type Api } from './core/client';
import { CliError, EXIT, toCliError, usageError } from './core/errors';
import { createOutput } from './core/output';
import { approvalsGroup } from './commands/approvals';
import { datasetsGroup } from './commands/datasets';
import { driftGroup } from './commands/drift';
import { envsGroup } from './commands/envs';
import { gatesGroup } from './commands/gates';
import { evalsGroup } from './commands/evals';
import { keysGroup } from './commands/keys';
import { modelsGroup } from './commands/models';
import { imagesGroup } from './commands/images';
import { pipelinesGroup } from './commands/pipelines';
import { promptsGroup } from './commands/prompts';
import { releasesGroup } from './commands/releases';
import { promoteGroup, rollbackGroup, rolloutsGroup } from './commands/rollouts';
import { servicesGroup } from './commands/services';
import { loadtestGroup } from './commands/loadtest';
import { smokeGroup } from './commands/smoke';
import { syncGroup } from './commands/sync';
import { trafficGroup } from './commands/traffic';

export const GROUPS: Group[] = [
  servicesGroup,
  promptsGroup,
  modelsGroup,
  imagesGroup,
  releasesGroup,
  envsGroup,
  promoteGroup,
  rollbackGroup,
  rolloutsGroup,
  approvalsGroup,
  keysGroup,
  pipelinesGroup,
  gatesGroup,
  evalsGroup,
  datasetsGroup,
  driftGroup,
  smokeGroup,
  loadtestGroup,
  syncGroup,
  trafficGroup,
];

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  version: string;
  /** Asks a person a yes/no question; absent when no one is at a terminal, and then nothing is asked. */
  ask?: (question: string) => Promise<boolean>;
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | { help: string } {
  const [groupName, sub, ...after] = argv;
  if (!groupName || groupName === '--help' || groupName === '-h' || groupName === 'help') return { help: mainHelp(GROUPS) };
  const group = GROUPS.find((g) => g.name === groupName);
  if (!group) throw usageError(`unknown command "${groupName}"; run slipway --help for the list`);
  const standalone = group.commands.find((c) => c.name === '');
  if (standalone) return { command: standalone, rest: argv.slice(1) };
  if (sub === '--help' || sub === '-h') return { help: groupHelp(group) };
  const names = group.commands.map((c) => c.name).join(', ');
  if (!sub || sub.startsWith('-')) throw usageError(`"slipway ${group.name}" needs a command: ${names}`);
  const command = group.commands.find((c) => c.name === sub);
  if (!command) throw usageError(`unknown command "${group.name} ${sub}"; "slipway ${group.name}" has: ${names}`);
  return { command, rest: after };
}

/** Removes any token the user gave from a message, whatever produced it. */
function redact(message: string, secrets: (string | undefined)[]): string {
  return secrets.reduce<string>((m, s) => (s && s.length >= 8 ? m.split(s).join('[redacted]') : m), message);
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout(`${io.version}\n`);
    return EXIT.ok;
  }
  let serverUrl = '(unknown)';
  let flagToken: string | undefined;
  let flagKey: string | undefined;
  let errorExit: number | undefined;
  try {
    const found = findCommand(argv);
    if ('help' in found) {
      io.stdout(found.help);
      return EXIT.ok;
    }
    const { command, rest } = found;
    errorExit = command.errorExit;
    const parsed = parseCommandLine(command, rest);
    flagToken = parsed.options.string('token');
    flagKey = parsed.options.string('key');
    if (parsed.options.flag('help')) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    const connection = resolveConnection({ url: parsed.options.string('url'), token: flagToken }, io.env);
    serverUrl = connection.url;
    let api: Api | undefined;
    await command.run({
      args: parsed.args,
      rest: parsed.rest,
      options: parsed.options,
      out: createOutput(parsed.options.flag('json'), io.stdout),
      api: () => (api ??= createApi(connection)),
      confirm: (question) => (io.ask ? io.ask(question) : Promise.resolve(true)),
      url: connection.url,
      env: io.env,
    });
    return EXIT.ok;
  } catch (err) {
    const failure: CliError = toCliError(err, serverUrl);
    io.stderr(`error: ${redact(failure.message, [flagToken, flagKey, io.env.SLIPWAY_TOKEN, io.env.SLIPWAY_GATEWAY_KEY])}\n`);
    return errorExit !== undefined && !failure.verdict ? errorExit : failure.exitCode;
  }
}
