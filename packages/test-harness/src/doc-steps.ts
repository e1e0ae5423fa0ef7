// The runnable steps of a guide: shell blocks preceded by `<!-- step: NAME on: ROLE [parallel] -->`, in document order.

/** One marked shell block of a Markdown guide. */
export interface DocStep {
  /** The step's name (unique in the document). */
  name: string;
  /** Where it runs: a machine role such as "primary", "secondary" (each one), "operator", "all", "workstation". */
  on: string;
  /** The block's text, without the fences. */
  script: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
  /** Marked `parallel`: may run at the same time as the step before it (on other machines). */
  parallel: boolean;
}

const MARKER = /^<!--\s*step:\s*([\w-]+)\s+on:\s*([\w-]+)(\s+parallel)?\s*-->\s*$/;

/** Steps grouped for running: each group is a step and the `parallel` steps right after it. */
export function stepGroups(steps: DocStep[]): DocStep[][] {
  const groups: DocStep[][] = [];
  for (const step of steps) {
    const last = groups[groups.length - 1];
    if (step.parallel && last) last.push(step);
    else groups.push([step]);
  }
  return groups;
}

/**
 * The marked steps of `markdown`: each marker line must be followed by a fenced block (```sh or ```bash) on the
 * next line. Throws on a marker without a block, on an unterminated block and on a name used twice.
 */
export function parseDocSteps(markdown: string): DocStep[] {
  const lines = markdown.split("\n");
  const steps: DocStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i] ?? "");
    if (!m) continue;
    const [, name, on, parallel] = m as unknown as [string, string, string, string | undefined];
    if (!/^```(sh|bash)\s*$/.test(lines[i + 1] ?? "")) throw new Error(`line ${i + 2}: step ${name} has no \`\`\`sh block after its marker`);
    const end = lines.findIndex((l, j) => j > i + 1 && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`line ${i + 2}: step ${name}: the block is not closed`);
    if (steps.some((s) => s.name === name)) throw new Error(`line ${i + 1}: step ${name} appears twice`);
    steps.push({ name, on, script: lines.slice(i + 2, end).join("\n"), line: i + 2, parallel: parallel !== undefined });
    i = end;
  }
  return steps;
}

/** The `NAME=value` assignments of a site block (values unquoted; comments dropped), e.g. to show what a test replaced. */
export function siteVariables(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of script.split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=("([^"]*)"|(\S*))/.exec(line.trim());
    if (m?.[1]) vars[m[1]] = m[3] ?? m[4] ?? "";
  }
  return vars;
}
