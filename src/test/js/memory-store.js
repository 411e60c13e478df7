'use strict';

/*
 * An in-memory implementation of the MobileServiceStore interface of azure-mobile-apps-client 2.0.1
 * (see node_modules/azure-mobile-apps-client/jsdoc/MobileServiceStore.js): defineTable, upsert, lookup,
 * del, read and executeBatch, each returning a Promise.
 *
 * It behaves like the SDK's own Cordova SQLite store (sdk/src/Platform/cordova/MobileServiceSqliteStore.js),
 * because the sync context relies on those semantics:
 *  - table and column names are case-insensitive; properties without a column definition are dropped;
 *  - values are validated against the column type and kept in their "stored" form (dates and booleans as
 *    integers, objects and arrays as JSON text), and converted back when read;
 *  - upsert merges: it only overwrites the properties present in the given record (the operation table
 *    manager relies on this when it rewrites an operation's action and metadata);
 *  - a read or lookup returns every defined column, null when never set, and always a fresh copy;
 *  - executeBatch is all-or-nothing;
 *  - read(query) evaluates the azure-query-js expression tree (filters, orderClauses, skip, take,
 *    selections, includeTotalCount) with SQL-like null semantics.
 */

const COLUMN_TYPES = {
    object: 'object',
    array: 'array',
    integer: 'integer',
    int: 'integer',
    float: 'real',
    real: 'real',
    string: 'string',
    text: 'string',
    boolean: 'boolean',
    bool: 'boolean',
    date: 'date',
};

function isNull(value) {
    return value === null || value === undefined;
}

function isDate(value) {
    return value instanceof Date && !isNaN(value.getTime());
}

function isInteger(value) {
    return typeof value === 'number' && Number.isInteger(value);
}

function isPlainObjectLike(value) {
    return typeof value === 'object' && value !== null;
}

function isValidId(id) {
    if (typeof id === 'string') {
        return id.trim().length > 0 && id.length <= 255;
    }
    return isInteger(id) && id > 0;
}

function describe(value) {
    return JSON.stringify(value) + ' (' + (isDate(value) ? 'Date' : typeof value) + ')';
}

/** Converts a JS value to its stored form for a column of the given (normalised) type. */
function toStored(value, type, columnName) {
    if (isNull(value)) {
        return null;
    }
    const fail = () => {
        throw new Error('Cannot store value ' + describe(value) + ' in column "' + columnName + '" of type ' + type);
    };
    switch (type) {
        case 'string':
            return typeof value === 'string' ? value : JSON.stringify(value);
        case 'integer':
            if (typeof value === 'boolean') {
                return value ? 1 : 0;
            }
            return isInteger(value) ? value : fail();
        case 'boolean':
            if (typeof value === 'boolean') {
                return value ? 1 : 0;
            }
            return isInteger(value) ? (value === 0 ? 0 : 1) : fail();
        case 'real':
            return typeof value === 'number' ? value : fail();
        case 'date':
            return isDate(value) ? value.getTime() : fail();
        case 'object':
            return isPlainObjectLike(value) ? JSON.stringify(value) : fail();
        case 'array':
            return Array.isArray(value) ? JSON.stringify(value) : fail();
        default:
            throw new Error('Column type ' + type + ' is not supported');
    }
}

/** Converts a stored value back to its JS form. */
function fromStored(value, type) {
    if (isNull(value)) {
        return null;
    }
    switch (type) {
        case 'boolean':
            return value !== 0;
        case 'date':
            return new Date(value);
        case 'object':
        case 'array':
            return JSON.parse(value);
        default:
            return value;
    }
}

/** Converts a query constant to the stored form it is compared with (like the SQLite store's serializeValue). */
function constantToStored(value) {
    if (isNull(value)) {
        return null;
    }
    if (isDate(value)) {
        return value.getTime();
    }
    if (typeof value === 'boolean') {
        return value ? 1 : 0;
    }
    if (typeof value === 'number' || typeof value === 'string') {
        return value;
    }
    return JSON.stringify(value);
}

function compare(a, b) {
    if (a === b) {
        return 0;
    }
    // SQLite orders NULL first, then numbers, then text
    if (a === null) {
        return -1;
    }
    if (b === null) {
        return 1;
    }
    const rank = (v) => (typeof v === 'number' ? 0 : 1);
    if (rank(a) !== rank(b)) {
        return rank(a) - rank(b);
    }
    return a < b ? -1 : a > b ? 1 : 0;
}

class Table {
    constructor(name) {
        this.name = name;
        this.columns = new Map(); // lower-case name -> { name, type }
        this.rows = new Map(); // id -> stored row (keys: declared column names)
    }

    column(name) {
        return this.columns.get(String(name).toLowerCase());
    }

    clone() {
        const copy = new Table(this.name);
        this.columns.forEach((value, key) => copy.columns.set(key, value));
        this.rows.forEach((row, id) => copy.rows.set(id, Object.assign({}, row)));
        return copy;
    }
}

class MemoryStore {
    constructor() {
        this.tables = new Map(); // lower-case table name -> Table
    }

    // ---- MobileServiceStore interface ----

    defineTable(tableDefinition) {
        return this._run(() => {
            if (!isPlainObjectLike(tableDefinition) || typeof tableDefinition.name !== 'string' || !tableDefinition.name) {
                throw new Error('tableDefinition.name must be a non-empty string');
            }
            const definitions = tableDefinition.columnDefinitions;
            if (!isPlainObjectLike(definitions)) {
                throw new Error('tableDefinition.columnDefinitions must be an object');
            }
            const key = tableDefinition.name.toLowerCase();
            const table = this.tables.get(key) || new Table(tableDefinition.name);
            const seen = new Set();
            for (const columnName of Object.keys(definitions)) {
                const lower = columnName.toLowerCase();
                if (seen.has(lower)) {
                    throw new Error('Duplicate definition for column "' + columnName + '" in table "' + tableDefinition.name + '"');
                }
                seen.add(lower);
                const type = COLUMN_TYPES[String(definitions[columnName]).toLowerCase()];
                if (!type) {
                    throw new Error('Column type ' + definitions[columnName] + ' is not supported');
                }
                // Like the SQLite store, an existing column keeps its data; the latest definition wins for its type.
                table.columns.set(lower, { name: columnName, type: type });
            }
            if (!table.column('id')) {
                throw new Error('Table "' + tableDefinition.name + '" must define an id column');
            }
            this.tables.set(key, table);
        });
    }

    upsert(tableName, data) {
        return this._run(() => this._transaction(() => this._upsert(tableName, data)));
    }

    lookup(tableName, id, suppressRecordNotFoundError) {
        return this._run(() => {
            const table = this._table(tableName);
            if (!isValidId(id)) {
                throw new Error('Invalid id ' + describe(id));
            }
            const row = table.rows.get(id);
            if (!row) {
                if (suppressRecordNotFoundError) {
                    return undefined;
                }
                throw new Error('Item with id "' + id + '" does not exist.');
            }
            return this._materialise(table, row);
        });
    }

    del(tableNameOrQuery, ids) {
        return this._run(() => {
            if (typeof tableNameOrQuery === 'string') {
                return this._transaction(() => this._deleteIds(tableNameOrQuery, ids));
            }
            if (isPlainObjectLike(tableNameOrQuery) && typeof tableNameOrQuery.getComponents === 'function') {
                const components = tableNameOrQuery.getComponents();
                const table = this._table(components.table);
                const matching = this._select(table, components).map((row) => row.id);
                return this._transaction(() => this._deleteIds(components.table, matching));
            }
            throw new Error('del expects a table name or a query, got ' + describe(tableNameOrQuery));
        });
    }

    read(query) {
        return this._run(() => {
            if (!isPlainObjectLike(query) || typeof query.getComponents !== 'function') {
                throw new Error('read expects a QueryJs object');
            }
            const components = query.getComponents();
            const table = this._table(components.table);
            const matching = this._filter(table, components.filters);
            let rows = this._order(table, matching, components.orderClauses);
            const total = rows.length;
            const skip = components.skip || 0;
            rows = rows.slice(skip, isNull(components.take) ? undefined : skip + components.take);
            let result = rows.map((row) => this._materialise(table, row));
            if (components.selections && components.selections.length > 0) {
                result = result.map((record) => {
                    const projected = {};
                    for (const selection of components.selections) {
                        const column = table.column(selection);
                        if (!column) {
                            throw new Error('no such column: ' + selection);
                        }
                        projected[column.name] = record[column.name];
                    }
                    return projected;
                });
            }
            if (components.includeTotalCount) {
                return { result: result, count: total };
            }
            return result;
        });
    }

    executeBatch(operations) {
        return this._run(() => {
            if (!Array.isArray(operations)) {
                throw new Error('executeBatch expects an array of operations');
            }
            return this._transaction(() => {
                for (const operation of operations) {
                    if (isNull(operation)) {
                        continue;
                    }
                    if (typeof operation.tableName !== 'string' || typeof operation.action !== 'string') {
                        throw new Error('Invalid batch operation ' + describe(operation));
                    }
                    const action = operation.action.toLowerCase();
                    if (action === 'upsert') {
                        this._upsert(operation.tableName, operation.data);
                    } else if (action === 'delete') {
                        if (!isNull(operation.id)) {
                            this._deleteIds(operation.tableName, [operation.id]);
                        }
                    } else {
                        throw new Error("Operation '" + operation.action + "' is not supported");
                    }
                }
            });
        });
    }

    // ---- helpers for the story's own assertions (not part of the SDK interface) ----

    /** Every row of a table, materialised, ordered by id. */
    dump(tableName) {
        const table = this._table(tableName);
        return this._order(table, Array.from(table.rows.values()), [{ name: 'id', ascending: true }]).map((row) =>
            this._materialise(table, row));
    }

    /**
     * The whole store (every table's columns and stored rows) as JSON text, as a device's database file keeps it
     * between two runs of an app; MemoryStore.restore(text) reads it back.
     */
    save() {
        const tables = [];
        this.tables.forEach((table, key) => tables.push({
            key: key,
            name: table.name,
            columns: Array.from(table.columns.entries()),
            rows: Array.from(table.rows.entries()),
        }));
        return JSON.stringify({ tables: tables });
    }

    /** A store as save() left it. */
    static restore(text) {
        const store = new MemoryStore();
        for (const saved of JSON.parse(text).tables) {
            const table = new Table(saved.name);
            saved.columns.forEach(([key, column]) => table.columns.set(key, column));
            saved.rows.forEach(([id, row]) => table.rows.set(id, row));
            store.tables.set(saved.key, table);
        }
        return store;
    }

    // ---- internals ----

    _run(work) {
        return new Promise((resolve) => resolve(work()));
    }

    /** Runs work against copies of the tables and keeps them only if it succeeds. */
    _transaction(work) {
        const snapshot = new Map();
        this.tables.forEach((table, key) => snapshot.set(key, table.clone()));
        try {
            return work();
        } catch (error) {
            this.tables = snapshot;
            throw error;
        }
    }

    _table(tableName) {
        if (typeof tableName !== 'string' || !tableName) {
            throw new Error('Invalid table name ' + describe(tableName));
        }
        const table = this.tables.get(tableName.toLowerCase());
        if (!table) {
            throw new Error('Definition not found for table "' + tableName + '"');
        }
        return table;
    }

    _upsert(tableName, data) {
        const table = this._table(tableName);
        if (isNull(data)) {
            return;
        }
        const records = Array.isArray(data) ? data : [data];
        for (const record of records) {
            if (isNull(record)) {
                continue;
            }
            if (!isPlainObjectLike(record)) {
                throw new Error('Cannot upsert ' + describe(record));
            }
            let id;
            const stored = {};
            for (const property of Object.keys(record)) {
                const column = table.column(property);
                if (!column) {
                    continue; // no definition: dropped, as in the SQLite store
                }
                stored[column.name] = toStored(record[property], column.type, column.name);
                if (property.toLowerCase() === 'id') {
                    id = record[property];
                }
            }
            if (!isValidId(id)) {
                throw new Error('Cannot upsert a record without a valid id: ' + describe(record));
            }
            const idColumn = table.column('id').name;
            stored[idColumn] = id;
            table.rows.set(id, Object.assign(table.rows.get(id) || {}, stored));
        }
    }

    _deleteIds(tableName, ids) {
        const table = this._table(tableName);
        const list = Array.isArray(ids) ? ids : [ids];
        for (const id of list) {
            if (isNull(id)) {
                continue;
            }
            if (!isValidId(id)) {
                throw new Error('Invalid id ' + describe(id));
            }
            table.rows.delete(id);
        }
    }

    _materialise(table, row) {
        const record = {};
        table.columns.forEach((column) => {
            record[column.name] = fromStored(row[column.name], column.type);
        });
        return record;
    }

    _select(table, components) {
        const rows = this._order(table, this._filter(table, components.filters), components.orderClauses);
        const skip = components.skip || 0;
        return rows.slice(skip, isNull(components.take) ? undefined : skip + components.take);
    }

    _filter(table, filters) {
        const rows = Array.from(table.rows.values());
        if (isNull(filters)) {
            return rows;
        }
        return rows.filter((row) => truthy(evaluate(table, row, filters)));
    }

    _order(table, rows, orderClauses) {
        const clauses = (orderClauses || []).map((clause) => {
            const column = table.column(clause.name);
            if (!column) {
                throw new Error('no such column: ' + clause.name);
            }
            return { name: column.name, direction: clause.ascending ? 1 : -1 };
        });
        return rows.slice().sort((left, right) => {
            for (const clause of clauses) {
                const result = compare(valueOf(left[clause.name]), valueOf(right[clause.name]));
                if (result !== 0) {
                    return result * clause.direction;
                }
            }
            return 0;
        });
    }
}

function valueOf(value) {
    return isNull(value) ? null : value;
}

function truthy(value) {
    return !isNull(value) && value !== 0 && value !== false && value !== '';
}

/** Evaluates an azure-query-js expression node against a stored row, with SQL-like null handling. */
function evaluate(table, row, node) {
    switch (node.type) {
        case 'ConstantExpression':
            return constantToStored(node.value);
        case 'MemberExpression': {
            const column = table.column(node.member);
            if (!column) {
                throw new Error('no such column: ' + node.member);
            }
            return valueOf(row[column.name]);
        }
        case 'UnaryExpression': {
            const operand = evaluate(table, row, node.operand);
            switch (node.operator) {
                case 'Not':
                    return isNull(operand) ? null : (truthy(operand) ? 0 : 1);
                case 'Negate':
                    return isNull(operand) ? null : -operand;
                default:
                    throw new Error('Unsupported unary operator ' + node.operator);
            }
        }
        case 'BinaryExpression':
            return evaluateBinary(table, row, node);
        case 'InvocationExpression':
            return evaluateInvocation(node.method, node.args.map((arg) => evaluate(table, row, arg)));
        case 'LiteralExpression':
            throw new Error('Raw OData filters (LiteralExpression) are not supported by the memory store');
        default:
            throw new Error('Unsupported query node ' + node.type);
    }
}

function evaluateBinary(table, row, node) {
    if (node.operator === 'And') {
        const left = evaluate(table, row, node.left);
        if (!isNull(left) && !truthy(left)) {
            return 0;
        }
        const right = evaluate(table, row, node.right);
        if (!isNull(right) && !truthy(right)) {
            return 0;
        }
        return isNull(left) || isNull(right) ? null : 1;
    }
    if (node.operator === 'Or') {
        const left = evaluate(table, row, node.left);
        if (truthy(left)) {
            return 1;
        }
        const right = evaluate(table, row, node.right);
        if (truthy(right)) {
            return 1;
        }
        return isNull(left) || isNull(right) ? null : 0;
    }
    const left = evaluate(table, row, node.left);
    const right = evaluate(table, row, node.right);
    switch (node.operator) {
        // "eq null" / "ne null" become IS NULL / IS NOT NULL in the SQLite store's SQL
        case 'Equal':
            if (isNull(left) || isNull(right)) {
                return isNull(left) && isNull(right) ? 1 : 0;
            }
            return compare(left, right) === 0 ? 1 : 0;
        case 'NotEqual':
            if (isNull(left) || isNull(right)) {
                return isNull(left) && isNull(right) ? 0 : 1;
            }
            return compare(left, right) !== 0 ? 1 : 0;
        default:
            break;
    }
    if (isNull(left) || isNull(right)) {
        return null;
    }
    switch (node.operator) {
        case 'GreaterThan':
            return compare(left, right) > 0 ? 1 : 0;
        case 'GreaterThanOrEqual':
            return compare(left, right) >= 0 ? 1 : 0;
        case 'LessThan':
            return compare(left, right) < 0 ? 1 : 0;
        case 'LessThanOrEqual':
            return compare(left, right) <= 0 ? 1 : 0;
        case 'Add':
            return left + right;
        case 'Subtract':
            return left - right;
        case 'Multiply':
            return left * right;
        case 'Divide':
            return left / right;
        case 'Modulo':
            return left % right;
        default:
            throw new Error('Unsupported binary operator ' + node.operator);
    }
}

function evaluateInvocation(method, args) {
    if (args.some(isNull)) {
        return null;
    }
    const text = (value) => String(value);
    switch (method) {
        case 'Length':
            return text(args[0]).length;
        case 'ToUpperCase':
            return text(args[0]).toUpperCase();
        case 'ToLowerCase':
            return text(args[0]).toLowerCase();
        case 'Trim':
            return text(args[0]).trim();
        case 'IndexOf':
            return text(args[0]).indexOf(text(args[1]));
        case 'Replace':
            return text(args[0]).split(text(args[1])).join(text(args[2]));
        case 'Substring':
            return args.length > 2 ? text(args[0]).substr(args[1], args[2]) : text(args[0]).substr(args[1]);
        case 'Concat':
            return args.map(text).join('');
        case 'Day':
            return new Date(args[0]).getUTCDate();
        case 'Month':
            return new Date(args[0]).getUTCMonth() + 1;
        case 'Year':
            return new Date(args[0]).getUTCFullYear();
        case 'Floor':
            return Math.floor(args[0]);
        case 'Ceiling':
            return Math.ceil(args[0]);
        case 'Round':
            return Math.round(args[0]);
        default:
            throw new Error('Unsupported query method ' + method);
    }
}

module.exports = MemoryStore;
