/**
 * A finished what-if in words for a terminal (scripts/what-if.ts): the stage and tier from/to
 * matrices, the churn-score shift histogram and the coverage moves per RM. Pure text, no I/O.
 */
import type { WhatIfJobStatus } from './what-if-job';
import type {
  WhatIfChurnScoreShift,
  WhatIfCoverageShift,
  WhatIfStageShift,
  WhatIfSummary,
  WhatIfTierShift,
} from './what-if-tally';

const NONE = '(none)';
const label = (value: string | null) => value ?? NONE;
const BAR_WIDTH = 40;
/** Coverage rows printed before "... and N more RMs". */
const MAX_RM_ROWS = 20;

/** Columns two spaces apart; those named in `left` aligned left (the first always), others right. */
function table(rows: readonly string[][], left: readonly number[] = []): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 || left.includes(column)
          ? cell.padEnd(widths[column])
          : cell.padStart(widths[column]),
      )
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Rows: the value under the policy in force; columns: under the candidate; only values that
 * move appear, and the diagonal (customers who keep their value) is left blank.
 */
export function matrixLines(title: string, shift: WhatIfStageShift | WhatIfTierShift): string[] {
  const heading = `${title}: ${shift.changed} would change, ${shift.unchanged} would not`;
  if (shift.moves.length === 0) return [heading];
  const order = (values: (string | null)[]) => [...new Set(values.map(label))];
  const froms = order(shift.moves.map((move) => move.from));
  const tos = order(shift.moves.map((move) => move.to));
  const count = (from: string, to: string) =>
    shift.moves.find((move) => label(move.from) === from && label(move.to) === to)?.customers;
  return [
    heading,
    ...table([
      ['current \\ candidate', ...tos],
      ...froms.map((from) => [from, ...tos.map((to) => String(count(from, to) ?? '.'))]),
    ]).map((line) => `  ${line}`),
  ];
}

/** Shifts grouped ten points wide (0 alone), with a bar scaled to the largest group. */
export function histogramLines(churn: WhatIfChurnScoreShift): string[] {
  const heading =
    `churn score (candidate - current): ${churn.increased} up, ${churn.decreased} down, ` +
    `${churn.unchanged} unchanged`;
  const groups = new Map<number, number>();
  for (const { shift, customers } of churn.histogram) {
    // 1..10 -> 1, -1..-10 -> -1, 0 -> 0
    const group = Math.sign(shift) * Math.ceil(Math.abs(shift) / 10);
    groups.set(group, (groups.get(group) ?? 0) + customers);
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => a - b);
  if (sorted.length === 0) return [heading];
  const most = Math.max(...sorted.map(([, customers]) => customers));
  const range = (group: number) =>
    group === 0
      ? '0'
      : group > 0
        ? `+${group * 10 - 9}..+${group * 10}`
        : `${group * 10}..${group * 10 + 9}`;
  return [
    heading,
    ...table(
      sorted.map(([group, customers]) => [
        range(group),
        String(customers),
        '#'.repeat(Math.max(1, Math.round((customers / most) * BAR_WIDTH))),
      ]),
      [2],
    ).map((line) => `  ${line}`),
  ];
}

export function coverageLines(coverage: WhatIfCoverageShift): string[] {
  const heading = `RM coverage status: ${coverage.changed} would change, ${coverage.unchanged} would not`;
  const percent = (value: number | null) => (value === null ? '-' : `${value}%`);
  const rms = coverage.byRelationshipManager;
  if (rms.length === 0) return [heading];
  const rows = rms
    .slice(0, MAX_RM_ROWS)
    .map((rm) => [
      rm.rmId ?? '(no RM)',
      `${rm.changed}/${rm.customers}`,
      rm.moves.map((move) => `${move.from}->${move.to} ${move.customers}`).join(', '),
      `${percent(rm.coveragePercent.current)} -> ${percent(rm.coveragePercent.candidate)}`,
    ]);
  return [
    heading,
    ...table([['rm', 'moved', 'moves', 'coverage'], ...rows], [2]).map((line) => `  ${line}`),
    ...(rms.length > MAX_RM_ROWS ? [`  ... and ${rms.length - MAX_RM_ROWS} more RMs`] : []),
  ];
}

export function reportLines(job: WhatIfJobStatus, result: WhatIfSummary): string[] {
  const listed = result.listTruncated
    ? ` (the first ${result.listed} listed)`
    : result.affected > 0
      ? ' (all listed)'
      : '';
  return [
    `what-if ${job.id}: ${job.policies.candidate} beside ${job.policies.current}, ` +
      `as of position ${job.asOfPosition ?? '(empty store)'}`,
    `${result.customers} customers replayed (${job.progress.eventsFolded} events, ` +
      `${job.progress.eventsPerSecond} events/s); ${result.affected} would change${listed}`,
    '',
    ...matrixLines('stage', result.stage),
    '',
    ...matrixLines('value tier', result.tier),
    '',
    ...histogramLines(result.churnScore),
    '',
    ...coverageLines(result.coverage),
  ];
}

/** One line of progress, for output that is not a terminal. */
export function progressLine(job: WhatIfJobStatus): string {
  const { customersDone, customersTotal, eventsFolded, eventsPerSecond, affected } = job.progress;
  return (
    `what-if ${job.id}: ${customersDone}/${customersTotal} customers, ${eventsFolded} events, ` +
    `${eventsPerSecond} events/s, ${affected} would change`
  );
}
