'use strict';

/*
 * The offline-sync story of the Azure Mobile Apps JavaScript client SDK (npm azure-mobile-apps-client 2.0.1),
 * run unchanged in Node.js against a running EdgeSync gateway.
 *
 *   node offline-sync-story.js http://localhost:18080
 *
 * The SDK talks HTTP through an XMLHttpRequest polyfill (npm xmlhttprequest) and keeps its local data in
 * memory-store.js. The story checks the server with plain HTTP requests (gateway-http.js). Every row it writes
 * carries a run-unique marker in `text` and a random UUID id, and every pull filters on that marker, so rows that
 * other tests write into the shared `todoitem` table cannot disturb it.
 *
 * Signed in: with STORY_LOGIN_PROVIDER and STORY_LOGIN_ID_TOKEN (an id token of that provider) in the environment,
 * the story first signs in as the SDK does (client.login(provider, {id_token}) -> POST /.auth/login/{provider}),
 * every further device signs in with the kept session token (client.login(token) -> POST /.auth/login), the plain
 * HTTP checks send the session token too, and a last step signs in a second user with an access token
 * (STORY_OTHER_ACCESS_TOKEN, client.login(provider, {access_token})) who must see none of the first user's rows.
 *
 * Exit code 0 and a last line "OFFLINE-SYNC-STORY OK" when every step passes; otherwise exit code 1 and a line
 * "OFFLINE-SYNC-STORY FAILED at step <step>: <what>".
 */

const crypto = require('crypto');

// The SDK's web platform picks its transport from global.XMLHttpRequest (Transports/DirectAjaxTransport.js).
global.XMLHttpRequest = require('xmlhttprequest').XMLHttpRequest;

const { MobileServiceClient, Query } = require('azure-mobile-apps-client');
const MemoryStore = require('./memory-store');
const GatewayHttp = require('./gateway-http');
const {
    StoryFailure, WireRecorder, byId, check, checkEqual, fail, format, reviveDates, sorted,
} = require('./story-support');

const TABLE = 'todoitem';
const LOCAL_COLUMNS = {
    id: 'string',
    text: 'string',
    complete: 'boolean',
    version: 'string',
    createdAt: 'date',
    updatedAt: 'date',
    deleted: 'boolean',
};
const ISO_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TIMEOUT_SECONDS = Number(process.env.STORY_TIMEOUT_SECONDS || 110);

const baseUrl = process.argv[2];
if (!baseUrl || !/^https?:\/\//.test(baseUrl)) {
    console.error('usage: node offline-sync-story.js <gateway base URL, e.g. http://localhost:18080>');
    process.exit(2);
}

const LOGIN = process.env.STORY_LOGIN_PROVIDER ? {
    provider: process.env.STORY_LOGIN_PROVIDER,
    idToken: process.env.STORY_LOGIN_ID_TOKEN,
    otherAccessToken: process.env.STORY_OTHER_ACCESS_TOKEN,
} : null;

const RUN = 'jsc-' + crypto.randomBytes(6).toString('hex');
const QUERY_ID = 'story-' + RUN;
const http = new GatewayHttp(baseUrl);
const wire = new WireRecorder((line) => console.log(line));
const labels = new Map();
let currentStep = 'startup';
/** The session token of the signed-in user, when the story runs signed in. */
let sessionToken = null;

function log(line) {
    console.log('    ' + line);
}

/** A new random id, remembered with a label for messages. */
function newId(label) {
    const id = crypto.randomUUID();
    labels.set(id, label);
    return id;
}

function label(id) {
    return labels.has(id) ? labels.get(id) + ' (' + id + ')' : id;
}

function text(what) {
    return RUN + ' ' + what;
}

/** The story's pull and purge query: only this run's rows. */
function ownRows(tableName) {
    return new Query(tableName).where(function (marker) {
        return this.text.indexOf(marker) >= 0;
    }, RUN);
}

async function step(name, work) {
    currentStep = name;
    console.log('--- step ' + name);
    await work();
    log('ok');
}

// ---------------------------------------------------------------------------------------------------------------
// Server-side checks (plain HTTP)

/** This run's rows on the server, by id; tombstones included when asked. */
async function serverRows(includeDeleted) {
    const response = await http.query(TABLE, "indexof(text,'" + RUN + "') ge 0", includeDeleted);
    check(response.status === 200 && Array.isArray(response.json),
        () => 'plain GET of this run\'s rows should answer 200 with an array: ' + response.describe());
    return byId(response.json);
}

async function serverItem(id) {
    const response = await http.getItem(TABLE, id);
    check(response.status === 200, () => 'GET ' + label(id) + ' should answer 200: ' + response.describe());
    check(response.etag === '"' + response.json.version + '"',
        () => 'ETag of ' + label(id) + ' should be "<version>": ' + response.etag + ' vs ' + response.json.version);
    check(response.json.deleted === false, () => label(id) + ' should be live: ' + response.describe());
    return response.json;
}

async function expectServerDeleted(id) {
    const live = await http.getItem(TABLE, id);
    check(live.status === 404, () => 'GET of deleted ' + label(id) + ' should answer 404: ' + live.describe());
    const all = await serverRows(true);
    check(all.has(id) && all.get(id).deleted === true,
        () => label(id) + ' should be listed with deleted:true when __includeDeleted=true: ' + format(all.get(id)));
    return all.get(id);
}

async function serverChange(response, expectedStatus, what) {
    check(response.status === expectedStatus,
        () => what + ' (plain HTTP) should answer ' + expectedStatus + ': ' + response.describe());
    return response.json;
}

// ---------------------------------------------------------------------------------------------------------------
// Local-store checks

async function pendingOperations(store, tableName) {
    const query = new Query('__operations').where(function (name) {
        return this.tableName === name;
    }, tableName).orderBy('id');
    return store.read(query);
}

async function expectPending(store, tableName, expected, what) {
    const operations = await pendingOperations(store, tableName);
    checkEqual(operations.map((op) => [op.action, label(op.itemId)]),
        expected.map(([action, id]) => [action, label(id)]), what + ': pending operations');
    return operations;
}

function pulltime(store, tableName) {
    return store.dump('__pulltime').filter((row) => row.tableName === tableName);
}

function localOwnRows(store, tableName) {
    return store.dump(tableName).filter((row) => typeof row.text === 'string' && row.text.indexOf(RUN) >= 0);
}

/** The local table holds exactly this run's live server rows, with the server's values and versions. */
async function expectLocalMatchesServer(store, tableName, what) {
    const server = await serverRows(false);
    const local = byId(localOwnRows(store, tableName));
    checkEqual(sorted(Array.from(local.keys()).map(label)), sorted(Array.from(server.keys()).map(label)),
        what + ': ids in the local store vs live rows on the server');
    for (const [id, serverRow] of server) {
        const localRow = local.get(id);
        const where = what + ': ' + label(id);
        checkEqual(localRow.text, serverRow.text, where + ' text');
        checkEqual(localRow.complete, serverRow.complete, where + ' complete');
        checkEqual(localRow.version, serverRow.version, where + ' version');
        check(localRow.updatedAt instanceof Date && localRow.updatedAt.getTime() === Date.parse(serverRow.updatedAt),
            () => where + ' updatedAt: local ' + format(localRow.updatedAt) + ' vs server ' + serverRow.updatedAt);
        check(localRow.createdAt instanceof Date && localRow.createdAt.getTime() === Date.parse(serverRow.createdAt),
            () => where + ' createdAt: local ' + format(localRow.createdAt) + ' vs server ' + serverRow.createdAt);
        checkEqual(localRow.deleted, false, where + ' deleted');
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Pull analysis (from the recorded SDK requests)

function watermarkOf(entry) {
    const match = /updatedAt ge datetimeoffset'([^']+)'/.exec(entry.parameters.$filter || '');
    return match ? match[1] : undefined;
}

/** Checks the requests of one pull and returns the rows the server delivered, in order. */
function checkPullRequests(entries, tableName, pageSize, what) {
    check(entries.length >= 1, what + ': the pull sent no request');
    const delivered = [];
    entries.forEach((entry, index) => {
        const where = what + ': pull request #' + (index + 1) + ' ' + entry.url;
        checkEqual(entry.method, 'GET', where + ' method');
        checkEqual(entry.path, '/tables/' + tableName, where + ' path');
        checkEqual(entry.status, 200, where + ' status (response: ' + String(entry.responseText).slice(0, 300) + ')');
        checkEqual(entry.headers['ZUMO-API-VERSION'], '2.0.0', where + ' ZUMO-API-VERSION header');
        checkEqual(entry.parameters.__includeDeleted, 'true', where + ' __includeDeleted');
        checkEqual(entry.parameters.$orderby, 'updatedAt', where + ' $orderby');
        checkEqual(entry.parameters.$top, String(pageSize), where + ' $top');
        check(String(entry.parameters.$filter).indexOf("indexof(text,'" + RUN + "') ge 0") >= 0,
            () => where + ': $filter should keep the user filter: ' + entry.parameters.$filter);
        check(watermarkOf(entry) !== undefined, () => where + ': $filter has no updatedAt watermark: ' + entry.parameters.$filter);
        check(Array.isArray(entry.json), () => where + ': response should be a JSON array: ' + entry.responseText);
        for (const row of entry.json) {
            check(typeof row.deleted === 'boolean', () => where + ': row without boolean deleted: ' + format(row));
            check(typeof row.updatedAt === 'string' && ISO_MILLIS.test(row.updatedAt),
                () => where + ': updatedAt must be UTC with 3 fraction digits: ' + format(row));
            check(typeof row.version === 'string' && row.version.length > 0, () => where + ': row without version: ' + format(row));
            delivered.push(row);
        }
    });
    checkEqual(entries[entries.length - 1].json.length, 0, what + ': a pull ends with an empty page');
    return delivered;
}

function deliveredIds(rows) {
    return sorted(new Set(rows.map((row) => label(row.id))));
}

function maxUpdatedAt(rows) {
    return Math.max.apply(null, Array.from(rows).map((row) => Date.parse(row.updatedAt)));
}

// ---------------------------------------------------------------------------------------------------------------
// Push helpers

/** Push handler callbacks whose failures are kept: the SDK swallows an exception thrown by a handler. */
const handlerFailures = [];

function guarded(callback) {
    return function (pushError) {
        return Promise.resolve()
            .then(() => callback(pushError))
            .catch((error) => {
                handlerFailures.push(error);
                throw error;
            });
    };
}

function unexpected(kind) {
    return guarded((pushError) => fail('unexpected push ' + kind + ' for ' + pushError.getAction() + ' of ' +
        label(pushError.getClientRecord() ? pushError.getClientRecord().id : '?') + ': HTTP ' +
        (pushError.getError().request ? pushError.getError().request.status : '?') + ' ' + pushError.getError().message));
}

async function push(context, what) {
    handlerFailures.length = 0;
    let conflicts;
    try {
        conflicts = await context.push();
    } finally {
        if (handlerFailures.length > 0) {
            throw handlerFailures[0];
        }
    }
    check(Array.isArray(conflicts), () => what + ': push should resolve with an array of conflicts: ' + format(conflicts));
    return conflicts;
}

function checkRequest(entry, method, path, status, what) {
    check(entry !== undefined, () => what + ': expected ' + method + ' ' + path + ' but the SDK sent nothing');
    checkEqual(entry.method + ' ' + entry.path, method + ' ' + path, what + ': request');
    check(Array.isArray(status) ? status.includes(entry.status) : entry.status === status,
        () => what + ': ' + method + ' ' + path + ' should answer ' + status + ' but answered ' + entry.status + ' ' +
            String(entry.responseText).slice(0, 300));
    checkEqual(entry.headers['ZUMO-API-VERSION'], '2.0.0', what + ': ZUMO-API-VERSION header');
}

function checkNoSystemProperties(entry, what) {
    const body = JSON.parse(entry.body);
    for (const name of ['createdAt', 'updatedAt', 'version', 'deleted']) {
        check(!(name in body), () => what + ': the SDK should not send ' + name + ' in ' + entry.body);
    }
    return body;
}

// ---------------------------------------------------------------------------------------------------------------

async function newDevice(tableName, withRecorder) {
    const store = new MemoryStore();
    await store.defineTable({ name: tableName, columnDefinitions: LOCAL_COLUMNS });
    let client = new MobileServiceClient(baseUrl);
    if (sessionToken) {
        // a device of the same user signs in with the kept token, as apps do at start (before the recorder)
        const user = await client.login(sessionToken);
        checkEqual(user.mobileServiceAuthenticationToken, sessionToken, 'the session token after a login with it');
    }
    if (withRecorder) {
        client = client.withFilter(wire.filter);
    }
    const context = client.getSyncContext();
    await context.initialize(store);
    return { store: store, client: client, context: context, table: client.getSyncTable(tableName) };
}

async function main() {
    console.log('azure-mobile-apps-client ' + require('azure-mobile-apps-client/package.json').version +
        ' offline-sync story against ' + baseUrl + ' (run marker ' + RUN + ')');

    const A = newId('a');
    const B = newId('b');
    const C = newId('c');
    const D = newId('d');
    const E = newId('e');
    const G = newId('g');
    const H = newId('h');
    const F = newId('f (created on the server)');
    const K = newId('k (created on the server)');
    const P = newId('p (never pushed)');
    const T = newId('t (through TodoItem)');
    let store;
    let context;
    let table;

    if (LOGIN) {
        await step('sign in with the provider\'s id token, as the SDK does', async () => {
            const client = new MobileServiceClient(baseUrl);
            const user = await client.login(LOGIN.provider, { id_token: LOGIN.idToken });
            check(typeof user.userId === 'string' && user.userId.startsWith(LOGIN.provider + ':'),
                () => 'the signed-in user should be named by the provider: ' + format(user));
            checkEqual(client.currentUser.userId, user.userId, 'the client\'s current user');
            check(typeof user.mobileServiceAuthenticationToken === 'string' &&
                user.mobileServiceAuthenticationToken.split('.').length === 3,
                () => 'the SDK should keep the gateway\'s session token: ' + format(user));
            sessionToken = user.mobileServiceAuthenticationToken;
            http.authToken = sessionToken;
            log('signed in as ' + user.userId);
        });
    }

    await step('0: the gateway answers the v2 table protocol', async () => {
        const response = await http.request('GET', '/tables/' + TABLE + '?$top=1');
        check(response.status === 200 && Array.isArray(response.json),
            () => 'GET /tables/todoitem should answer 200 with a JSON array: ' + response.describe());
    });

    await step('1: define the local todoitem table and get a sync table', async () => {
        const device = await newDevice(TABLE, true);
        store = device.store;
        context = device.context;
        table = device.table;
        checkEqual(table.getTableName(), TABLE, 'sync table name');
        checkEqual(await table.read(), [], 'the new local table');
        checkEqual(store.dump('__operations'), [], 'the operation table defined by the sync context');
        checkEqual(store.dump('__pulltime'), [], 'the pull-time table defined by the sync context');
        checkEqual(wire.entries.length, 0, 'requests sent while initialising');
    });

    await step('2: insert, update and delete while offline', async () => {
        const mark = wire.mark();
        for (const [id, what] of [[A, 'a'], [B, 'b'], [C, 'c'], [D, 'd'], [E, 'e'], [G, 'g'], [H, 'h']]) {
            const inserted = await table.insert({ id: id, text: text(what), complete: false });
            checkEqual(inserted.id, id, 'id of the inserted item');
        }
        await table.update({ id: A, text: text('a edited offline'), complete: true });
        await table.del({ id: E });

        await expectPending(store, TABLE, [['insert', A], ['insert', B], ['insert', C], ['insert', D], ['insert', G],
            ['insert', H]], 'insert+update collapses into the insert, insert+delete cancels out');
        const a = await table.lookup(A);
        checkEqual([a.text, a.complete, a.version], [text('a edited offline'), true, null], 'local a');
        checkEqual(await table.lookup(E, true), undefined, 'local e after its delete');
        checkEqual(localOwnRows(store, TABLE).length, 6, 'local rows');
        checkEqual(wire.since(mark).length, 0, 'requests sent while offline');
        checkEqual((await serverRows(true)).size, 0, 'rows of this run on the server before the push');
    });

    await step('3: push, and check the server with plain HTTP', async () => {
        // 3a: the six inserts
        let mark = wire.mark();
        checkEqual((await push(context, 'first push')).length, 0, 'conflicts of the first push');
        const posts = wire.since(mark);
        checkEqual(posts.length, 6, 'requests of the first push');
        [A, B, C, D, G, H].forEach((id, index) => {
            checkRequest(posts[index], 'POST', '/tables/' + TABLE, 201, 'insert of ' + label(id));
            const body = checkNoSystemProperties(posts[index], 'insert of ' + label(id));
            checkEqual(body.id, id, 'id sent for ' + label(id));
        });
        checkEqual(JSON.parse(posts[0].body), { id: A, text: text('a edited offline'), complete: true },
            'the insert of a carries the row as it is now');
        await expectPending(store, TABLE, [], 'after the first push');

        const server = {};
        for (const [id, what, complete] of [[A, 'a edited offline', true], [B, 'b', false], [C, 'c', false],
            [D, 'd', false], [G, 'g', false], [H, 'h', false]]) {
            server[id] = await serverItem(id);
            checkEqual([server[id].text, server[id].complete], [text(what), complete], 'server row ' + label(id));
        }
        const e = await http.getItem(TABLE, E);
        check(e.status === 404, () => 'e was deleted before it was pushed, the server must not know it: ' + e.describe());
        await expectLocalMatchesServer(store, TABLE, 'after the first push');

        // 3b: an update and deletes of rows the server knows
        const b = await table.lookup(B);
        b.text = text('b edited offline');
        await table.update(b);
        await table.del(await table.lookup(C));
        const d = await table.lookup(D);
        d.complete = true;
        await table.update(d);
        await table.del({ id: D });
        const pending = await expectPending(store, TABLE, [['update', B], ['delete', C], ['delete', D]],
            'update, delete, update+delete');
        checkEqual(pending.map((op) => op.metadata && op.metadata.version),
            [server[B].version, server[C].version, server[D].version], 'versions kept with the pending operations');

        mark = wire.mark();
        checkEqual((await push(context, 'second push')).length, 0, 'conflicts of the second push');
        const requests = wire.since(mark);
        checkEqual(requests.length, 3, 'requests of the second push');
        checkRequest(requests[0], 'PATCH', '/tables/' + TABLE + '/' + B, 200, 'update of b');
        checkEqual(requests[0].headers['If-Match'], '"' + server[B].version + '"', 'If-Match of the update of b');
        checkEqual(checkNoSystemProperties(requests[0], 'update of b'), { id: B, text: text('b edited offline'), complete: false },
            'body of the update of b');
        checkRequest(requests[1], 'DELETE', '/tables/' + TABLE + '/' + C, [200, 204], 'delete of c');
        checkEqual(requests[1].headers['If-Match'], '"' + server[C].version + '"', 'If-Match of the delete of c');
        checkRequest(requests[2], 'DELETE', '/tables/' + TABLE + '/' + D, [200, 204], 'delete of d');
        checkEqual(requests[2].headers['If-Match'], '"' + server[D].version + '"', 'If-Match of the delete of d');

        const b2 = await serverItem(B);
        checkEqual(b2.text, text('b edited offline'), 'server b after the update');
        check(b2.version !== server[B].version, 'the update of b should give it a new version');
        await expectServerDeleted(C);
        await expectServerDeleted(D);
        await expectPending(store, TABLE, [], 'after the second push');
        await expectLocalMatchesServer(store, TABLE, 'after the second push');
    });

    await step('4: incremental pull with a query id, server-side changes, pull again', async () => {
        const query = ownRows(TABLE);

        // 4a: the first incremental pull starts from the beginning
        let mark = wire.mark();
        await table.pull(query, QUERY_ID);
        let rows = checkPullRequests(wire.since(mark), TABLE, 50, 'first incremental pull');
        const first = wire.since(mark)[0];
        check(/^1969-/.test(watermarkOf(first)), () => 'the first incremental pull should start at the SDK\'s 1969 epoch: ' +
            first.parameters.$filter);
        let all = await serverRows(true);
        checkEqual(deliveredIds(rows), sorted(Array.from(all.keys()).map(label)),
            'the first incremental pull delivers every row of this run, tombstones included');
        let marks = pulltime(store, TABLE);
        checkEqual(marks.map((row) => row.id), [QUERY_ID], 'pull-time rows after the first incremental pull');
        checkEqual(marks[0].value.getTime(), maxUpdatedAt(all.values()), 'stored watermark = newest updatedAt');
        await expectLocalMatchesServer(store, TABLE, 'after the first incremental pull');

        // 4b: another client changes rows on the server
        const before = await serverRows(true);
        const watermark = marks[0].value.getTime();
        const a = await serverItem(A);
        await serverChange(await http.update(TABLE, { id: A, text: text('a edited on the server') }, a.version), 200,
            'update of a on the server');
        await serverChange(await http.remove(TABLE, B, (await serverItem(B)).version), 200, 'soft delete of b on the server');
        await serverChange(await http.insert(TABLE, { id: F, text: text('f'), complete: false }), 201,
            'insert of f on the server');

        mark = wire.mark();
        await table.pull(query, QUERY_ID, { pageSize: 2 });
        const entries = wire.since(mark);
        rows = checkPullRequests(entries, TABLE, 2, 'second incremental pull');
        checkEqual(Date.parse(watermarkOf(entries[0])), watermark, 'the second pull starts at the stored watermark');
        const changed = [A, B, F];
        const atWatermark = Array.from(before.values()).filter((row) => Date.parse(row.updatedAt) === watermark)
            .map((row) => row.id);
        for (const id of changed) {
            check(rows.some((row) => row.id === id), () => 'the second pull should deliver the change of ' + label(id) +
                '; delivered ' + format(deliveredIds(rows)));
        }
        for (const row of rows) {
            check(changed.includes(row.id) || atWatermark.includes(row.id), () => 'the second pull should deliver only ' +
                'changes (and the row at the watermark), but delivered ' + label(row.id));
        }
        const deletedB = rows.filter((row) => row.id === B);
        check(deletedB.every((row) => row.deleted === true), () => 'b should arrive as a tombstone: ' + format(deletedB));
        checkEqual(await table.lookup(B, true), undefined, 'local b after the server-side delete was pulled');
        checkEqual((await table.lookup(F)).text, text('f'), 'local f after the pull');
        checkEqual((await table.lookup(A)).text, text('a edited on the server'), 'local a after the pull');
        await expectLocalMatchesServer(store, TABLE, 'after the second incremental pull');
        all = await serverRows(true);
        marks = pulltime(store, TABLE);
        checkEqual(marks[0].value.getTime(), maxUpdatedAt(all.values()), 'watermark after the second pull');

        // 4c: nothing changed: only the row at the watermark comes again (ge), then an empty page
        mark = wire.mark();
        await table.pull(query, QUERY_ID);
        rows = checkPullRequests(wire.since(mark), TABLE, 50, 'third incremental pull');
        const newest = marks[0].value.getTime();
        for (const row of rows) {
            checkEqual(Date.parse(row.updatedAt), newest, 'with nothing changed, the third pull only re-reads the ' +
                'watermark row, but delivered ' + label(row.id) + ' updatedAt');
        }
        await expectLocalMatchesServer(store, TABLE, 'after the third incremental pull');
    });

    await step('5: full (vanilla) pull with a null query id', async () => {
        const g = await serverItem(G);
        await serverChange(await http.update(TABLE, { id: G, complete: true }, g.version), 200, 'update of g on the server');
        await serverChange(await http.insert(TABLE, { id: K, text: text('k'), complete: false }), 201,
            'insert of k on the server');
        const marksBefore = store.dump('__pulltime');

        const mark = wire.mark();
        await table.pull(ownRows(TABLE), null, { pageSize: 2 });
        const entries = wire.since(mark);
        const rows = checkPullRequests(entries, TABLE, 2, 'vanilla pull');
        check(/^1969-/.test(watermarkOf(entries[0])), () => 'a vanilla pull starts at the SDK\'s 1969 epoch: ' +
            entries[0].parameters.$filter);
        const all = await serverRows(true);
        checkEqual(deliveredIds(rows), sorted(Array.from(all.keys()).map(label)),
            'the vanilla pull delivers every row of this run, tombstones included');
        checkEqual(store.dump('__pulltime'), marksBefore, 'a vanilla pull stores no watermark');
        checkEqual((await table.lookup(G)).complete, true, 'local g after the vanilla pull');
        checkEqual((await table.lookup(K)).text, text('k'), 'local k after the vanilla pull');
        await expectLocalMatchesServer(store, TABLE, 'after the vanilla pull');

        // A second, empty device gets the same rows with a vanilla pull (default query id: undefined)
        const fresh = await newDevice(TABLE, false);
        await fresh.table.pull(ownRows(TABLE));
        await expectLocalMatchesServer(fresh.store, TABLE, 'a fresh device after a vanilla pull');
        checkEqual(fresh.store.dump('__pulltime'), [], 'pull-time rows of the fresh device');
    });

    await step('6: 412 conflicts: resolved with the server copy, discarded, and left to the caller', async () => {
        // 6a: cancelAndUpdate(serverRecord)
        const localA = await table.lookup(A);
        const serverA = await serverChange(await http.update(TABLE, { id: A, text: text('a edited on the server again') },
            localA.version), 200, 'update of a on the server');
        localA.text = text('a edited locally with a stale version');
        await table.update(localA);
        const seen = [];
        context.pushHandler = {
            onConflict: guarded(async (pushError) => {
                seen.push(pushError);
                check(pushError.isConflict(), 'a 412 is a conflict');
                checkEqual(pushError.getError().request.status, 412, 'status of the conflict on a');
                checkEqual(pushError.getAction(), 'update', 'action of the conflict on a');
                checkEqual(pushError.getTableName(), TABLE, 'table of the conflict on a');
                checkEqual(pushError.getClientRecord().text, localA.text, 'client record of the conflict on a');
                const serverRecord = pushError.getServerRecord();
                check(serverRecord, 'the conflict on a should carry the server record (412 body)');
                checkEqual([serverRecord.id, serverRecord.text, serverRecord.version], [A, serverA.text, serverA.version],
                    'server record of the conflict on a');
                await pushError.cancelAndUpdate(reviveDates(serverRecord));
            }),
            onError: unexpected('error'),
        };
        let mark = wire.mark();
        checkEqual((await push(context, 'push of the stale update of a')).length, 0, 'unresolved conflicts');
        checkEqual(seen.length, 1, 'conflict callbacks for a');
        let requests = wire.since(mark);
        checkEqual(requests.length, 1, 'requests of the push of a');
        checkRequest(requests[0], 'PATCH', '/tables/' + TABLE + '/' + A, 412, 'stale update of a');
        checkEqual(requests[0].headers['If-Match'], '"' + localA.version + '"', 'If-Match of the stale update of a');
        checkEqual(requests[0].etag, '"' + serverA.version + '"', 'ETag of the 412 response');
        await expectPending(store, TABLE, [], 'after cancelAndUpdate');
        const a = await serverItem(A);
        checkEqual([a.text, a.version], [serverA.text, serverA.version], 'server a is untouched by the stale update');
        await expectLocalMatchesServer(store, TABLE, 'after cancelAndUpdate');

        // 6b: cancelAndDiscard()
        const localF = await table.lookup(F);
        const serverF = await serverChange(await http.update(TABLE, { id: F, complete: true }, localF.version), 200,
            'update of f on the server');
        localF.text = text('f edited locally with a stale version');
        await table.update(localF);
        seen.length = 0;
        context.pushHandler = {
            onConflict: guarded(async (pushError) => {
                seen.push(pushError);
                checkEqual(pushError.getServerRecord().version, serverF.version, 'server version in the conflict on f');
                await pushError.cancelAndDiscard();
            }),
            onError: unexpected('error'),
        };
        mark = wire.mark();
        checkEqual((await push(context, 'push of the stale update of f')).length, 0, 'unresolved conflicts');
        checkEqual(seen.length, 1, 'conflict callbacks for f');
        checkRequest(wire.since(mark)[0], 'PATCH', '/tables/' + TABLE + '/' + F, 412, 'stale update of f');
        checkEqual(await table.lookup(F, true), undefined, 'local f after cancelAndDiscard');
        await expectPending(store, TABLE, [], 'after cancelAndDiscard');
        const f = await serverItem(F);
        checkEqual([f.text, f.complete, f.version], [text('f'), true, serverF.version], 'server f is untouched');
        await table.pull(ownRows(TABLE), QUERY_ID);
        checkEqual((await table.lookup(F)).version, serverF.version, 'f comes back with the next incremental pull');
        await expectLocalMatchesServer(store, TABLE, 'after cancelAndDiscard and a pull');

        // 6c: no conflict handler: push completes and reports the conflict; the caller resolves it (client wins)
        const localG = await table.lookup(G);
        const serverG = await serverChange(await http.update(TABLE, { id: G, text: text('g edited on the server') },
            localG.version), 200, 'update of g on the server');
        localG.text = text('g edited locally');
        await table.update(localG);
        context.pushHandler = undefined;
        const conflicts = await push(context, 'push of the stale update of g without a handler');
        checkEqual(conflicts.length, 1, 'conflicts reported by a push without a handler');
        const conflict = conflicts[0];
        check(conflict.isConflict() && conflict.isHandled === false, 'the reported conflict is a conflict, not handled');
        checkEqual(conflict.getAction(), 'update', 'action of the reported conflict');
        checkEqual(conflict.getServerRecord().version, serverG.version, 'server version in the reported conflict');
        await expectPending(store, TABLE, [['update', G]], 'the unresolved update stays queued');
        checkEqual((await table.lookup(G)).text, localG.text, 'local g keeps the local edit');

        const winner = reviveDates(conflict.getServerRecord());
        winner.text = localG.text;
        winner.complete = localG.complete;
        await conflict.update(winner);
        const queued = await expectPending(store, TABLE, [['update', G]], 'after update(serverVersion)');
        checkEqual(queued[0].metadata.version, serverG.version, 'the queued update now carries the server version');
        mark = wire.mark();
        context.pushHandler = { onConflict: unexpected('conflict'), onError: unexpected('error') };
        checkEqual((await push(context, 'push of g with the server version')).length, 0, 'conflicts');
        requests = wire.since(mark);
        checkEqual(requests.length, 1, 'requests of the push of g');
        checkRequest(requests[0], 'PATCH', '/tables/' + TABLE + '/' + G, 200, 'update of g with the server version');
        checkEqual(requests[0].headers['If-Match'], '"' + serverG.version + '"', 'If-Match of the update of g');
        const g = await serverItem(G);
        checkEqual(g.text, localG.text, 'server g has the client\'s text');
        await expectPending(store, TABLE, [], 'after the client-wins push');
        await expectLocalMatchesServer(store, TABLE, 'after the client-wins push');
    });

    await step('7: local changes to rows deleted on the server: 404 push errors', async () => {
        // 7a: update of a row that the server soft-deleted
        const serverA = await serverItem(A);
        await serverChange(await http.remove(TABLE, A, serverA.version), 200, 'soft delete of a on the server');
        const localA = await table.lookup(A);
        localA.text = text('a edited locally after the server deleted it');
        await table.update(localA);
        const seen = [];
        context.pushHandler = {
            onConflict: unexpected('conflict'),
            onError: guarded((pushError) => {
                seen.push({ status: pushError.getError().request.status, action: pushError.getAction(),
                    conflict: pushError.isConflict() });
            }),
        };
        let mark = wire.mark();
        let rejection;
        try {
            await push(context, 'push of the update of a deleted row, error not handled');
        } catch (error) {
            if (error instanceof StoryFailure) {
                throw error;
            }
            rejection = error;
        }
        check(rejection, 'a push whose error is not handled should fail');
        checkEqual(seen, [{ status: 404, action: 'update', conflict: false }], 'errors seen by onError');
        checkRequest(wire.since(mark)[0], 'PATCH', '/tables/' + TABLE + '/' + A, 404, 'update of the deleted a');
        await expectPending(store, TABLE, [['update', A]], 'the failed update stays queued');

        context.pushHandler = {
            onConflict: unexpected('conflict'),
            onError: guarded(async (pushError) => {
                checkEqual(pushError.getError().request.status, 404, 'status in onError');
                await pushError.cancelAndDiscard();
            }),
        };
        mark = wire.mark();
        checkEqual((await push(context, 'push of the update of a deleted row, discarded')).length, 0, 'conflicts');
        checkRequest(wire.since(mark)[0], 'PATCH', '/tables/' + TABLE + '/' + A, 404, 'update of the deleted a again');
        await expectPending(store, TABLE, [], 'after discarding the update of a');
        checkEqual(await table.lookup(A, true), undefined, 'local a after cancelAndDiscard');
        const tombstone = await expectServerDeleted(A);
        checkEqual(tombstone.text, serverA.text, 'server a keeps its text: the local edit never reached it');

        // 7b: delete of a row that the server already deleted
        const serverH = await serverItem(H);
        await serverChange(await http.remove(TABLE, H, serverH.version), 200, 'soft delete of h on the server');
        await table.del({ id: H });
        seen.length = 0;
        context.pushHandler = {
            onConflict: unexpected('conflict'),
            onError: guarded(async (pushError) => {
                seen.push({ status: pushError.getError().request.status, action: pushError.getAction() });
                await pushError.cancel();
            }),
        };
        mark = wire.mark();
        checkEqual((await push(context, 'push of the delete of a deleted row')).length, 0, 'conflicts');
        checkEqual(seen, [{ status: 404, action: 'delete' }], 'errors seen by onError');
        checkRequest(wire.since(mark)[0], 'DELETE', '/tables/' + TABLE + '/' + H, 404, 'delete of the deleted h');
        await expectPending(store, TABLE, [], 'after cancelling the delete of h');
        await expectServerDeleted(H);
        await table.pull(ownRows(TABLE), QUERY_ID);
        await expectLocalMatchesServer(store, TABLE, 'after the 404s and a pull');
    });

    await step('8: purge', async () => {
        const query = ownRows(TABLE);
        context.pushHandler = { onConflict: unexpected('conflict'), onError: unexpected('error') };
        await table.insert({ id: P, text: text('p'), complete: false });
        const rowsBefore = localOwnRows(store, TABLE).length;
        check(rowsBefore >= 3, () => 'the purge needs local rows, found ' + rowsBefore);

        // 8a: pending operations block a purge without force
        let rejection;
        try {
            await table.purge(query);
        } catch (error) {
            rejection = error;
        }
        check(rejection && /pending operations/.test(rejection.message),
            () => 'a purge with pending operations should fail: ' + format(rejection));
        checkEqual(localOwnRows(store, TABLE).length, rowsBefore, 'local rows after the refused purge');
        await expectPending(store, TABLE, [['insert', P]], 'after the refused purge');
        checkEqual(pulltime(store, TABLE).length, 1, 'pull-time rows after the refused purge');

        // 8b: a forced purge drops rows, pending operations and the incremental-pull state
        const mark = wire.mark();
        await table.purge(query, true);
        checkEqual(localOwnRows(store, TABLE), [], 'local rows after the forced purge');
        await expectPending(store, TABLE, [], 'after the forced purge');
        checkEqual(pulltime(store, TABLE), [], 'pull-time rows after the forced purge');
        checkEqual(wire.since(mark).length, 0, 'requests sent by a purge');
        const p = await http.getItem(TABLE, P);
        check(p.status === 404, () => 'p was purged before it was pushed: ' + p.describe());

        // 8c: the next incremental pull with the same query id starts from the beginning again
        const pullFromScratch = async (what) => {
            const start = wire.mark();
            await table.pull(query, QUERY_ID);
            const entries = wire.since(start);
            const rows = checkPullRequests(entries, TABLE, 50, what);
            check(/^1969-/.test(watermarkOf(entries[0])), () => what + ' should start at the 1969 epoch: ' +
                entries[0].parameters.$filter);
            checkEqual(deliveredIds(rows), sorted(Array.from((await serverRows(true)).keys()).map(label)),
                what + ' delivers every row of this run again');
            await expectLocalMatchesServer(store, TABLE, what);
        };
        await pullFromScratch('incremental pull after the forced purge');

        // 8d: a purge without pending operations needs no force
        await table.purge(query);
        checkEqual(localOwnRows(store, TABLE), [], 'local rows after the purge');
        checkEqual(pulltime(store, TABLE), [], 'pull-time rows after the purge');
        await pullFromScratch('incremental pull after the purge');
    });

    await step('9: the same table through the TodoItem spelling the .NET clients use', async () => {
        const device = await newDevice('TodoItem', true);
        const todoItem = device.table;
        device.context.pushHandler = { onConflict: unexpected('conflict'), onError: unexpected('error') };
        await todoItem.insert({ id: T, text: text('t'), complete: false });
        let mark = wire.mark();
        await push(device.context, 'push through TodoItem');
        checkRequest(wire.since(mark)[0], 'POST', '/tables/TodoItem', 201, 'insert through TodoItem');
        checkEqual((await serverItem(T)).text, text('t'), 'the row inserted through TodoItem, read through todoitem');

        mark = wire.mark();
        await todoItem.pull(ownRows('TodoItem'), 'TodoItem-' + RUN);
        checkPullRequests(wire.since(mark), 'TodoItem', 50, 'incremental pull through TodoItem');
        await expectLocalMatchesServer(device.store, 'TodoItem', 'after a pull through TodoItem');

        const t = await todoItem.lookup(T);
        t.complete = true;
        await todoItem.update(t);
        await todoItem.del({ id: K });
        mark = wire.mark();
        await push(device.context, 'second push through TodoItem');
        const requests = wire.since(mark);
        checkRequest(requests[0], 'PATCH', '/tables/TodoItem/' + T, 200, 'update through TodoItem');
        checkRequest(requests[1], 'DELETE', '/tables/TodoItem/' + K, [200, 204], 'delete through TodoItem');
        checkEqual((await serverItem(T)).complete, true, 'server t after the update through TodoItem');
        await expectServerDeleted(K);
        await todoItem.pull(ownRows('TodoItem'), 'TodoItem-' + RUN);
        await expectLocalMatchesServer(device.store, 'TodoItem', 'after the second pull through TodoItem');
    });

    if (LOGIN) {
        await step('10: a second user signs in and sees none of the first user\'s rows', async () => {
            const mine = await serverRows(true);
            check(mine.size > 0, 'the first user should have rows of this run on the server');
            // the second user's own phone: another installation of the app (a device belongs to its first user)
            MobileServiceClient._applicationInstallationId = crypto.randomUUID();
            const client = new MobileServiceClient(baseUrl);
            const other = await client.login(LOGIN.provider, { access_token: LOGIN.otherAccessToken });
            const first = new MobileServiceClient(baseUrl);
            const firstUser = await first.login(sessionToken);
            check(other.userId !== firstUser.userId, () => 'two users, one id: ' + other.userId);
            const otherHttp = new GatewayHttp(baseUrl, other.mobileServiceAuthenticationToken);
            for (const id of mine.keys()) {
                const response = await otherHttp.getItem(TABLE, id, true);
                check(response.status === 404,
                    () => 'the second user must not read ' + label(id) + ': ' + response.describe());
            }
            const seen = await otherHttp.query(TABLE, "indexof(text,'" + RUN + "') ge 0", true);
            checkEqual(seen.status === 200 ? seen.json.length : seen.describe(), 0, 'rows of this run the second user sees');
            const store = new MemoryStore();
            await store.defineTable({ name: TABLE, columnDefinitions: LOCAL_COLUMNS });
            const context = client.getSyncContext();
            await context.initialize(store);
            await client.getSyncTable(TABLE).pull(ownRows(TABLE), 'other-' + RUN);
            checkEqual(localOwnRows(store, TABLE).length, 0, 'rows of this run in the second user\'s pull');
        });
    }
}

function reportFailure(error) {
    const what = error instanceof StoryFailure ? error.message : (error && error.stack) || format(error);
    console.error('OFFLINE-SYNC-STORY FAILED at step ' + currentStep + ': ' + what);
    const cause = error && typeof error.cause === 'function' ? error.cause() : undefined;
    if (cause) {
        console.error('  caused by: ' + ((cause.stack) || format(cause)));
    }
    const recent = wire.last(5);
    if (recent.length > 0) {
        console.error('  last SDK requests:');
        for (const entry of recent) {
            console.error('    ' + entry.method + ' ' + entry.url + ' ' + JSON.stringify(entry.headers) +
                (entry.body ? ' body ' + entry.body : '') + ' -> ' + entry.status + ' ' +
                String(entry.responseText).slice(0, 500));
        }
    }
    process.exit(1);
}

const watchdog = setTimeout(() => {
    reportFailure(new StoryFailure('no result after ' + TIMEOUT_SECONDS + ' s (a request or an SDK promise never settled)'));
}, TIMEOUT_SECONDS * 1000);

process.on('unhandledRejection', reportFailure);
process.on('uncaughtException', reportFailure);

main().then(() => {
    clearTimeout(watchdog);
    console.log('OFFLINE-SYNC-STORY OK');
    process.exit(0);
}, reportFailure);
