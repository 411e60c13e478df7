// Conflicts: the conflict log with filters, newest first; a conflict opens to both sides and the result, field by field.
import { api } from './api.js';
import { pageThrough } from './paging.js';
import { errorRegion, h, heading, replace, time } from './dom.js';

const PAGE_SIZE = 50;
const POLICIES = ['server-wins', 'client-wins', 'last-writer-wins', 'merge'];

/** A datetime-local value (the browser's time zone) as an ISO instant; '' when empty or invalid. */
export function localToInstant(value) {
    if (!value) {
        return '';
    }
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/** An ISO instant as a datetime-local value in the browser's time zone. */
function instantToLocal(iso) {
    const date = new Date(iso);
    if (!iso || Number.isNaN(date.getTime())) {
        return '';
    }
    const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return shifted.toISOString().slice(0, 19);
}

/** The record's columns as dotted paths ({"data": {"text": "x"}} -> data.text = "x"). */
export function flatten(item, prefix = '', into = new Map()) {
    if (item === null || item === undefined) {
        return into;
    }
    for (const [key, value] of Object.entries(item)) {
        const path = prefix ? `${prefix}.${key}` : key;
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
            flatten(value, path, into);
        } else {
            into.set(path, value);
        }
    }
    return into;
}

function show(value) {
    if (value === undefined) {
        return h('span', { class: 'muted' }, '(absent)');
    }
    if (value === null) {
        return h('span', { class: 'muted' }, 'null');
    }
    return h('code', {}, typeof value === 'string' ? value : JSON.stringify(value));
}

function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * An item of the conflict log as its record columns and its sync metadata. Items of a device and of the server keep
 * the columns under {@code data} beside id, version, updatedAt, deleted...; a result item may be the columns alone.
 */
export function split(item) {
    const columns = new Map();
    const meta = new Map();
    if (!item || typeof item !== 'object') {
        return { columns, meta };
    }
    const hasData = item.data && typeof item.data === 'object' && !Array.isArray(item.data);
    if (hasData) {
        flatten(item.data, '', columns);
        for (const [key, value] of Object.entries(item)) {
            if (key !== 'data') {
                flatten({ [key]: value }, '', meta);
            }
        }
    } else {
        flatten(item, '', columns);
    }
    return { columns, meta };
}

function cell(item, values, field) {
    return h('td', {}, item ? show(values.get(field)) : h('span', { class: 'muted' }, 'none'));
}

/**
 * Client, server and result items side by side, one row per field: first the record's columns, where those that
 * differ between client and server are marked (a class and the words "differs"), then the sync metadata.
 */
export function comparison(conflict) {
    const client = split(conflict.clientItem);
    const server = split(conflict.serverItem);
    const result = split(conflict.resultItem);
    const bothSides = Boolean(conflict.clientItem && conflict.serverItem);
    const names = (part) => [...new Set([...client[part].keys(), ...server[part].keys(), ...result[part].keys()])]
        .sort();
    const columnRows = names('columns').map((field) => {
        const differs = bothSides && !same(client.columns.get(field), server.columns.get(field));
        return h('tr', { class: differs ? 'differs' : 'same', 'data-field': field },
            h('th', { scope: 'row' }, h('code', {}, field),
                differs ? h('span', { class: 'marker' }, ' ≠ differs') : null),
            cell(conflict.clientItem, client.columns, field),
            cell(conflict.serverItem, server.columns, field),
            cell(conflict.resultItem, result.columns, field));
    });
    const metaRows = names('meta').map((field) => h('tr', { class: 'meta', 'data-meta': field },
        h('th', { scope: 'row' }, h('code', {}, field)),
        cell(conflict.clientItem, client.meta, field),
        cell(conflict.serverItem, server.meta, field),
        cell(conflict.resultItem, result.meta, field)));
    const differing = columnRows.filter((row) => row.classList.contains('differs')).length;
    return h('div', { class: 'comparison' },
        h('p', {}, `Decision: ${conflict.decision || '—'} (policy ${conflict.policy || '—'}`
            + `${conflict.baseVersion ? `, the device's base version ${conflict.baseVersion}` : ''}). `
            + (bothSides ? `${differing} column${differing === 1 ? ' differs' : 's differ'} between client and server.`
                : '')),
        h('div', { class: 'table-wrap' }, h('table', { class: 'sides' },
            h('caption', {}, `Conflict ${conflict.id}: ${conflict.table}/${conflict.recordId}`),
            h('thead', {}, h('tr', {},
                h('th', { scope: 'col' }, 'Field'),
                h('th', { scope: 'col' }, 'Client sent'),
                h('th', { scope: 'col' }, 'Server had'),
                h('th', { scope: 'col' }, 'Result'))),
            h('tbody', { class: 'columns' }, columnRows.length ? columnRows
                : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No columns on either side.'))),
            metaRows.length ? h('tbody', { class: 'meta' },
                h('tr', {}, h('th', { scope: 'colgroup', colspan: 4, class: 'group' }, 'Sync metadata')),
                metaRows) : null)));
}

export async function conflictsPage(main, context) {
    const params = context.route.params;
    const error = errorRegion();
    const field = (id, label, control, hint) => h('div', { class: 'field' },
        h('label', { for: id }, label), control, hint ? h('span', { class: 'hint' }, hint) : null);
    const tableInput = h('input', { id: 'filter-table', name: 'table', value: params.get('table') || '' });
    const deviceInput = h('input', { id: 'filter-device', name: 'deviceId', value: params.get('deviceId') || '' });
    const policyInput = h('input', { id: 'filter-policy', name: 'policy', list: 'policies',
        value: params.get('policy') || '' });
    const sourceSelect = h('select', { id: 'filter-source', name: 'source' },
        h('option', { value: '' }, 'edge or central'),
        h('option', { value: 'edge' }, 'edge'),
        h('option', { value: 'central' }, 'central'));
    sourceSelect.value = params.get('source') || '';
    const sinceInput = h('input', { type: 'datetime-local', step: 1, id: 'filter-since', name: 'since',
        value: instantToLocal(params.get('since')) });
    const untilInput = h('input', { type: 'datetime-local', step: 1, id: 'filter-until', name: 'until',
        value: instantToLocal(params.get('until')) });
    const form = h('form', { class: 'filters', id: 'conflict-filters' },
        field('filter-table', 'Table', tableInput),
        field('filter-device', 'Device', deviceInput),
        field('filter-policy', 'Policy', policyInput),
        h('datalist', { id: 'policies' }, POLICIES.map((p) => h('option', { value: p }))),
        field('filter-source', 'Decided at', sourceSelect),
        field('filter-since', 'Since', sinceInput, 'your time zone'),
        field('filter-until', 'Until', untilInput, 'your time zone'),
        h('div', { class: 'field buttons' }, h('button', { type: 'submit' }, 'Filter')));
    form.addEventListener('submit', (event) => {
        event.preventDefault();
        const query = new URLSearchParams();
        const put = (name, value) => value && query.set(name, value);
        put('table', tableInput.value.trim());
        put('deviceId', deviceInput.value.trim());
        put('policy', policyInput.value.trim());
        put('source', sourceSelect.value);
        put('since', localToInstant(sinceInput.value));
        put('until', localToInstant(untilInput.value));
        const hash = `#/conflicts${query.toString() ? `?${query}` : ''}`;
        if (window.location.hash === hash) {
            window.dispatchEvent(new HashChangeEvent('hashchange'));
        } else {
            window.location.hash = hash;
        }
    });
    const body = h('tbody', {});
    const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older conflicts');
    const count = h('p', { class: 'muted', role: 'status' });
    replace(main, heading('Conflicts'), form, error,
        h('div', { class: 'table-wrap' }, h('table', { id: 'conflicts-table' },
            h('caption', {}, 'Conflict log, newest first'),
            h('thead', {}, h('tr', {}, ['Detected', 'Table', 'Record', 'Device', 'Decided at', 'Policy', 'Decision',
                ''].map((title) => h('th', { scope: 'col' }, title)))),
            body)),
        count, more);

    await pageThrough({
        context, error, more, count,
        fetchPage: (before) => api('/admin/conflicts', {
            params: {
                table: params.get('table'), deviceId: params.get('deviceId'), policy: params.get('policy'),
                source: params.get('source'), since: params.get('since'), until: params.get('until'),
                limit: PAGE_SIZE, before,
            },
        }),
        render: (conflict) => body.append(...conflictRows(conflict)),
        describe: (shown, hasMore) => (shown === 0 ? 'No conflicts match.'
            : `${shown} conflict${shown === 1 ? '' : 's'} shown` + (hasMore ? ', older ones available.' : '.')),
    });
}

function conflictRows(conflict) {
    const detailId = `conflict-${conflict.id}`;
    const what = `conflict ${conflict.id} on ${conflict.table}/${conflict.recordId}`;
    const toggle = h('button', { type: 'button', class: 'secondary toggle', 'aria-expanded': 'false',
        'aria-controls': detailId, 'aria-label': `Show the sides of ${what}` }, 'Show sides');
    const detailCell = h('td', { colspan: 8 });
    const detail = h('tr', { id: detailId, class: 'detail', hidden: true }, detailCell);
    toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        if (open && !detailCell.firstChild) {
            detailCell.appendChild(comparison(conflict));
        }
        detail.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? 'Hide sides' : 'Show sides';
        toggle.setAttribute('aria-label', `${open ? 'Hide' : 'Show'} the sides of ${what}`);
    });
    const row = h('tr', { 'data-conflict': conflict.id, 'data-record': conflict.recordId },
        h('th', { scope: 'row' }, time(conflict.detectedAt)),
        h('td', {}, conflict.table),
        h('td', {}, h('code', {}, conflict.recordId)),
        h('td', {}, conflict.deviceId
            ? h('a', { href: `#/devices/${encodeURIComponent(conflict.deviceId)}` }, conflict.deviceId)
            : h('span', { class: 'muted' }, '—')),
        h('td', {}, conflict.source),
        h('td', {}, conflict.policy || '—'),
        h('td', {}, conflict.decision || '—'),
        h('td', {}, toggle));
    return [row, detail];
}
