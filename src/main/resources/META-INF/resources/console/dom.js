// Small DOM helpers shared by the pages: element building, formatting, errors, confirmation, announcements.

/**
 * Creates an element: {@code attrs} are attributes (class, for, data-*, aria-*), except on* (listeners) and a few
 * properties (value, checked, hidden); children are nodes, strings or arrays of them (null and false are left out).
 */
export function h(tag, attrs = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
        if (value === undefined || value === null || value === false) {
            continue;
        }
        if (name.startsWith('on') && typeof value === 'function') {
            element.addEventListener(name.slice(2).toLowerCase(), value);
        } else if (name === 'value' || name === 'checked' || name === 'hidden' || name === 'disabled') {
            element[name] = value;
        } else {
            element.setAttribute(name, value === true ? '' : String(value));
        }
    }
    append(element, children);
    return element;
}

function append(element, children) {
    for (const child of children) {
        if (child === undefined || child === null || child === false) {
            continue;
        }
        if (Array.isArray(child)) {
            append(element, child);
        } else if (child instanceof Node) {
            element.appendChild(child);
        } else {
            element.appendChild(document.createTextNode(String(child)));
        }
    }
}

/** Replaces the content of {@code element} with {@code children}. */
export function replace(element, ...children) {
    element.replaceChildren();
    append(element, children);
    return element;
}

/** An ISO instant as a {@code <time>} element, shown in the browser's time zone; "never" when absent. */
export function time(iso) {
    if (!iso) {
        return h('span', { class: 'muted' }, 'never');
    }
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) {
        return h('span', {}, String(iso));
    }
    return h('time', { datetime: iso, title: iso }, formatDate(date));
}

function pad(number, width = 2) {
    return String(number).padStart(width, '0');
}

export function formatDate(date) {
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
        + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A duration in seconds as "3 d 4 h", "2 h 5 min", "4 min 12 s" or "12 s". */
export function duration(seconds) {
    const s = Math.max(0, Math.floor(Number(seconds) || 0));
    const days = Math.floor(s / 86400);
    const hours = Math.floor((s % 86400) / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    if (days > 0) {
        return `${days} d ${hours} h`;
    }
    if (hours > 0) {
        return `${hours} h ${minutes} min`;
    }
    if (minutes > 0) {
        return `${minutes} min ${s % 60} s`;
    }
    return `${s} s`;
}

/** A number with at most {@code digits} decimals; an em dash when absent. */
export function number(value, digits = 1) {
    if (value === null || value === undefined || Number.isNaN(Number(value))) {
        return '—';
    }
    const n = Number(value);
    return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

export function yesNo(value) {
    return value ? 'yes' : 'no';
}

/** A region that shows an API error (the problem's status and detail) or nothing. */
export function errorRegion() {
    return h('div', { class: 'error', role: 'alert', hidden: true });
}

/** Shows {@code error} in {@code region}; auth problems are left to the sign-in view. */
export function showError(region, error) {
    if (!region) {
        return;
    }
    if (!error) {
        region.hidden = true;
        region.replaceChildren();
        return;
    }
    const status = error.status ? `Error ${error.status}${error.title ? ` (${error.title})` : ''}: ` : 'Error: ';
    replace(region, h('strong', {}, status), error.detail || error.message || 'unknown error');
    region.hidden = false;
}

/** Announces {@code message} in the console's polite live region (for outcomes of actions). */
let announcementTimer = null;

export function announce(message) {
    const announcer = document.getElementById('announcer');
    if (announcer) {
        announcer.textContent = '';
        window.clearTimeout(announcementTimer);
        // a new text node after clearing, so that screen readers announce a repeated message too; it goes away
        // after a while so that it is not taken for news on the next page
        announcementTimer = window.setTimeout(() => {
            announcer.textContent = message;
            announcementTimer = window.setTimeout(() => {
                announcer.textContent = '';
            }, 10000);
        }, 30);
    }
}

/**
 * Asks for confirmation in a modal {@code <dialog>}: resolves true when the confirm button is pressed, false on
 * cancel or Escape.
 */
export function confirmDialog(title, message, confirmLabel, { danger = true } = {}) {
    return new Promise((resolve) => {
        const confirmButton = h('button', { type: 'submit', value: 'confirm', class: danger ? 'danger' : '' },
            confirmLabel);
        const cancelButton = h('button', { type: 'submit', value: 'cancel', class: 'secondary' }, 'Cancel');
        const heading = h('h2', { id: 'confirm-title' }, title);
        const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' },
            h('form', { method: 'dialog' },
                heading,
                h('p', {}, message),
                h('div', { class: 'actions' }, cancelButton, confirmButton)));
        dialog.addEventListener('close', () => {
            const confirmed = dialog.returnValue === 'confirm';
            dialog.remove();
            resolve(confirmed);
        });
        document.body.appendChild(dialog);
        dialog.showModal();
        cancelButton.focus();
    });
}

/** A table with a caption and column headers ({@code <th scope="col">}). */
export function table(caption, headers, rows, attrs = {}) {
    return h('div', { class: 'table-wrap' },
        h('table', attrs,
            caption ? h('caption', {}, caption) : null,
            h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
            h('tbody', {}, rows)));
}

/** A definition list of label/value pairs. */
export function facts(pairs, attrs = {}) {
    return h('dl', Object.assign({ class: 'facts' }, attrs),
        pairs.map(([label, value, extra]) => h('div', extra || {}, h('dt', {}, label), h('dd', {}, value))));
}

/** The page's heading, focusable so that navigation can move focus to it. */
export function heading(text) {
    return h('h1', { tabindex: '-1' }, text);
}

/** Shows or hides the banner saying that the gateway is anonymous (from /admin/overview). */
export function showAnonymous(anonymous) {
    const banner = document.getElementById('anonymous-banner');
    if (banner) {
        banner.hidden = !anonymous;
    }
}
