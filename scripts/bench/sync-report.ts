/** One line of the benchmark's table: a figure, its target, and whether it met it (null: a reference figure). */
export interface ReportLine {
  figure: string;
  measured: string;
  target: string;
  met: boolean | null;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/** A plain-text table; `MISS` lines are measurements that missed their target, not failures of the run. */
export function formatReport(lines: readonly ReportLine[]): string {
  const rows = [
    ['figure', 'measured', 'target', 'verdict'],
    ...lines.map((line) => [
      line.figure,
      line.measured,
      line.target,
      line.met === null ? '-' : line.met ? 'PASS' : 'MISS',
    ]),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const render = (row: string[]) =>
    row
      .map((cell, column) => pad(cell, widths[column]!))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(rows[0]!), rule, ...rows.slice(1).map(render)].join('\n');
}
