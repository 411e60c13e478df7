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
        h('td', {}, scopeOf(item)),
        h('td', {}, h('a', { href: `#/conflicts?table=${encodeURIComponent(item.name)}` }, 'Conflicts'))));
    loading.remove();
    main.appendChild(items.length === 0
        ? h('p', { class: 'muted' }, 'No tables yet.')
        : table(`${items.length} table${items.length === 1 ? '' : 's'}`,
            ['Table', 'Rows', 'Tombstones', 'Last change', 'Conflict policy', 'Rows belong to', 'Anonymous access',
                'Declared', 'Soft delete', 'Held here', ''], rows, { id: 'tables-table' }));
}

/** The rows this edge holds of a table (its edge scope), and how far a filter scope is filled from central. */
function scopeOf(item) {
    const scope = item.scope === 'all' ? 'all rows'
        : item.scope === 'owners' ? 'rows of users seen here' : `rows where ${item.scope}`;
    if (!item.fill) {
        return scope;
    }
    const state = item.fill.done
        ? `filled ${time(item.fill.finishedAt)}`
        : `filling: ${number(item.fill.rowsApplied, 0)} rows so far`;
    return [scope, h('br'), h('span', { class: 'muted' }, state)];
}
