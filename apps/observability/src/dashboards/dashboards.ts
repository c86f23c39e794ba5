import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { costTokensDashboard } from './cost-tokens.dashboard.js';
import { ragQualityDashboard } from './rag-quality.dashboard.js';
import { serviceOverviewDashboard } from './service-overview.dashboard.js';
import { sloDashboard } from './slo.dashboard.js';

/** Every generated dashboard; the file name under deploy/grafana/dashboards is `<uid>.json`. */
export function dashboards(): Dashboard[] {
  return [serviceOverviewDashboard(), ragQualityDashboard(), costTokensDashboard(), sloDashboard()];
}
