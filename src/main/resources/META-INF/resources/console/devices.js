// Devices: the list with search, and one device's page with its replicas, queue, retry, discard and forgetting.
import { api } from './api.js';
import { pageThrough } from './paging.js';
import {
    announce, confirmDialog, errorRegion, facts, h, heading, number, replace, showError, table, time,
} from './dom.js';

const PAGE_SIZE = 50;
const STATUSES = ['parked', 'conflict', 'applied', 'rejected', 'discarded'];

function deviceLink(id) {
    return h('a', { href: `#/devices/${encodeURIComponent(id)}` }, id);
}

function explainLink(params, text = 'Explain') {
    const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
    return h('a', { href: `#/explain?${query}`, class: 'explain-link' }, text);
}

function parkedCell(queue) {
    const parked = Number(queue && queue.parked) || 0;
    return parked > 0
        ? h('span', { class: 'badge bad parked' }, `⚠ ${parked} parked`)
        : h('span', { class: 'muted' }, '0');
}

function replicaSummary(replicas) {
    if (!replicas || replicas.length === 0) {
        return h('span', { class: 'muted' }, 'none');
    }
    return h('ul', { class: 'compact' }, replicas.map((replica) => h('li', {},
        h('span', { class: 'table-name' }, replica.table), ': ',
        replica.watermark ? time(replica.watermark) : h('span', { class: 'muted' }, 'no watermark'),
        replica.changeSeq !== null && replica.changeSeq !== undefined ? ` (seq ${replica.changeSeq})` : '')));
}

export async function devicesPage(main, context) {
    const q = context.route.params.get('q') || '';
    const parkedOnly = context.route.params.get('parked') === 'true';
    const error = errorRegion();
    const stuck = h('input', { type: 'checkbox', id: 'device-parked', name: 'parked', checked: parkedOnly });
    const search = h('input', { type: 'search', id: 'device-search', name: 'q', value: q,
        'aria-describedby': 'device-search-help' });
    const form = h('form', { class: 'filters', role: 'search' },
        h('div', { class: 'field' },
            h('label', { for: 'device-search' }, 'Search devices'),
            search,
            h('span', { id: 'device-search-help', class: 'hint' }, 'Part of a device id or user id')),
        h('div', { class: 'field checkbox' }, stuck,
            h('label', { for: 'device-parked' }, 'Only devices with parked operations')),
        h('div', { class: 'field buttons' }, h('button', { type: 'submit' }, 'Search')));
    form.addEventListener('submit', (event) => {
        event.preventDefault();
        const query = new URLSearchParams();
        const value = search.value.trim();
        if (value) {
            query.set('q', value);
        }
        if (stuck.checked) {
            query.set('parked', 'true');
        }
        window.location.hash = `#/devices${query.toString() ? `?${query}` : ''}`;
    });
    const body = h('tbody', {});
    const count = h('p', { class: 'muted', role: 'status' });
    const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More devices');
    const list = h('div', { class: 'table-wrap' },
        h('table', { id: 'devices-table' },
            h('caption', {}, (q ? `Devices matching “${q}”` : 'Devices, by id')
                + (parkedOnly ? ', only those with parked operations' : '')),
            h('thead', {}, h('tr', {}, ['Device', 'User', 'Protocol', 'Client version', 'Last seen', 'Operations',
                'Parked', 'Replicas (table: watermark)'].map((title) => h('th', { scope: 'col' }, title)))),
            body));
    replace(main, heading('Devices'), form, error, list, count, more);

    await pageThrough({
        context, error, more, count,
        fetchPage: (after) => api('/admin/devices', {
            params: { q, parked: parkedOnly ? 'true' : null, limit: PAGE_SIZE, after },
        }),
        render: (device) => {
            const queue = device.queue || {};
            body.appendChild(h('tr', { 'data-device': device.id },
                h('th', { scope: 'row' }, deviceLink(device.id)),
                h('td', {}, device.userId || h('span', { class: 'muted' }, '—')),
                h('td', {}, device.protocol || '—'),
                h('td', {}, device.clientVersion || '—'),
                h('td', {}, time(device.lastSeen)),
                h('td', { class: 'num' }, number(queue.total, 0)),
                h('td', { class: 'num' }, parkedCell(queue)),
                h('td', {}, replicaSummary(device.replicas))));
        },
        describe: (shown, hasMore) => (shown === 0 ? 'No devices.'
            : `${shown} device${shown === 1 ? '' : 's'} shown` + (hasMore ? ', more available.' : '.')),
    });
}

export async function devicePage(main, context) {
    const id = context.route.id;
    const error = errorRegion();
    const loading = h('p', {}, 'Loading…');
    replace(main, heading(`Device ${id}`), error, loading);
    let device;
    try {
        device = await api(`/admin/devices/${encodeURIComponent(id)}`);
    } catch (e) {
        if (!e.isAuthProblem) {
            showError(error, e);
            loading.remove();
            main.appendChild(h('p', {}, h('a', { href: '#/devices' }, 'Back to the devices')));
        }
        return;
    }
    if (!context.isCurrent()) {
        return;
    }
    const queue = device.queue || {};
    const byStatus = Object.entries(queue.byStatus || {}).map(([status, n]) => `${status} ${n}`).join(', ');
    const details = h('section', { class: 'panel', 'aria-labelledby': 'details-title' },
        h('h2', { id: 'details-title' }, 'Details'),
        facts([
            ['User', device.userId || '—'],
            ['Protocol', device.protocol || '—'],
            ['Client version', device.clientVersion || '—'],
            ['First seen', time(device.firstSeen)],
            ['Last seen', time(device.lastSeen)],
            ['Operations', `${number(queue.total, 0)}${byStatus ? ` (${byStatus})` : ''}`],
            ['Parked', parkedCell(queue)],
        ]),
        h('div', { class: 'actions' }, forgetButton(id)));
    const replicas = h('section', { 'aria-labelledby': 'replicas-title' },
        h('h2', { id: 'replicas-title' }, 'Replicas'),
        (device.replicas || []).length === 0
            ? h('p', { class: 'muted' }, 'This device has not pulled any table.')
            : table('What the device pulled, per table and query',
                ['Table', 'Query', 'Watermark', 'Change seq', 'Rows pulled', 'First pull', 'Last pull', ''],
                device.replicas.map((replica) => h('tr', {},
                    h('th', { scope: 'row' }, replica.table),
                    h('td', {}, h('code', {}, replica.queryId || '—')),
                    h('td', {}, time(replica.watermark)),
                    h('td', { class: 'num' }, number(replica.changeSeq, 0)),
                    h('td', { class: 'num' }, number(replica.pulledRows, 0)),
                    h('td', {}, time(replica.firstPull)),
                    h('td', {}, time(replica.lastPull)),
                    h('td', {}, explainLink({ table: replica.table, device: id }))))));
    replace(main, heading(`Device ${id}`), error, details, replicas, operationsSection(id, context));
    main.querySelector('#operations-status').dispatchEvent(new Event('change'));
}

function forgetButton(id) {
    const button = h('button', { type: 'button', class: 'danger', id: 'forget-device' }, 'Forget device');
    button.addEventListener('click', async () => {
        const sure = await confirmDialog('Forget this device?',
            `The queue and replica records of ${id} are deleted (the conflict log keeps its entries). `
            + 'If the device comes back it starts afresh.', 'Forget device');
        if (sure) {
            await forget(id, false, button);
        }
    });
    return button;
}

async function forget(id, force, button) {
    const outcome = document.getElementById('operation-outcome');
    const error = document.querySelector('main .error');
    button.disabled = true;
    try {
        await api(`/admin/devices/${encodeURIComponent(id)}`, { method: 'DELETE', params: { force: force || '' } });
        announce(`Device ${id} forgotten.`);
        window.location.hash = '#/devices';
    } catch (e) {
        button.disabled = false;
        if (e.isAuthProblem) {
            return;
        }
        showError(error, e);
        if (e.status === 409 && !force) {
            const forceButton = h('button', { type: 'button', class: 'danger', id: 'forget-device-force' },
                'Forget anyway, dropping its parked operations');
            forceButton.addEventListener('click', async () => {
                const sure = await confirmDialog('Forget the device and its parked operations?',
                    `${e.detail || 'The device has parked operations.'} They are dropped and cannot be retried.`,
                    'Forget with its parked operations');
                if (sure) {
                    await forget(id, true, forceButton);
                }
            });
            error.appendChild(h('p', {}, forceButton));
            if (outcome) {
                outcome.textContent = `Device ${id} was not forgotten: it has parked operations.`;
            }
        }
    }
}

function operationsSection(id, context) {
    const status = h('select', { id: 'operations-status', name: 'status' },
        h('option', { value: '' }, 'all statuses'),
        STATUSES.map((s) => h('option', { value: s }, s)));
    const outcome = h('div', { id: 'operation-outcome', class: 'outcome', role: 'status', 'aria-live': 'polite' });
    const error = errorRegion();
    const body = h('tbody', {});
    const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More operations');
    const section = h('section', { 'aria-labelledby': 'operations-title' },
        h('h2', { id: 'operations-title' }, 'Operation queue'),
        h('div', { class: 'filters' }, h('div', { class: 'field' },
            h('label', { for: 'operations-status' }, 'Status'), status)),
        outcome, error,
        h('div', { class: 'table-wrap' }, h('table', { id: 'operations-table' },
            h('caption', {}, 'Operations in the order the device sent them'),
            h('thead', {}, h('tr', {}, ['Seq', 'Operation', 'Table', 'Record', 'Kind', 'Status', 'Received',
                'Resolved', 'Error', 'Actions'].map((title) => h('th', { scope: 'col' }, title)))),
            body)),
        more);

    let next = null;
    let latest = 0;
    async function load(reset) {
        // a load started later (another filter) wins over one still under way
        const mine = ++latest;
        if (reset) {
            next = null;
            body.replaceChildren();
        }
        more.disabled = true;
        try {
            const page = await api(`/admin/devices/${encodeURIComponent(id)}/operations`,
                { params: { status: status.value, limit: 100, after: next } });
            if (!context.isCurrent() || mine !== latest) {
                return;
            }
            showError(error, null);
            for (const operation of page.items || []) {
                body.appendChild(operationRow(id, operation, outcome, error));
            }
            if (reset && (page.items || []).length === 0) {
                body.appendChild(h('tr', {}, h('td', { colspan: 10, class: 'muted' }, 'No operations.')));
            }
            next = page.hasMore ? page.next : null;
            more.hidden = !page.hasMore;
        } catch (e) {
            if (!e.isAuthProblem) {
                showError(error, e);
            }
        } finally {
            more.disabled = false;
        }
    }
    status.addEventListener('change', () => load(true));
    more.addEventListener('click', () => load(false));
    return section;
}

function statusBadge(status) {
    const kind = status === 'parked' ? 'bad' : status === 'applied' ? 'ok' : status === 'conflict' ? 'warn' : '';
    return h('span', { class: `badge ${kind} status`, 'data-status': status }, status);
}

function operationRow(deviceId, operation, outcome, error) {
    const row = h('tr', { 'data-seq': operation.seq, 'data-operation': operation.operationId });
    fillOperationRow(row, deviceId, operation, outcome, error);
    return row;
}

function fillOperationRow(row, deviceId, operation, outcome, error) {
    const actions = h('td', { class: 'row-actions' });
    if (operation.status === 'parked') {
        const retry = h('button', { type: 'button', class: 'retry',
            'aria-label': `Retry operation ${operation.seq}` }, 'Retry');
        const discard = h('button', { type: 'button', class: 'discard danger',
            'aria-label': `Discard operation ${operation.seq}` }, 'Discard');
        retry.addEventListener('click', () => act('retry'));
        discard.addEventListener('click', async () => {
            const sure = await confirmDialog(`Discard operation ${operation.seq}?`,
                `The device's ${operation.kind} of ${operation.table}/${operation.recordId} is not applied; it stays`
                + ' in the queue as discarded and the device learns so when it sends it again.', 'Discard');
            if (sure) {
                await act('discard');
            } else {
                discard.focus();
            }
        });
        actions.append(retry, ' ', discard);
    }
    actions.append(' ', explainLink({ table: operation.table, id: operation.recordId, device: deviceId }));

    async function act(action) {
        for (const button of actions.querySelectorAll('button')) {
            button.disabled = true;
        }
        try {
            const updated = await api(
                `/admin/devices/${encodeURIComponent(deviceId)}/operations/${operation.seq}/${action}`,
                { method: 'POST' });
            showError(error, null);
            fillOperationRow(row, deviceId, updated, outcome, error);
            const verb = action === 'retry' ? 'retried' : 'discarded';
            outcome.textContent = `Operation ${operation.seq} ${verb}: now ${updated.status}`
                + (updated.status === 'parked' && updated.error ? ` (${updated.error})` : '') + '.';
            const focusTarget = row.querySelector('button') || row.querySelector('a');
            if (focusTarget) {
                focusTarget.focus();
            }
        } catch (e) {
            for (const button of actions.querySelectorAll('button')) {
                button.disabled = false;
            }
            if (!e.isAuthProblem) {
                showError(error, e);
                outcome.textContent = `Operation ${operation.seq} was not ${action === 'retry' ? 'retried' : 'discarded'}:`
                    + ` ${e.detail || e.message}`;
            }
        }
    }

    row.replaceChildren(
        h('th', { scope: 'row', class: 'num' }, String(operation.seq)),
        h('td', {}, h('code', {}, operation.operationId || '—')),
        h('td', {}, operation.table),
        h('td', {}, h('code', {}, operation.recordId)),
        h('td', {}, operation.kind),
        h('td', {}, statusBadge(operation.status)),
        h('td', {}, time(operation.receivedAt)),
        h('td', {}, operation.resolvedAt ? time(operation.resolvedAt) : h('span', { class: 'muted' }, '—')),
        h('td', { class: 'op-error' }, operation.error || ''),
        actions);
}
