/**
 * Which parts of a PromQL expression must return data for a dashboard panel or an alert
 * rule to mean anything. An alert expression is a condition (`x > 30`, `a and on (p) b`):
 * when all is well it returns nothing, so the condition itself cannot be checked for
 * data. Its operands can: each side of a comparison or set operator is queried on its
 * own (number literals are skipped), and `absent(x)` / `absent_over_time(x[d])` is
 * checked as `x`, the series whose presence the rule is about.
 */
/** Binary operators that filter, lowest precedence first (arithmetic stays inside an operand). */
const COMPARISONS = ['==', '!=', '>=', '<=', '>', '<'];

/** The operands of `expr` that must each return a non-empty result. */
export function dataOperands(expr: string): string[] {
  const e = stripOuterParens(expr.trim());
  for (const level of [['or'], ['and', 'unless'], COMPARISONS]) {
    const parts = splitTopLevel(e, level);
    if (parts.length > 1) return parts.map(stripModifiers).flatMap(dataOperands);
  }
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(e)) return [];
  const absent = /^absent(_over_time)?\s*\(([\s\S]*)\)$/.exec(e);
  if (absent) return [absent[1] ? absent[2].replace(/\[[^\]]*\]\s*$/, '').trim() : absent[2].trim()];
  return [e];
}

/** Splits at every operator of `ops` that stands outside brackets, braces and strings. */
export function splitTopLevel(expr: string, ops: readonly string[]): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0) {
      const op = ops.find((o) => matchesAt(expr, i, o));
      if (op) {
        parts.push(expr.slice(start, i).trim());
        i += op.length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(expr.slice(start).trim());
  return parts;
}

function matchesAt(expr: string, i: number, op: string): boolean {
  if (!expr.startsWith(op, i)) return false;
  if (/^[a-z]/.test(op)) return !/[\w:]/.test(expr[i - 1] ?? ' ') && !/[\w:]/.test(expr[i + op.length] ?? ' ');
  // '>' of '>=' and '=' of '=~' are not operators on their own.
  if ((op === '>' || op === '<') && expr[i + 1] === '=') return false;
  if (op === '==' || op === '!=') return true;
  return !(expr[i - 1] === '>' || expr[i - 1] === '<' || expr[i - 1] === '=' || expr[i - 1] === '!');
}

/** Removes what follows a binary operator: `bool`, `on (…)`, `ignoring (…)`, `group_left (…)`. */
function stripModifiers(operand: string): string {
  let s = operand.trim();
  for (;;) {
    const next = s.replace(/^(bool\b|(on|ignoring|group_left|group_right)\s*\([^)]*\)|group_left\b|group_right\b)\s*/, '');
    if (next === s) return s;
    s = next;
  }
}

function stripOuterParens(expr: string): string {
  let e = expr;
  while (e.startsWith('(') && e.endsWith(')') && closingParen(e, 0) === e.length - 1) e = e.slice(1, -1).trim();
  return e;
}

function closingParen(expr: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Every PromQL expression of a Grafana dashboard: panel targets and template-variable queries. */
export function dashboardExpressions(dashboard: unknown): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  const d = dashboard as { title?: string; templating?: { list?: { name: string; query?: string | { query?: string } }[] } };
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) node.forEach((n) => walk(n, where));
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const here = typeof o.title === 'string' && o.type ? `${where} / ${o.title}` : where;
      if (typeof o.expr === 'string') found.push({ where: here, expr: o.expr });
      for (const [k, v] of Object.entries(o)) if (k !== 'templating') walk(v, here);
    }
  };
  walk((dashboard as { panels?: unknown }).panels, d.title ?? 'dashboard');
  for (const v of d.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (q) found.push({ where: `${d.title} / variable ${v.name}`, expr: q });
  }
  return found;
}

/**
 * A Grafana query as Prometheus can run it: `label_values(metric, label)` (a variable's
 * query) becomes `metric`, whose series the values come from; dashboard variables get the
 * values given.
 */
export function runnableQuery(expr: string, variables: Record<string, string>): string {
  const labelValues = /^label_values\(\s*([\s\S]+?)\s*,\s*[\w]+\s*\)$/.exec(expr.trim());
  let q = labelValues ? labelValues[1] : expr;
  for (const [name, value] of Object.entries(variables)) q = q.split(`$${name}`).join(value);
  return q;
}
