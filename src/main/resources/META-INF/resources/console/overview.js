// Overview: the gateway's role, uptime and readiness checks, and live charts of its activity.
import { api } from './api.js';
import { lineChart } from './chart.js';
import { duration, errorRegion, facts, h, heading, number, replace, showAnonymous, showError, time } from './dom.js';

/** The charted figures of a sample: name (also the data-metric attribute), label, unit, decimals. */
const METRICS = [
    { key: 'writesPerSecond', label: 'Writes', unit: '/s', digits: 1 },
    { key: 'pullsPerSecond', label: 'Pulls', unit: '/s', digits: 1 },
    { key: 'conflictsPerMinute', label: 'Conflicts', unit: '/min', digits: 1 },
    { key: 'outboxDepth', label: 'Outbox depth', unit: 'events', digits: 0 },
    { key: 'outboxOldestAgeSeconds', label: 'Outbox oldest age', unit: 's', digits: 1 },
    { key: 'consumerLag', label: 'Consumer lag', unit: 'records', digits: 0 },
    { key: 'propagationMillis', label: 'Propagation latency', unit: 'ms', digits: 0 },
];

export async function overviewPage(main) {
    const error = errorRegion();
    const summary = h('section', { 'aria-labelledby': 'summary-title', class: 'panel' },
        h('h2', { id: 'summary-title' }, 'Gateway'), h('p', {}, 'Loading…'));
    const checks = h('section', { 'aria-labelledby': 'checks-title', class: 'panel' },
        h('h2', { id: 'checks-title' }, 'Readiness checks'));
    const charts = h('section', { 'aria-labelledby': 'charts-title', class: 'charts-section' },
        h('h2', { id: 'charts-title' }, 'Activity'));
    const chartGrid = h('div', { class: 'charts' });
    charts.appendChild(chartGrid);
    replace(main, heading('Overview'), error, h('div', { class: 'overview-top' }, summary, checks), charts);

    let timer = null;
    let stopped = false;

    async function poll() {
        let delaySeconds = 5;
        try {
            const overview = await api('/admin/overview');
            if (stopped) {
                return;
            }
            showError(error, null);
            showAnonymous(Boolean(overview.anonymous));
            renderSummary(summary, overview);
            renderChecks(checks, overview.checks || []);
            renderCharts(chartGrid, overview);
            delaySeconds = Math.max(1, Number(overview.intervalSeconds) || 5);
        } catch (e) {
            if (stopped || e.isAuthProblem) {
                return; // the sign-in view took over
            }
            showError(error, e);
        }
        if (!stopped) {
            timer = window.setTimeout(poll, delaySeconds * 1000);
        }
    }

    await poll();
    return () => {
        stopped = true;
        window.clearTimeout(timer);
    };
}

function renderSummary(section, overview) {
    const totals = overview.totals || {};
    const queues = overview.queues || {};
    replace(section, h('h2', { id: 'summary-title' }, 'Gateway'), facts([
        ['Role', h('span', { 'data-metric': 'role' }, overview.role || '—')],
        ['Edge id', h('span', { 'data-metric': 'edgeId' }, overview.edgeId || '—')],
        ['Access', overview.anonymous ? h('span', { class: 'badge warn' }, 'anonymous') : 'admin token'],
        ['Started', time(overview.startedAt)],
        ['Uptime', h('span', { 'data-metric': 'uptime' }, duration(overview.uptimeSeconds))],
        ['Writes since start', h('span', { 'data-metric': 'totalWrites' }, number(totals.writes, 0))],
        ['Pulls since start', h('span', { 'data-metric': 'totalPulls' }, number(totals.pulls, 0))],
        ['Conflicts since start', h('span', { 'data-metric': 'totalConflicts' }, number(totals.conflicts, 0))],
        ['Parked operations', parkedLink(queues.parkedOperations)],
        ['Devices active today', h('span', { 'data-metric': 'activeDevices' }, number(queues.activeDevices, 0))],
    ]));
}

/** Parked operations wait for an administrator: when there are any, the figure leads to the stuck devices. */
function parkedLink(parked) {
    const figure = h('span', { 'data-metric': 'parkedOperations' }, number(parked, 0));
    if (!parked) {
        return figure;
    }
    return h('a', { href: '#/devices?parked=true', class: 'parked' }, figure, ' — show stuck devices');
}

function renderChecks(section, checks) {
    const items = checks.map((check) => {
        const up = check.status === 'UP';
        return h('li', { class: `check ${up ? 'up' : 'down'}`, 'data-check': check.name },
            h('span', { class: 'check-name' }, check.name),
            h('span', { class: `badge ${up ? 'ok' : 'bad'}` }, up ? '✓ UP' : '✗ DOWN'));
    });
    replace(section, h('h2', { id: 'checks-title' }, 'Readiness checks'),
        items.length ? h('ul', { class: 'checks' }, items) : h('p', { class: 'muted' }, 'No readiness checks.'));
}

function renderCharts(grid, overview) {
    const samples = overview.samples || [];
    const interval = Math.max(1, Number(overview.intervalSeconds) || 1);
    const spanSeconds = Math.max(0, samples.length - 1) * interval;
    const newest = samples.length ? samples[samples.length - 1] : null;
    const figures = METRICS.map((metric) => {
        const values = samples.map((sample) => sample[metric.key]);
        const current = newest ? newest[metric.key] : null;
        const present = values.filter((v) => v !== null && v !== undefined);
        const max = present.length ? Math.max(...present) : null;
        const shown = current === null || current === undefined ? '—' : number(current, metric.digits);
        const description = `${metric.label} (${metric.unit}) over the last ${Math.round(spanSeconds / 60)} min: `
            + `now ${shown}, highest ${number(max, metric.digits)}`;
        const titleId = `chart-${metric.key}`;
        return h('figure', { class: 'metric', 'aria-labelledby': titleId },
            h('figcaption', { id: titleId },
                h('span', { class: 'metric-label' }, metric.label),
                h('span', { class: 'metric-value' },
                    h('span', { 'data-metric': metric.key }, shown), ' ',
                    h('span', { class: 'unit' }, metric.unit))),
            lineChart(values, { description, spanSeconds }));
    });
    replace(grid, figures);
}
