import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { METRIC_CATALOGUE as M } from '@ragops/telemetry';
import { RAG_ALERT_THRESHOLDS } from '../prometheus.rules.js';
import { buildDashboard, heatmapPanel, timeseriesPanel } from './panel.helpers.js';
import { mean, quantile, RATE, share, sumRate } from './promql.helpers.js';

const V = 'variant=~"$variant"';
const HITS = M.retrievalHits.name;
// Online evaluation scores a sample of traffic, so a scrape window may hold no judgement: average over an hour.
const EVAL_WINDOW = '1h';

/** Retrieval and answer quality per variant: what a rollout compares besides errors and latency. */
export function ragQualityDashboard(): Dashboard {
  return buildDashboard({
    uid: 'ragops-rag-quality',
    title: 'ragops / RAG quality',
    description: 'Empty retrievals, hits, scores, feedback and online evaluation per variant.',
    variables: [{ name: 'variant', label: 'Variant', metric: M.variantInfo.name }],
    rows: [
      {
        title: 'Retrieval',
        panels: [
          timeseriesPanel({
            title: 'Empty retrievals',
            description: `Share of retrievals with no hits; alert above ${RAG_ALERT_THRESHOLDS.emptyRetrievalRatio * 100}%.`,
            unit: 'percentunit',
            min: 0,
            thresholds: [
              [0, 'green'],
              [RAG_ALERT_THRESHOLDS.emptyRetrievalRatio, 'red'],
            ],
            queries: [
              { expr: share(sumRate(M.retrievalEmpty.name, V, 'variant'), sumRate(`${HITS}_count`, V, 'variant')), legend: '{{variant}}' },
            ],
          }),
          timeseriesPanel({
            title: 'Hits per retrieval',
            description: 'Mean and median number of hits returned.',
            unit: 'short',
            queries: [
              { expr: mean(HITS, V, 'variant'), legend: 'mean {{variant}}' },
              { expr: quantile(0.5, HITS, V, 'variant'), legend: 'p50 {{variant}}' },
            ],
          }),
          heatmapPanel({
            title: 'Hits per retrieval (distribution)',
            description: 'How many hits retrievals return, all selected variants.',
            unit: 'short',
            queries: [{ expr: `sum by (le) (increase(${HITS}_bucket{${V}}[${RATE}]))` }],
          }),
          timeseriesPanel({
            title: 'Retrievals',
            description: 'Retrievals per second per variant.',
            unit: 'reqps',
            queries: [{ expr: sumRate(`${HITS}_count`, V, 'variant'), legend: '{{variant}}' }],
          }),
          timeseriesPanel({
            title: 'Hit scores',
            description: 'Median and 10th percentile score of returned hits, per scorer (scales differ by scorer).',
            unit: 'short',
            queries: [
              { expr: quantile(0.5, M.retrievalScore.name, V, 'variant, scorer'), legend: 'p50 {{variant}} {{scorer}}' },
              { expr: quantile(0.1, M.retrievalScore.name, V, 'variant, scorer'), legend: 'p10 {{variant}} {{scorer}}' },
            ],
          }),
          timeseriesPanel({
            title: 'Duplicate chunks per retrieval',
            description: 'Hits dropped as duplicates of a chunk already in the result, per retrieval.',
            unit: 'short',
            queries: [
              {
                // the share() formula: 0 rather than no data while no duplicate was ever dropped
                expr: share(sumRate(M.retrievalDuplicates.name, V, 'variant'), sumRate(`${HITS}_count`, V, 'variant')),
                legend: '{{variant}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'Rerank use',
            description: 'Retrievals per second by rerank outcome.',
            unit: 'reqps',
            stack: true,
            queries: [{ expr: sumRate(M.rerank.name, V, 'variant, outcome'), legend: '{{variant}} {{outcome}}' }],
          }),
          timeseriesPanel({
            title: 'Context window utilisation p95',
            description: "Prompt tokens over the model's context window; near 1 means context is being truncated.",
            unit: 'percentunit',
            queries: [
              { expr: quantile(0.95, M.llmContextUtilization.name, V, 'variant, model'), legend: '{{variant}} {{model}}' },
            ],
          }),
        ],
      },
      {
        title: 'Answers',
        panels: [
          timeseriesPanel({
            title: 'Positive feedback share',
            description: 'Thumbs-up over all feedback, per variant.',
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [
              {
                expr: share(
                  sumRate(M.feedback.name, `${V}, rating="positive"`, 'variant', EVAL_WINDOW),
                  sumRate(M.feedback.name, V, 'variant', EVAL_WINDOW),
                ),
                legend: '{{variant}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'Feedback',
            description: 'Feedback received per second, by rating.',
            unit: 'short',
            stack: true,
            queries: [{ expr: sumRate(M.feedback.name, V, 'variant, rating'), legend: '{{variant}} {{rating}}' }],
          }),
          timeseriesPanel({
            title: 'Online evaluation score',
            description: `Mean judged score (0-1) over the last ${EVAL_WINDOW}, per variant and judgement.`,
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [
              { expr: mean(M.onlineEvalScore.name, V, 'variant, eval_metric', EVAL_WINDOW), legend: '{{variant}} {{eval_metric}}' },
            ],
          }),
          timeseriesPanel({
            title: 'Interactions judged',
            description: 'Sampled interactions per second by judging outcome.',
            unit: 'short',
            queries: [{ expr: sumRate(M.onlineEvalJudged.name, V, 'variant, outcome'), legend: '{{variant}} {{outcome}}' }],
          }),
          timeseriesPanel({
            title: 'Interaction records',
            description:
              'Gateway: records published to the interaction stream, dropped (publish queue full) or failed. Evaluation: records read, by sampling decision or skip reason.',
            unit: 'short',
            queries: [
              { expr: sumRate(M.interactionRecords.name, '', 'outcome'), legend: 'gateway {{outcome}}' },
              { expr: sumRate(M.onlineEvalInteractions.name, V, 'decision'), legend: 'evaluation {{decision}}' },
            ],
          }),
          timeseriesPanel({
            title: 'Unparseable judge outputs',
            description: 'LLM-judge replies that were not valid JSON or failed the verdict schema, per second (retries included).',
            unit: 'short',
            queries: [{ expr: sumRate(M.onlineEvalUnparseable.name, V, 'variant, eval_metric'), legend: '{{variant}} {{eval_metric}}' }],
          }),
          timeseriesPanel({
            title: 'Scoring time p95',
            description: 'Time to score one sampled interaction with every configured metric.',
            unit: 's',
            queries: [{ expr: quantile(0.95, M.onlineEvalDuration.name, '', 'implementation'), legend: '{{implementation}}' }],
          }),
          timeseriesPanel({
            title: 'Truncations',
            description: 'Context chunks dropped to fit the budget, and completions cut at max tokens, per second.',
            unit: 'short',
            queries: [{ expr: sumRate(M.llmTruncations.name, V, 'variant, kind'), legend: '{{variant}} {{kind}}' }],
          }),
        ],
      },
      {
        title: 'Traffic per variant',
        panels: [
          timeseriesPanel({
            title: 'Requests by outcome',
            description: 'API operations per second by variant and outcome.',
            unit: 'reqps',
            stack: true,
            queries: [
              { expr: sumRate(`${M.requestDuration.name}_count`, V, 'variant, outcome'), legend: '{{variant}} {{outcome}}' },
            ],
          }),
          timeseriesPanel({
            title: 'Server error share',
            description: 'Share of operations ending in a server error, per variant.',
            unit: 'percentunit',
            queries: [
              {
                expr: share(
                  sumRate(`${M.requestDuration.name}_count`, `${V}, outcome="server_error"`, 'variant'),
                  sumRate(`${M.requestDuration.name}_count`, V, 'variant'),
                ),
                legend: '{{variant}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'Latency p95 by variant',
            description: '95th percentile duration of API operations per variant.',
            unit: 's',
            queries: [{ expr: quantile(0.95, M.requestDuration.name, V, 'variant, operation'), legend: '{{variant}} {{operation}}' }],
          }),
          timeseriesPanel({
            title: 'Variants served',
            description: 'Variants in the routing table, with their prompt, model and index version.',
            unit: 'short',
            queries: [
              { expr: `max by (variant, prompt, model, index) (${M.variantInfo.name}{${V}})`, legend: '{{variant}}: {{prompt}} {{model}} {{index}}' },
            ],
          }),
        ],
      },
    ],
  });
}
