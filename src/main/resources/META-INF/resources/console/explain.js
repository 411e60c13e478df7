// Explain: why a device has, or does not have, the current version of a record.
import { api } from './api.js';
import { errorRegion, facts, h, heading, replace, showError, table, time, yesNo } from './dom.js';

/** A readable label of each reason code of /admin/explain. */
export const REASONS = {
    'current': 'Current: the device has pulled the record’s current version',
    'not-pulled': 'Not pulled yet: the record changed after the device’s last pull',
    'never-pulled': 'Never pulled: the device never pulled this table',
    'filtered-by-owner': 'Filtered by owner: the record belongs to another user',
    'tombstone-purged': 'Tombstone purged: the record was deleted and its tombstone purged before the device pulled',
    'not-arrived': 'Not arrived: the newest change is known at central but not applied at this edge yet',
    'parked': 'Parked: the device’s own change of this record is parked',
    'unknown-record': 'Unknown record: no such record (never was, or purged long ago)',
};

function reasonLabel(reason) {
    return REASONS[reason] || `Reason: ${reason}`;
}

export async function explainPage(main, context) {
    const params = context.route.params;
    const error = errorRegion();
    const tableInput = h('input', { id: 'explain-table', name: 'table', required: true, list: 'explain-tables',
        value: params.get('table') || '', autocomplete: 'off' });
    const recordInput = h('input', { id: 'explain-record', name: 'id', required: true, value: params.get('id') || '',
        autocomplete: 'off' });
    const deviceInput = h('input', { id: 'explain-device', name: 'device', required: true,
        value: params.get('device') || '', autocomplete: 'off' });
    const tableList = h('datalist', { id: 'explain-tables' });
    const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
    const form = h('form', { class: 'filters', id: 'explain-form' },
        field('explain-table', 'Table', tableInput), tableList,
        field('explain-record', 'Record id', recordInput),
        field('explain-device', 'Device id', deviceInput),
        h('div', { class: 'field buttons' }, h('button', { type: 'submit' }, 'Explain')));
    const answer = h('div', { id: 'explain-answer', 'aria-live': 'polite' });
    form.addEventListener('submit', (event) => {
        event.preventDefault();
        const query = new URLSearchParams({
            table: tableInput.value.trim(), id: recordInput.value.trim(), device: deviceInput.value.trim(),
        });
        const hash = `#/explain?${query}`;
        if (window.location.hash === hash) {
            window.dispatchEvent(new HashChangeEvent('hashchange'));
        } else {
            window.location.hash = hash;
        }
    });
    replace(main, heading('Explain'),
        h('p', { class: 'intro' }, 'Why does a device have, or not have, the current version of a record? '
            + 'Give the table, the record and the device.'),
        form, error, answer);

    // table names for the input's suggestions; the form works without them
    api('/admin/tables', { quiet: true }).then((tables) => {
        for (const item of (tables && tables.items) || []) {
            tableList.appendChild(h('option', { value: item.name }));
        }
    }).catch(() => {});

    const table = params.get('table');
    const id = params.get('id');
    const device = params.get('device');
    if (!table || !id || !device) {
        if (table || device) {
            (id ? deviceInput : recordInput).focus();
        }
        return;
    }
    answer.textContent = 'Asking the gateway…';
    try {
        const explanation = await api('/admin/explain', { params: { table, id, device } });
        if (context.isCurrent()) {
            replace(answer, renderExplanation(explanation));
        }
    } catch (e) {
        answer.replaceChildren();
        if (!e.isAuthProblem) {
            showError(error, e);
        }
    }
}

function renderExplanation(explanation) {
    const current = Boolean(explanation.current);
    const verdict = h('section', {
        class: `verdict ${current ? 'current' : 'stale'}`, id: 'verdict', 'data-reason': explanation.reason,
        'data-current': String(current), 'aria-labelledby': 'verdict-title',
    },
    h('h2', { id: 'verdict-title' }, current ? '✓ The device has the current version'
        : '✗ The device does not have the current version'),
    h('p', { class: 'reason' }, h('strong', {}, reasonLabel(explanation.reason)), ' ',
        h('code', { class: 'reason-code' }, explanation.reason)),
    explanation.message ? h('p', { class: 'message' }, explanation.message) : null);

    const record = explanation.record;
    const recordSection = h('section', { class: 'panel', 'aria-labelledby': 'record-title' },
        h('h2', { id: 'record-title' }, `Record ${explanation.table}/${explanation.recordId}`),
        record ? facts([
            ['Version', h('code', {}, record.version || '—')],
            ['Updated', time(record.updatedAt)],
            ['Deleted', yesNo(record.deleted)],
            ['Owner', record.ownerId || h('span', { class: 'muted' }, 'none (shared)')],
            ['Columns purged', yesNo(record.columnsPurged)],
        ]) : h('p', { class: 'muted' }, 'The gateway knows no such record.'));

    const device = explanation.device || {};
    const deviceSection = h('section', { class: 'panel', 'aria-labelledby': 'device-title' },
        h('h2', { id: 'device-title' }, 'Device'),
        facts([
            ['Device', h('a', { href: `#/devices/${encodeURIComponent(device.id || explanation.deviceId)}` },
                device.id || explanation.deviceId)],
            ['User', device.userId || '—'],
            ['Last seen', time(device.lastSeen)],
        ]));

    const replicas = explanation.replicas || [];
    const replicaSection = h('section', { 'aria-labelledby': 'explain-replicas-title' },
        h('h2', { id: 'explain-replicas-title' }, `The device’s replicas of ${explanation.table}`),
        replicas.length === 0 ? h('p', { class: 'muted' }, 'None: the device never pulled this table.')
            : table('', ['Query', 'Watermark', 'Change seq', 'Rows pulled', 'Last pull'],
                replicas.map((replica) => h('tr', {},
                    h('th', { scope: 'row' }, h('code', {}, replica.queryId || '—')),
                    h('td', {}, time(replica.watermark)),
                    h('td', { class: 'num' }, replica.changeSeq ?? '—'),
                    h('td', { class: 'num' }, replica.pulledRows ?? '—'),
                    h('td', {}, time(replica.lastPull))))));

    const parked = explanation.parkedOperations || [];
    const parkedSection = h('section', { 'aria-labelledby': 'explain-parked-title' },
        h('h2', { id: 'explain-parked-title' }, 'Parked operations on this record'),
        parked.length === 0 ? h('p', { class: 'muted' }, 'None.')
            : table('', ['Seq', 'Operation', 'Kind', 'Received', 'Error'],
                parked.map((operation) => h('tr', {},
                    h('th', { scope: 'row' }, h('a', {
                        href: `#/devices/${encodeURIComponent(explanation.deviceId)}`,
                    }, String(operation.seq))),
                    h('td', {}, h('code', {}, operation.operationId)),
                    h('td', {}, operation.kind),
                    h('td', {}, time(operation.receivedAt)),
                    h('td', {}, operation.error || '')))));

    return h('div', {}, verdict, h('div', { class: 'overview-top' }, recordSection, deviceSection),
        replicaSection, parkedSection);
}
