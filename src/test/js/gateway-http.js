'use strict';

/*
 * Plain HTTP access to the gateway's table endpoints (no SDK), used by the story to check what the server holds
 * and to change rows "from another client". Every request carries ZUMO-API-VERSION: 2.0.0, and the user's session
 * token as X-ZUMO-AUTH when the story runs signed in.
 */

const API_VERSION = '2.0.0';

class GatewayHttp {
    /** authToken: a session token of the gateway, sent as X-ZUMO-AUTH as the SDK sends it; none when omitted. */
    constructor(baseUrl, authToken) {
        this.baseUrl = baseUrl.replace(/\/+$/, '');
        this.authToken = authToken || null;
    }

    async request(method, path, body, headers) {
        const requestHeaders = Object.assign({ 'ZUMO-API-VERSION': API_VERSION }, headers || {});
        if (this.authToken) {
            requestHeaders['X-ZUMO-AUTH'] = this.authToken;
        }
        let payload;
        if (body !== undefined) {
            payload = JSON.stringify(body);
            requestHeaders['Content-Type'] = 'application/json';
        }
        const url = this.baseUrl + path;
        let response;
        try {
            response = await fetch(url, { method: method, headers: requestHeaders, body: payload });
        } catch (error) {
            throw new Error(method + ' ' + url + ' failed: ' + (error.cause ? error.cause.message : error.message));
        }
        const text = await response.text();
        let json;
        try {
            json = text.length > 0 ? JSON.parse(text) : undefined;
        } catch (error) {
            json = undefined;
        }
        return {
            method: method,
            url: url,
            status: response.status,
            etag: response.headers.get('etag'),
            text: text,
            json: json,
            describe() {
                return method + ' ' + url + ' -> ' + response.status + ' ' + text.slice(0, 500);
            },
        };
    }

    /** GET /tables/{table}/{id}. */
    getItem(table, id, includeDeleted) {
        return this.request('GET', '/tables/' + table + '/' + encodeURIComponent(id) +
            (includeDeleted ? '?__includeDeleted=true' : ''));
    }

    /**
     * GET /tables/{table} with a raw OData $filter (percent-encoded here), ordered by id, up to 1000 rows.
     * Returns the response; its json is the array of rows.
     */
    query(table, filter, includeDeleted) {
        let path = '/tables/' + table + '?$filter=' + encodeURIComponent(filter) + '&$orderby=id&$top=1000';
        if (includeDeleted) {
            path += '&__includeDeleted=true';
        }
        return this.request('GET', path);
    }

    insert(table, item) {
        return this.request('POST', '/tables/' + table, item);
    }

    update(table, item, version) {
        return this.request('PATCH', '/tables/' + table + '/' + encodeURIComponent(item.id), item,
            version ? { 'If-Match': '"' + version + '"' } : undefined);
    }

    remove(table, id, version) {
        return this.request('DELETE', '/tables/' + table + '/' + encodeURIComponent(id), undefined,
            version ? { 'If-Match': '"' + version + '"' } : undefined);
    }
}

module.exports = GatewayHttp;
