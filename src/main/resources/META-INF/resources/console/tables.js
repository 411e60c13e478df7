// Tables: every table the gateway serves, with its size, last change and how it syncs.
import { api } from './api.js';
import { errorRegion, h, heading, number, replace, showError, table, time, yesNo } from './dom.js';

export async function tablesPage(main, context) {
    const error = errorRegion();
    const loading = h('p', {}, 'Loading…');
    replace(main, heading('Tables'), error, loading);
    let answer;
    try {
        answer = await api('/admin/tables');
    } catch (e) {
        loading.remove();
        if (!e.isAuthProblem) {
            showError(error, e);
        }
        return;
    }
    if (!context.isCurrent()) {
        return;
    }
    const items = answer.items || [];
    const rows = items.map((item) => h('tr', { 'data-table': item.name },
        h('th', { scope: 'row' }, item.displayName && item.displayName !== item.name
            ? [item.displayName, ' ', h('span', { class: 'muted' }, `(${item.name})`)] : item.name),
        h('td', { class: 'num' }, number(item.rows, 0)),
        h('td', { class: 'num' }, number(item.tombstones, 0)),
        h('td', {}, time(item.lastChange)),
        h('td', {}, item.policy || '—'),
        h('td', {}, item.perUser ? 'each user' : 'everyone (shared)'),
        h('td', {}, yesNo(item.anonymous)),
        h('td', {}, yesNo(item.declared)),
        h('td', {}, yesNo(item.softDelete)),
        h('td', {}, h('a', { href: `#/conflicts?table=${encodeURIComponent(item.name)}` }, 'Conflicts'))));
    loading.remove();
    main.appendChild(items.length === 0
        ? h('p', { class: 'muted' }, 'No tables yet.')
        : table(`${items.length} table${items.length === 1 ? '' : 's'}`,
            ['Table', 'Rows', 'Tombstones', 'Last change', 'Conflict policy', 'Rows belong to', 'Anonymous access',
                'Declared', 'Soft delete', ''], rows, { id: 'tables-table' }));
}
