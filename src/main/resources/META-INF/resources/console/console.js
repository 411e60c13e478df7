// The console's shell: hash routes, the sign-in view, the sign-out button and the anonymous banner.
import { api, clearToken, getToken, onAuthProblem, setToken } from './api.js';
import { announce, h, replace, showAnonymous } from './dom.js';
import { conflictsPage } from './conflicts.js';
import { devicePage, devicesPage } from './devices.js';
import { explainPage } from './explain.js';
import { overviewPage } from './overview.js';
import { tablesPage } from './tables.js';

const main = document.getElementById('main');
const signOutButton = document.getElementById('sign-out');

/** The pages: each renders into main and may answer a function that stops it (timers) when it is left. */
const routes = {
    overview: overviewPage,
    devices: devicesPage,
    device: devicePage,
    conflicts: conflictsPage,
    tables: tablesPage,
    explain: explainPage,
};

let stopCurrent = null;
let generation = 0;

/** The current route from the hash: {@code #/devices/abc?x=1} -> {name: 'device', id: 'abc', params}. */
export function currentRoute() {
    const hash = window.location.hash.replace(/^#\/?/, '');
    const [pathPart, queryPart] = hash.split('?');
    const segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
    const params = new URLSearchParams(queryPart || '');
    if (segments[0] === 'devices' && segments.length > 1) {
        return { name: 'device', id: segments.slice(1).join('/'), params };
    }
    const name = routes[segments[0]] ? segments[0] : 'overview';
    return { name, params };
}

function stopPage() {
    if (typeof stopCurrent === 'function') {
        try {
            stopCurrent();
        } catch (e) {
            // a page that fails to stop must not keep the next one from rendering
        }
    }
    stopCurrent = null;
}

function markNav(name) {
    const section = name === 'device' ? 'devices' : name;
    for (const link of document.querySelectorAll('nav a[data-route]')) {
        if (link.dataset.route === section) {
            link.setAttribute('aria-current', 'page');
        } else {
            link.removeAttribute('aria-current');
        }
    }
}

/** Renders the page of the current hash. {@code focus}: move the focus to the new page's heading. */
async function render(focus) {
    stopPage();
    const thisGeneration = ++generation;
    const route = currentRoute();
    markNav(route.name);
    updateSignOut();
    main.replaceChildren();
    const page = routes[route.name];
    const context = {
        route,
        isCurrent: () => thisGeneration === generation,
    };
    const titled = route.name.charAt(0).toUpperCase() + route.name.slice(1);
    document.title = `${titled} · EdgeSync console`;
    const stop = await page(main, context);
    if (thisGeneration === generation) {
        stopCurrent = stop || null;
        if (focus) {
            const title = main.querySelector('h1');
            if (title) {
                title.focus();
            }
        }
    } else if (typeof stop === 'function') {
        stop();
    }
}

function updateSignOut() {
    signOutButton.hidden = !getToken();
}

async function probeAnonymous() {
    try {
        const overview = await api('/admin/overview', { quiet: true });
        showAnonymous(Boolean(overview && overview.anonymous));
    } catch (e) {
        // the pages show their own errors; the banner stays as it is
    }
}

/** The sign-in view, instead of the page, after an answer 401 or 403. */
function showSignIn(error) {
    stopPage();
    generation++;
    const forbidden = error.status === 403;
    const hadToken = Boolean(getToken());
    const input = h('textarea', {
        id: 'token', name: 'token', rows: 4, required: true, autocomplete: 'off', spellcheck: 'false',
        'aria-describedby': 'token-help',
    });
    const problem = h('div', { class: 'error', role: 'alert', id: 'sign-in-problem' },
        forbidden
            ? h('p', {}, h('strong', {}, 'This token does not have the admin role. '),
                'Sign in with a token that has it.')
            : h('p', {}, h('strong', {}, hadToken ? 'The gateway did not accept this token. ' : 'Sign-in needed. '),
                'The admin API needs a bearer token with the admin role.'),
        error.detail ? h('p', { class: 'detail' }, `The gateway said: ${error.detail}`) : null);
    const form = h('form', { class: 'sign-in', id: 'sign-in-form' },
        h('label', { for: 'token' }, 'Bearer token'),
        input,
        h('p', { id: 'token-help', class: 'hint' },
            'Paste an access token (a JWT) issued for this gateway. It is kept in this browser tab only '
            + '(session storage) and sent as Authorization: Bearer.'),
        h('button', { type: 'submit' }, 'Sign in'));
    form.addEventListener('submit', (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (!token) {
            input.focus();
            return;
        }
        setToken(token);
        render(true);
        probeAnonymous();
    });
    replace(main, h('section', { class: 'sign-in-view', 'aria-labelledby': 'sign-in-title' },
        h('h1', { id: 'sign-in-title', tabindex: '-1' }, 'Sign in'), problem, form));
    document.title = 'Sign in · EdgeSync console';
    updateSignOut();
    input.focus();
}

onAuthProblem(showSignIn);

signOutButton.addEventListener('click', () => {
    clearToken();
    announce('Signed out.');
    render(true);
});

// The skip link moves the focus to the page's content; following it as a link would change the route.
document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
});

window.addEventListener('hashchange', () => render(true));
if (!window.location.hash) {
    history.replaceState(null, '', '#/overview');
}
render(false);
probeAnonymous();
