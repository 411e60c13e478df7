'use strict';

/*
 * A device of one edge that keeps table `regional` offline with the real Azure Mobile Apps JavaScript client SDK
 * (npm azure-mobile-apps-client 2.0.1), the SDK and local store of the offline-sync story:
 *
 *   node regional-pull.js <gateway base URL> <file of the device's local store>
 *
 * Each run is the app started again on the same device: its local store (memory-store.js) is read from the file as
 * the last run left it (empty the first time), the SDK pulls the table incrementally (always the same query id, so it
 * asks only for rows whose updatedAt is at or after the newest one it pulled before, deleted rows included, and
 * deletes from its local store the rows the gateway answers as deleted), and the store is written back to the file.
 *
 * Prints every request the SDK sends as "sdk> ..." and, last, "LOCAL-ROWS <the table's local rows, a JSON array
 * ordered by id>" and "REGIONAL-PULL OK"; on failure exit code 1 and a last line "REGIONAL-PULL FAILED: <what>".
 */

const fs = require('fs');

// The SDK's web platform picks its transport from global.XMLHttpRequest (Transports/DirectAjaxTransport.js).
global.XMLHttpRequest = require('xmlhttprequest').XMLHttpRequest;

const { MobileServiceClient, Query } = require('azure-mobile-apps-client');
const MemoryStore = require('./memory-store');
const { WireRecorder } = require('./story-support');

const TABLE = 'regional';
const QUERY_ID = 'regional-all';
const COLUMNS = {
    id: 'string', region: 'string', version: 'string', createdAt: 'date', updatedAt: 'date', deleted: 'boolean',
};

const baseUrl = process.argv[2];
const storeFile = process.argv[3];
if (!baseUrl || !/^https?:\/\//.test(baseUrl) || !storeFile) {
    console.error('usage: node regional-pull.js <gateway base URL> <file of the device\'s local store>');
    process.exit(2);
}

async function main() {
    const store = fs.existsSync(storeFile) ? MemoryStore.restore(fs.readFileSync(storeFile, 'utf8'))
        : new MemoryStore();
    await store.defineTable({ name: TABLE, columnDefinitions: COLUMNS });
    const wire = new WireRecorder((line) => console.log(line));
    const client = new MobileServiceClient(baseUrl).withFilter(wire.filter);
    const context = client.getSyncContext();
    await context.initialize(store);
    await client.getSyncTable(TABLE).pull(new Query(TABLE), QUERY_ID);
    fs.writeFileSync(storeFile, store.save());
    console.log('LOCAL-ROWS ' + JSON.stringify(store.dump(TABLE)));
    console.log('REGIONAL-PULL OK');
}

main().then(() => process.exit(0), (error) => {
    const detail = error && error.request ? ' (HTTP ' + error.request.status + ' ' + error.request.responseText + ')'
        : '';
    console.log('REGIONAL-PULL FAILED: ' + (error && error.message ? error.message : error) + detail);
    process.exit(1);
});
