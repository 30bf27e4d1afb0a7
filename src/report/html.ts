/**
 * A tiny HTML templating layer: the `html` tag escapes every interpolated value unless it is already
 * markup (`Html`, made by `html` itself or by `raw`), and flattens arrays — enough to build the reports
 * without a template engine and without ever forgetting to escape a task name or config value.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | Part[];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Trusted markup, inserted as is (inline SVG from our own renderer, CSS). */
export function raw(markup: string): Html {
  return new Html(markup);
}

function render(part: Part): string {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < parts.length; i++) out += render(parts[i]) + strings[i + 1];
  return new Html(out);
}

/** A table cell: text, or markup with an optional CSS class (e.g. a better/worse difference). */
export type Cell = string | number | Html | { value: string | Html; className?: string };

export function table(head: string[], rows: Cell[][], className = 'data'): Html {
  const cell = (c: Cell, tag: 'td' | 'th') => {
    if (typeof c === 'object' && !(c instanceof Html))
      return html`<${raw(tag)} class="${c.className ?? ''}">${c.value}</${raw(tag)}>`;
    const numeric = typeof c === 'number' || (typeof c === 'string' && /^[-+]?[\d.]+(e[-+]?\d+)?( ± [\d.]+)?$/.test(c));
    return html`<${raw(tag)}${raw(numeric ? ' class="num"' : '')}>${c}</${raw(tag)}>`;
  };
  return html`<table class="${className}">
    <thead>
      <tr>
        ${head.map((h) => cell(h, 'th'))}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            ${r.map((c) => cell(c, 'td'))}
          </tr> `,
      )}
    </tbody>
  </table>`;
}

/** A fixed number of decimals, or an en dash for a missing or non-finite value (never "NaN" in a report). */
export function fmt(x: number | undefined | null, digits = 4): string {
  return x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

const CSS = `
:root { --fg:#1d2433; --muted:#5b6478; --line:#e3e7ef; --accent:#3b6fd8; --good:#17803d; --bad:#b42318; --bg:#f7f8fb; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--fg); background:var(--bg); }
header { background:#fff; border-bottom:1px solid var(--line); padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; }
header .sub { color:var(--muted); }
.figures { display:flex; flex-wrap:wrap; gap:12px; margin-top:14px; }
.figure { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:120px; }
.figure .k { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.figure .v { font-size:20px; font-weight:600; font-variant-numeric: tabular-nums; }
main { padding:8px 32px 40px; max-width:1400px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:16px 20px; margin:18px 0; }
section h2 { margin:0 0 10px; font-size:17px; }
section p.note { color:var(--muted); margin:4px 0 12px; }
figure.chart { margin:8px 0; overflow-x:auto; }
figure.chart svg { display:block; max-width:none; }
table.data { border-collapse:collapse; font-variant-numeric: tabular-nums; }
table.data th, table.data td { padding:5px 12px; border-bottom:1px solid var(--line); text-align:left; }
table.data th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
table.data td.num, table.data th.num { text-align:right; }
td.better { color:var(--good); text-align:right; } td.worse { color:var(--bad); text-align:right; } td.same { color:var(--muted); text-align:right; }
details summary { cursor:pointer; color:var(--accent); }
pre.config { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:12px 16px; overflow:auto; font-size:12.5px; }
footer { color:var(--muted); font-size:12px; padding:0 32px 24px; }
`;

export interface PageParts {
  title: string;
  subtitle?: string;
  figures?: { label: string; value: string }[];
  sections: Html[];
}

/** A complete, self-contained page: inline CSS, no scripts, no external resources. */
export function page(p: PageParts): string {
  return (
    `<!doctype html>\n` +
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${p.title}</title>
        <style>
          ${raw(CSS)}
        </style>
      </head>
      <body>
        <header>
          <h1>${p.title}</h1>
          ${p.subtitle ? html`<div class="sub">${p.subtitle}</div>` : ''}
          ${
            p.figures?.length
              ? html`<div class="figures">
                  ${p.figures.map(
                    (f) =>
                      html`<div class="figure">
                        <div class="k">${f.label}</div>
                        <div class="v">${f.value}</div>
                      </div>`,
                  )}
                </div>`
              : ''
          }
        </header>
        <main>${p.sections}</main>
        <footer>
          Generated by mtrank on ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC. Charts are inline SVG;
          this file needs no network.
        </footer>
      </body>
    </html> `
  );
}

export function section(title: string, body: Part, note?: string): Html {
  return html`<section>
    <h2>${title}</h2>
    ${note ? html`<p class="note">${note}</p>` : ''}${body}
  </section> `;
}
