import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One sample of a parsed family: its labels and value (histograms: their buckets, count and sum). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
  count?: number;
  sum?: number;
  /** A histogram's cumulative counts by upper bound (le; +Inf as Infinity). */
  buckets?: Map<number, number>;
}

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; count?: string; sum?: string; buckets?: Record<string, string> }[];
}

/**
 * Parses Prometheus text with parse-prometheus-text-format (which throws on malformed
 * text) into families by name. Rejects duplicate families, which Prometheus refuses.
 */
export function parseMetrics(text: string): Map<string, { type: string; samples: Sample[] }> {
  const families = (parsePrometheusTextFormat as (t: string) => Family[])(text);
  const out = new Map<string, { type: string; samples: Sample[] }>();
  for (const f of families) {
    if (out.has(f.name)) throw new Error(`metric family ${f.name} appears twice`);
    out.set(f.name, {
      type: f.type,
      samples: f.metrics.map((m) => ({
        labels: m.labels ?? {},
        value: Number(m.value ?? m.count),
        ...(m.count !== undefined ? { count: Number(m.count) } : {}),
        ...(m.sum !== undefined ? { sum: Number(m.sum) } : {}),
        ...(m.buckets ? { buckets: new Map(Object.entries(m.buckets).map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), Number(n)])) } : {}),
      })),
    });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined if none. */
export function valueOf(families: ReturnType<typeof parseMetrics>, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = families.get(name)?.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
  if (matches.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${matches.length} samples match`);
  return matches[0]?.value;
}
