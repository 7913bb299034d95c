export { parsePrometheusText, parseNumber, type PromFamily, type PromSample, type PromType, type ParseResult } from './prom-text.js';
export { ETCD_METRIC_FAMILIES, extractEtcdMetrics, type EtcdMetricName, type MetricSeries, type MetricsSample } from './etcd-sample.js';
export { addBuckets, bucketDelta, bucketTotal, histogramQuantile, seriesDelta, toBuckets, type Buckets } from './quantile.js';
export { httpGetText, type TlsMaterial } from './http-get.js';
export { memberFileName, scrapeTargets, startMetricsScraper, type MetricsScraper, type ScrapeStats, type ScrapeTarget, type ScraperOptions } from './scraper.js';
