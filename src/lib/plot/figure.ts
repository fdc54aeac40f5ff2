/**
 * Typed figure builders on plotly.js. A {@link Figure} is plain data
 * (`{data, layout}` as plotly.js takes it), so it can be shown in a notebook,
 * written to a standalone HTML file, or inspected in a test.
 */

/** One plotly trace. Only the attributes actlab uses are typed; others pass through. */
export interface Trace {
  readonly type: 'bar' | 'histogram' | 'box' | 'scatter' | 'heatmap';
  readonly name?: string;
  readonly x?: ReadonlyArray<number | string>;
  readonly y?: ReadonlyArray<number | string>;
  readonly z?: ReadonlyArray<ReadonlyArray<number>>;
  readonly mode?: 'lines' | 'markers' | 'lines+markers';
  readonly text?: ReadonlyArray<string> | ReadonlyArray<ReadonlyArray<string>>;
  readonly yaxis?: 'y' | 'y2';
  readonly [attribute: string]: unknown;
}

export interface Axis {
  readonly title?: { readonly text: string };
  readonly type?: 'linear' | 'log' | 'category';
  readonly autorange?: boolean | 'reversed';
  readonly range?: readonly [number, number];
  readonly [attribute: string]: unknown;
}

export interface Layout {
  readonly title?: { readonly text: string };
  readonly xaxis?: Axis;
  readonly yaxis?: Axis;
  readonly yaxis2?: Axis;
  readonly barmode?: 'group' | 'stack' | 'overlay';
  readonly height?: number;
  readonly width?: number;
  readonly [attribute: string]: unknown;
}

/** A chart: plotly.js `data` and `layout`. */
export interface Figure {
  readonly data: readonly Trace[];
  readonly layout: Layout;
}

export interface TitledOptions {
  /** Chart title. */
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  /** @default 360 */
  readonly height?: number;
}

function baseLayout(options: TitledOptions): Layout {
  return {
    title: options.title ? { text: options.title } : undefined,
    xaxis: options.xTitle ? { title: { text: options.xTitle } } : {},
    yaxis: options.yTitle ? { title: { text: options.yTitle } } : {},
    height: options.height ?? 360,
    margin: { t: options.title ? 50 : 20, r: 20, b: 60, l: 60 },
  };
}

function checkLengths(what: string, a: readonly unknown[], b: readonly unknown[], aName: string, bName: string) {
  if (a.length !== b.length) {
    throw new Error(`${what}: ${aName} has ${a.length} entries but ${bName} has ${b.length}; pass one per ${aName}`);
  }
}

/** Bars, one per label (e.g. clips per class). */
export function barChart(labels: readonly string[], values: readonly number[], options: TitledOptions = {}): Figure {
  checkLengths('barChart', labels, values, 'labels', 'values');
  return {
    data: [{ type: 'bar', x: labels, y: values, text: values.map(String), textposition: 'auto' }],
    layout: baseLayout(options),
  };
}

/** Class counts as bars, in the order given (`{class: count}`). */
export function classCounts(counts: Readonly<Record<string, number>>, options: TitledOptions = {}): Figure {
  return barChart(Object.keys(counts), Object.values(counts), {
    title: 'Clips per class',
    xTitle: 'class',
    yTitle: 'clips',
    ...options,
  });
}

/** Histogram of values; several named groups are overlaid. */
export function histogram(
  groups: Readonly<Record<string, readonly number[]>> | readonly number[],
  options: TitledOptions & { readonly bins?: number } = {},
): Figure {
  const named: Record<string, readonly number[]> = isNumberArray(groups) ? { values: groups } : groups;
  const data: Trace[] = Object.entries(named).map(([name, values]) => ({
    type: 'histogram',
    name,
    x: values,
    opacity: Object.keys(named).length > 1 ? 0.6 : 1,
    ...(options.bins ? { nbinsx: options.bins } : {}),
  }));
  return { data, layout: { ...baseLayout({ yTitle: 'count', ...options }), barmode: 'overlay' } };
}

/** One box per named group (e.g. clip durations per class). */
export function boxPlot(groups: Readonly<Record<string, readonly number[]>>, options: TitledOptions = {}): Figure {
  const data: Trace[] = Object.entries(groups).map(([name, values]) => ({
    type: 'box',
    name,
    y: values,
    boxpoints: 'outliers',
  }));
  return { data, layout: { ...baseLayout(options), showlegend: false } };
}

/** Lines over a shared x axis; series whose name matches `rightAxis` use a second y axis. */
export function lineChart(
  x: readonly number[],
  series: Readonly<Record<string, ReadonlyArray<number | null>>>,
  options: TitledOptions & { readonly rightAxis?: RegExp; readonly rightTitle?: string; readonly logY?: boolean } = {},
): Figure {
  const data: Trace[] = Object.entries(series).map(([name, values]) => {
    checkLengths('lineChart', x, values, 'x', `series "${name}"`);
    const right = options.rightAxis?.test(name) ?? false;
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name,
      x,
      y: values as ReadonlyArray<number>,
      yaxis: right ? 'y2' : 'y',
      line: { dash: name.startsWith('val') ? 'dash' : 'solid' },
    };
  });
  const layout = baseLayout(options);
  const usesRight = data.some((t) => t.yaxis === 'y2');
  return {
    data,
    layout: {
      ...layout,
      yaxis: { ...layout.yaxis, ...(options.logY ? { type: 'log' } : {}) },
      ...(usesRight
        ? { yaxis2: { title: { text: options.rightTitle ?? '' }, overlaying: 'y', side: 'right', range: [0, 1] } }
        : {}),
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}

/** Per-epoch metrics, as Keras `History.history` gives them: `{loss: [...], val_loss: [...], acc: [...]}`. */
export type MetricHistory = Readonly<Record<string, ReadonlyArray<number | null>>>;

/**
 * Training curves: loss (left axis) and accuracy-like metrics (right axis, 0–1)
 * for train and validation, per epoch. `lr` is left out: plot it with {@link lineChart}.
 */
export function trainingCurves(history: MetricHistory, options: TitledOptions = {}): Figure {
  const series = Object.fromEntries(Object.entries(history).filter(([name]) => name !== 'lr'));
  const epochs = Math.max(0, ...Object.values(series).map((v) => v.length));
  const padded = Object.fromEntries(
    Object.entries(series).map(([name, v]) => [name, [...v, ...Array<null>(epochs - v.length).fill(null)]]),
  );
  const x = Array.from({ length: epochs }, (_, i) => i + 1);
  const figure = lineChart(x, padded, {
    title: 'Training curves',
    xTitle: 'epoch',
    yTitle: 'loss',
    rightAxis: /acc/i,
    rightTitle: 'accuracy',
    ...options,
  });
  return { ...figure, layout: { ...figure.layout, xaxis: { ...figure.layout.xaxis, dtick: 1 } } };
}

export interface ConfusionOptions extends TitledOptions {
  /** Show each row as fractions of the true class (recall on the diagonal). @default false */
  readonly normalize?: boolean;
}

/**
 * Confusion matrix as a heatmap: rows are true classes (top to bottom), columns
 * predicted classes; each cell is labelled with its count or fraction.
 */
export function confusionHeatmap(
  matrix: ReadonlyArray<ReadonlyArray<number>>,
  classNames: readonly string[],
  options: ConfusionOptions = {},
): Figure {
  const n = classNames.length;
  if (matrix.length !== n || matrix.some((row) => row.length !== n)) {
    const shape = `${matrix.length}×${matrix[0]?.length ?? 0}`;
    throw new Error(`confusionHeatmap: matrix is ${shape} but there are ${n} class names; pass an ${n}×${n} matrix`);
  }
  const z = options.normalize
    ? matrix.map((row) => {
        const total = row.reduce((a, b) => a + b, 0);
        return row.map((v) => (total > 0 ? v / total : 0));
      })
    : matrix.map((row) => [...row]);
  const text = z.map((row) => row.map((v) => (options.normalize ? v.toFixed(2) : String(v))));
  return {
    data: [
      {
        type: 'heatmap',
        x: classNames,
        y: classNames,
        z,
        text,
        texttemplate: '%{text}',
        // light for few clips, dark for many (plotly's named 'Blues' runs the other way)
        colorscale: [
          [0, '#f7fbff'],
          [1, '#08306b'],
        ],
        hovertemplate: 'true %{y}<br>predicted %{x}<br>%{text}<extra></extra>',
        ...(options.normalize ? { zmin: 0, zmax: 1 } : {}),
      },
    ],
    layout: {
      ...baseLayout({
        title: options.normalize ? 'Confusion matrix (fraction of each true class)' : 'Confusion matrix (clips)',
        height: Math.max(360, 60 + 36 * n),
        ...options,
      }),
      // Room for the longest class name on the left (about 7 px a character at the default font).
      margin: { t: options.title ? 50 : 20, r: 20, b: 80, l: 40 + 7 * Math.max(0, ...classNames.map((c) => c.length)) },
      xaxis: { title: { text: 'predicted' }, type: 'category' },
      yaxis: { title: { text: 'true' }, type: 'category', autorange: 'reversed' },
    },
  };
}

/** LR range test: loss against learning rate on a log axis, with the suggested LR marked. */
export function lrRangeScatter(
  learningRates: readonly number[],
  losses: readonly number[],
  options: TitledOptions & { readonly suggested?: number } = {},
): Figure {
  checkLengths('lrRangeScatter', learningRates, losses, 'learningRates', 'losses');
  const data: Trace[] = [{ type: 'scatter', mode: 'lines+markers', name: 'loss', x: learningRates, y: losses }];
  if (options.suggested !== undefined) {
    const lo = Math.min(...losses.filter(Number.isFinite));
    const hi = Math.max(...losses.filter(Number.isFinite));
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `suggested ${options.suggested.toExponential(1)}`,
      x: [options.suggested, options.suggested],
      y: [lo, hi],
      line: { dash: 'dot', color: 'firebrick' },
    });
  }
  const layout = baseLayout({ title: 'Learning-rate range test', xTitle: 'learning rate', yTitle: 'loss', ...options });
  return { data, layout: { ...layout, xaxis: { ...layout.xaxis, type: 'log' } } };
}

/**
 * Error bars of one bar series, one entry per category, either as the bounds
 * of an interval around each bar (e.g. a 95% CI of an accuracy) or as the
 * distances below and above it. Asymmetric: a Wilson interval is not centred
 * on the accuracy.
 */
export type ErrorBars =
  | {
      /** Lower end of each bar's interval, in the bar's units (≤ the bar). */
      readonly lower: readonly number[];
      /** Upper end of each bar's interval (≥ the bar). */
      readonly upper: readonly number[];
    }
  | {
      /** How far each error bar reaches above the bar (≥ 0). */
      readonly plus: readonly number[];
      /** How far each error bar reaches below the bar (≥ 0). */
      readonly minus: readonly number[];
    };

export interface GroupedBarOptions extends TitledOptions {
  /**
   * Error bars per series name, e.g. `{ 'test acc': { lower, upper } }` from
   * each report's `clip.top1Ci`. Series not named get none. @default no error bars
   */
  readonly errorBars?: Readonly<Record<string, ErrorBars>>;
}

/** Plotly's `error_y` for one series: distances above (`array`) and below (`arrayminus`) each bar. */
function errorY(series: string, values: readonly number[], bars: ErrorBars) {
  const bounds = 'lower' in bars;
  // Top then bottom of each error bar: [its name, what was passed, its distance from the bar].
  const sides: ReadonlyArray<readonly [string, readonly number[], readonly number[]]> = bounds
    ? [
        ['upper', bars.upper, bars.upper.map((u, i) => u - values[i]!)],
        ['lower', bars.lower, bars.lower.map((l, i) => values[i]! - l)],
      ]
    : [
        ['plus', bars.plus, bars.plus],
        ['minus', bars.minus, bars.minus],
      ];
  for (const [side, given, distances] of sides) {
    const name = `errorBars["${series}"].${side}`;
    checkLengths('groupedBar', values, given, `series "${series}"`, name);
    const bad = distances.findIndex((d) => !(d >= 0));
    if (bad >= 0) {
      const fix = bounds ? 'pass lower ≤ value ≤ upper' : 'pass distances ≥ 0 from the bar';
      throw new Error(
        `groupedBar: ${name}[${bad}] = ${given[bad]} is on the wrong side of the bar (${values[bad]}); ${fix}`,
      );
    }
  }
  return { type: 'data', symmetric: false, array: sides[0]![2], arrayminus: sides[1]![2], visible: true };
}

/**
 * Grouped bars: one group per category, one bar per series (e.g. val/test
 * accuracy per model), with optional asymmetric error bars per series.
 */
export function groupedBar(
  categories: readonly string[],
  series: Readonly<Record<string, readonly number[]>>,
  options: GroupedBarOptions = {},
): Figure {
  const { errorBars = {}, ...titled } = options;
  const unknown = Object.keys(errorBars).filter((name) => !(name in series));
  if (unknown.length > 0) {
    throw new Error(
      `groupedBar: errorBars for ${unknown.map((n) => `"${n}"`).join(', ')} but the series are ` +
        `${Object.keys(series)
          .map((n) => `"${n}"`)
          .join(', ')}; key error bars by series name`,
    );
  }
  const data: Trace[] = Object.entries(series).map(([name, values]) => {
    checkLengths('groupedBar', categories, values, 'categories', `series "${name}"`);
    const bars = errorBars[name];
    return { type: 'bar', name, x: categories, y: values, ...(bars ? { error_y: errorY(name, values, bars) } : {}) };
  });
  return { data, layout: { ...baseLayout(titled), barmode: 'group' } };
}

function isNumberArray(value: unknown): value is readonly number[] {
  return Array.isArray(value);
}
