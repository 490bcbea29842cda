// Following a rollout to its end: new events as they happen, approval and analysis as they change, and the exit
// the outcome calls for (0 succeeded, 1 otherwise, 5 when --timeout runs out and it goes on).
import type { Api } from '../../core/client';
import { CliError, EXIT, toCliError } from '../../core/errors';
import type { Output } from '../../core/output';
import { analysisText, durationText, isActive, line, rolloutName, routesText, statusText, type Route, type RolloutView } from './render';

const POLL_MS = 1000;
/** While following, this many failed polls in a row (server restarting, a network blip) are tolerated. */
const MAX_POLL_FAILURES = 3;

export interface FollowState {
  events: Set<number>;
  /** The analysis line last shown: an analysis that says the same again (every few seconds while baking) is not repeated. */
  analysis: string | null;
  approvalShown: boolean;
}

export const followState = (): FollowState => ({ events: new Set(), analysis: null, approvalShown: false });

/**
 * The lines a person following a rollout has not seen yet: each new timeline event (a step with the weights it
 * set), each analysis that says something new, and once, how to decide a pending approval. Updates `state`.
 */
export function progressLines(v: RolloutView, state: FollowState): string[] {
  const out: string[] = [];
  for (const e of v.events) {
    if (state.events.has(e.id)) continue;
    state.events.add(e.id);
    // "started: …" under the kind "started" says it twice.
    const message = e.message.startsWith(`${e.kind}: `) ? e.message.slice(e.kind.length + 2) : e.message;
    const routes = e.kind === 'step' && Array.isArray((e.data as { routes?: unknown }).routes) ? (e.data as { routes: Route[] }).routes : null;
    out.push(line(e.kind, `${message}${routes ? ` (now ${routesText(v.service, routes, { zero: true })})` : ''}`));
  }
  const a = v.lastAnalysis ? analysisText(v.lastAnalysis) : null;
  if (a && a !== state.analysis) {
    state.analysis = a;
    out.push(line('analysis', a));
  }
  if (v.status === 'awaiting-approval' && v.approval?.status === 'pending' && !state.approvalShown) {
    state.approvalShown = true;
    out.push(line('approval', `request ${v.approval.id} needs ${v.approval.required - v.approval.approvals} more; decide with: slipway approvals approve|reject ${v.approval.id}`));
  }
  return out;
}

/** Why a rollout that ended did not succeed, as the one error line. */
export function notSucceeded(v: RolloutView): CliError {
  return new CliError(`${rolloutName(v)} did not succeed (${v.status})${v.reason ? `: ${v.reason}` : ''}`, EXIT.api);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the rollout until it ends. People see each new event, analysis verdict and how to approve; with --json
 * only the rollout as it ended. Exits 0 when it succeeded, 1 when it ended otherwise, 5 on timeout.
 */
export async function followRollout(api: Api, out: Output, ref: { service: string; environment: string; number: number }, timeoutMs: number, seen: RolloutView | null = null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const state = followState();
  let failures = 0;
  let view: RolloutView | null = seen;
  for (let first = true; ; first = false) {
    if (!first || !view) {
      try {
        view = await api.rollouts.get.query(ref);
        failures = 0;
      } catch (err) {
        if (toCliError(err, '').exitCode !== EXIT.unreachable || ++failures > MAX_POLL_FAILURES) throw err;
      }
    }
    if (view) {
      if (!out.json) for (const l of progressLines(view, state)) out.line(l);
      if (!isActive(view.status)) {
        const from = view.startedAt ?? view.createdAt;
        if (out.json) out.result(view, () => '');
        else out.line(line(view.status, `${rolloutName(view)}${view.endedAt ? ` (${durationText(new Date(view.endedAt).getTime() - new Date(from).getTime())})` : ''}`));
        if (view.status !== 'succeeded') throw notSucceeded(view);
        return;
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      if (out.json && view) out.result(view, () => '');
      const where = view ? `it is still ${statusText(view)}` : 'its status could not be read';
      throw new CliError(`stopped waiting after ${durationText(timeoutMs)}: ${where} (the rollout goes on; see slipway rollouts status ${ref.service} ${ref.environment} ${ref.number})`, EXIT.timeout);
    }
    await sleep(Math.min(POLL_MS, left));
  }
}
