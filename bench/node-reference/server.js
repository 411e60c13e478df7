// The peer a user would pick instead of EdgeSync: the Azure Mobile Apps Node.js reference server (npm
// azure-mobile-apps 4.0.2) with its SQLite provider, serving the sample table of the offline-sync article.
// Started by the benchmark harness (io.edgesync.bench.NodeReference) with PORT and DB_FILE in the environment.
'use strict';

const express = require('express');
const azureMobileApps = require('azure-mobile-apps');

const port = Number(process.env.PORT || 3000);
const dbFile = process.env.DB_FILE || 'reference.db';

const app = express();
const mobileApp = azureMobileApps({
    data: { provider: 'sqlite', filename: dbFile },
    logging: { level: 'error' },
    debug: false,
    homePage: false,
    swagger: false
});

// Same shape as EdgeSync's todoitem in the local default: soft delete, declared columns; 'n' is the harness's counter.
// todoitem takes the writes of scenario 1, pullitem the rows that scenario 2 pulls.
for (const name of ['todoitem', 'pullitem']) {
    mobileApp.tables.add(name, {
        softDelete: true,
        dynamicSchema: false,
        columns: { text: 'string', complete: 'boolean', n: 'number' }
    });
}

mobileApp.tables.initialize()
    .then(() => {
        app.use(mobileApp);
        app.listen(port, '127.0.0.1', () => console.log('azure-mobile-apps reference listening on ' + port));
    })
    .catch(error => {
        console.error('start failed', error);
        process.exit(1);
    });
