// Calls of the admin API: the bearer token from sessionStorage, JSON in and out, problem+json errors as ApiError.

const TOKEN_KEY = 'edgesync.token';

/** An answer of the API that is not a success, with the problem's detail when there is one. */
export class ApiError extends Error {
    constructor(status, title, detail) {
        super(detail || title || `HTTP ${status}`);
        this.name = 'ApiError';
        this.status = status;
        this.title = title || '';
        this.detail = detail || '';
    }

    /** Whether the answer asks for (another) token: 401 no or invalid token, 403 a token without the admin role. */
    get isAuthProblem() {
        return this.status === 401 || this.status === 403;
    }
}

let authHandler = () => {};

/** Registers what to do when an answer is 401 or 403 (show the sign-in view). */
export function onAuthProblem(handler) {
    authHandler = handler;
}

export function getToken() {
    try {
        return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
        return '';
    }
}

export function setToken(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
    sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Calls the API: {@code path} under the gateway's origin, {@code params} as the query (empty values left out).
 * Answers the parsed JSON (null for 204); throws ApiError otherwise. A 401 or 403 also goes to the auth handler
 * unless {@code quiet}.
 */
export async function api(path, { method = 'GET', params = {}, quiet = false } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(params)) {
        if (value !== undefined && value !== null && value !== '') {
            url.searchParams.set(name, String(value));
        }
    }
    const headers = { Accept: 'application/json, application/problem+json' };
    const token = getToken();
    if (token) {
        headers.Authorization = `Bearer ${token}`;
    }
    let response;
    try {
        response = await fetch(url, { method, headers, cache: 'no-store' });
    } catch (e) {
        throw new ApiError(0, 'Network error', `The gateway did not answer (${e.message}).`);
    }
    if (response.status === 204) {
        return null;
    }
    const text = await response.text();
    let body = null;
    if (text) {
        try {
            body = JSON.parse(text);
        } catch (e) {
            body = null;
        }
    }
    if (!response.ok) {
        const detail = body && typeof body === 'object' ? body.detail : '';
        const title = body && typeof body === 'object' ? body.title : response.statusText;
        const error = new ApiError(response.status, title, detail || (body ? '' : text.slice(0, 300)));
        if (error.isAuthProblem && !quiet) {
            authHandler(error);
        }
        throw error;
    }
    return body;
}
