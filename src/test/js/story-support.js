'use strict';

/*
 * Assertions, the SDK request recorder and small helpers for offline-sync-story.js.
 */

const util = require('util');

/** A failed expectation of the story; the message names what was expected and what happened. */
class StoryFailure extends Error {}

function format(value) {
    return util.inspect(value, { depth: 6, breakLength: Infinity, maxStringLength: 400 });
}

function fail(message) {
    throw new StoryFailure(message);
}

function check(condition, message) {
    if (!condition) {
        fail(typeof message === 'function' ? message() : message);
    }
}

function checkEqual(actual, expected, what) {
    if (!util.isDeepStrictEqual(actual, expected)) {
        fail(what + ': expected ' + format(expected) + ' but was ' + format(actual));
    }
}

/** Parses the query string of a URL into a map of decoded parameters ('+' is kept as is). */
function queryParameters(url) {
    const parameters = {};
    const start = url.indexOf('?');
    if (start < 0) {
        return parameters;
    }
    for (const part of url.slice(start + 1).split('&')) {
        if (!part) {
            continue;
        }
        const eq = part.indexOf('=');
        const decode = (text) => {
            try {
                return decodeURIComponent(text);
            } catch (error) {
                return text;
            }
        };
        parameters[decode(eq < 0 ? part : part.slice(0, eq))] = eq < 0 ? '' : decode(part.slice(eq + 1));
    }
    return parameters;
}

/** The path of a URL, without scheme, host and query. */
function pathOf(url) {
    const withoutQuery = url.split('?')[0];
    return withoutQuery.replace(/^[a-z]+:\/\/[^/]+/i, '');
}

/**
 * Records every request the SDK sends and the response it gets, through the SDK's own service-filter hook
 * (MobileServiceClient.withFilter), and prints a one-line summary of each.
 */
class WireRecorder {
    constructor(log) {
        this.entries = [];
        this.log = log;
        this.filter = this.filter.bind(this);
    }

    filter(request, next, callback) {
        const entry = {
            method: request.type,
            url: request.url,
            path: pathOf(request.url),
            parameters: queryParameters(request.url),
            headers: Object.assign({}, request.headers),
            body: request.data,
        };
        next(request, (error, response) => {
            const xhr = response || (error && error.request);
            entry.status = xhr ? xhr.status : undefined;
            entry.responseText = xhr ? xhr.responseText : undefined;
            entry.etag = xhr && xhr.getResponseHeader ? xhr.getResponseHeader('ETag') : undefined;
            try {
                entry.json = entry.responseText ? JSON.parse(entry.responseText) : undefined;
            } catch (parseError) {
                entry.json = undefined;
            }
            this.entries.push(entry);
            this.log('      sdk> ' + entry.method + ' ' + decodeForLog(entry.path + (entry.url.includes('?') ?
                '?' + entry.url.split('?').slice(1).join('?') : '')) + ' -> ' + entry.status +
                (Array.isArray(entry.json) ? ' (' + entry.json.length + ' rows)' : ''));
            callback(error, response);
        });
    }

    /** A mark to pass to since(). */
    mark() {
        return this.entries.length;
    }

    since(mark) {
        return this.entries.slice(mark);
    }

    last(count) {
        return this.entries.slice(-count);
    }
}

function decodeForLog(text) {
    try {
        return decodeURIComponent(text);
    } catch (error) {
        return text;
    }
}

/** Turns the ISO strings of a record copied by the SDK (PushError.getServerRecord) back into dates for the store. */
function reviveDates(record) {
    const copy = Object.assign({}, record);
    for (const name of ['createdAt', 'updatedAt']) {
        if (typeof copy[name] === 'string') {
            copy[name] = new Date(copy[name]);
        }
    }
    return copy;
}

function byId(rows) {
    const map = new Map();
    for (const row of rows) {
        map.set(row.id, row);
    }
    return map;
}

function sorted(values) {
    return Array.from(values).sort();
}

module.exports = {
    StoryFailure,
    WireRecorder,
    byId,
    check,
    checkEqual,
    fail,
    format,
    pathOf,
    queryParameters,
    reviveDates,
    sorted,
};
