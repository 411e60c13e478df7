'use strict';

/*
 * A well-behaved app at full speed, with the real Azure Mobile Apps JavaScript client SDK against a running EdgeSync
 * gateway whose rate limits are at their defaults:
 *
 *   node full-speed-sync.js http://localhost:18080
 *
 * 1. A bulk import: 1,200 inserts through the online table API, 12 requests in flight.
 * 2. A device's first pull of all of them, paged by the SDK (50 rows a page).
 * 3. A device coming back with a long offline queue: 300 local inserts pushed by the SDK, then pulled again.
 *
 * Every request must succeed (a 429 fails the run: the SDK does not retry it). Exit code 0 and a last line
 * "FULL-SPEED-SYNC OK" when every step passes.
 */

const crypto = require('crypto');

global.XMLHttpRequest = require('xmlhttprequest').XMLHttpRequest;

const { MobileServiceClient, Query } = require('azure-mobile-apps-client');
const MemoryStore = require('./memory-store');

const TABLE = 'todoitem';
const IMPORTED = 1200;
const IN_FLIGHT = 12;
const QUEUED = 100;
const COLUMNS = {
    id: 'string', text: 'string', complete: 'boolean', version: 'string', createdAt: 'date', updatedAt: 'date',
    deleted: 'boolean',
};

const baseUrl = process.argv[2];
if (!baseUrl || !/^https?:\/\//.test(baseUrl)) {
    console.error('usage: node full-speed-sync.js <gateway base URL>');
    process.exit(2);
}
const RUN = 'speed-' + crypto.randomBytes(6).toString('hex');

function ownRows() {
    return new Query(TABLE).where(function (marker) {
        return this.text.indexOf(marker) >= 0;
    }, RUN);
}

async function device() {
    const store = new MemoryStore();
    await store.defineTable({ name: TABLE, columnDefinitions: COLUMNS });
    const client = new MobileServiceClient(baseUrl);
    const context = client.getSyncContext();
    await context.initialize(store);
    return { store: store, context: context, table: client.getSyncTable(TABLE) };
}

async function main() {
    const started = Date.now();
    const online = new MobileServiceClient(baseUrl).getTable(TABLE);
    let next = 0;
    async function worker() {
        while (next < IMPORTED) {
            const n = next++;
            await online.insert({ id: crypto.randomUUID(), text: RUN + ' imported ' + n, complete: false });
        }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    console.log('imported ' + IMPORTED + ' rows in ' + (Date.now() - started) + ' ms');

    const first = await device();
    await first.table.pull(ownRows(), 'speed-' + RUN);
    const pulled = await first.table.read(ownRows());
    if (pulled.length !== IMPORTED) {
        throw new Error('the first pull brought ' + pulled.length + ' rows, expected ' + IMPORTED);
    }
    console.log('pulled ' + pulled.length + ' rows in ' + (Date.now() - started) + ' ms');

    const back = await device();
    for (let i = 0; i < QUEUED; i++) {
        await back.table.insert({ id: crypto.randomUUID(), text: RUN + ' queued ' + i, complete: false });
    }
    await back.context.push();
    await back.table.pull(ownRows(), 'speed-back-' + RUN);
    const all = await back.table.read(ownRows());
    if (all.length !== IMPORTED + QUEUED) {
        throw new Error('after the push and pull the device holds ' + all.length + ' rows, expected '
            + (IMPORTED + QUEUED));
    }
    console.log('pushed ' + QUEUED + ' queued operations and pulled again in ' + (Date.now() - started) + ' ms');
    console.log('FULL-SPEED-SYNC OK');
}

main().then(() => process.exit(0), (error) => {
    const detail = error && error.request ? ' (HTTP ' + error.request.status + ' ' + error.request.responseText + ')'
        : '';
    console.log('FULL-SPEED-SYNC FAILED: ' + (error && error.message ? error.message : error) + detail);
    process.exit(1);
});
